"""`phonebackup phone up` (serve one virtual phone in this process until Ctrl-C, SIGTERM or
`adb emu kill`) and `phonebackup phone list` (the virtual phones this user runs that way).
Not for starting phones from Python code: use `VirtualPhone` in-process or `spawn_phone`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path

from .device import PhoneConfig, VirtualPhone, parse_size

READY_PREFIX = "ready "  # the line `spawn_phone` waits for: "ready {json}"
START_ATTEMPTS = 5  # ports picked without --port can be taken by another process before we bind


def add_up_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=None,
                        help="even console port P (adb on P+1); default: the first free pair from 5554")
    parser.add_argument("--api", type=int, default=34, help="Android API level the phone reports (default 34)")
    parser.add_argument("--storage", default="8G", help="storage capacity, e.g. 2G, 512M (default 8G)")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder that keeps the phone's files across runs (default: a temporary folder "
                             "removed when the phone stops)")
    parser.add_argument("--boot-delay", type=float, default=0.0,
                        help="seconds until sys.boot_completed=1, to simulate a slow boot (default 0)")
    parser.add_argument("--avd-name", default="virtual_phone", help="name the console's `avd name` answers")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started this one goes away (no orphaned phones "
                             "after a crashed test run; spawn_phone sets it)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the phone does to stderr")


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    phone = subparsers.add_parser("phone", help="start and list embedded virtual phones",
                                  description="Embedded virtual phones: Android devices the real adb talks to.")
    actions = phone.add_subparsers(dest="phone_command", metavar="ACTION")
    up = actions.add_parser("up", help="start a virtual phone and serve it until killed",
                            description="Start a virtual phone, print its serial and ports, and serve it "
                                        "until Ctrl-C, SIGTERM or `adb -s SERIAL emu kill`.")
    add_up_arguments(up)
    up.set_defaults(func=run_up)
    listing = actions.add_parser("list", help="list the virtual phones this user runs with `phone up`")
    listing.add_argument("--json", action="store_true", help="one JSON object per phone")
    listing.set_defaults(func=run_list)
    phone.set_defaults(func=lambda args: phone.print_help() or 2)


def config_from_args(args: argparse.Namespace) -> PhoneConfig:
    if args.port is not None and (args.port % 2 or not 1024 <= args.port < 65535):
        raise SystemExit(f"phonebackup phone up: --port {args.port} is not an even port in 1024..65534; "
                         "emulator console ports are even and adb takes the next one")
    try:
        storage = parse_size(args.storage)
    except ValueError as exc:
        raise SystemExit(f"phonebackup phone up: {exc}") from None
    data = args.data.resolve() if args.data is not None else None
    return PhoneConfig(console_port=args.port, api=args.api, storage_bytes=storage, data_dir=data,
                       boot_delay=args.boot_delay, avd_name=args.avd_name)


def start_phone(config: PhoneConfig) -> VirtualPhone:
    """Start a phone (a free port pair is chosen and bound under the cross-process lock when the
    config names none)."""
    return VirtualPhone(config).start()


def run_up(args: argparse.Namespace) -> int:
    parent = os.getppid()  # taken first: the parent may die as soon as it has read our ready line
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = config_from_args(args)
    try:
        phone = start_phone(config)
    except OSError as exc:
        print(f"phonebackup phone up: cannot start the virtual phone: {exc.strerror or exc}", file=sys.stderr)
        return 1

    done = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        done.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    record = PhoneRecord.of(phone)
    try:
        record.save()
        print(phone.serial)
        print(f"  console 127.0.0.1:{phone.console_port}   adb 127.0.0.1:{phone.adb_port}   "
              f"API {phone.config.api}   avd {phone.config.avd_name}")
        print(f"  files {phone.data_dir}")
        print(f"  stop with Ctrl-C, SIGTERM or `adb -s {phone.serial} emu kill`")
        print(READY_PREFIX + json.dumps(record.as_dict()), flush=True)

        def announce_boot() -> None:
            if phone.booted.wait() and not phone.killed.is_set():
                print(f"{phone.serial}: boot completed", flush=True)

        threading.Thread(target=announce_boot, daemon=True).start()
        while not done.is_set() and not phone.killed.is_set():
            done.wait(0.25)  # short waits: signal handlers only run between them
            if args.exit_with_parent and os.getppid() != parent:
                break  # re-parented: whoever started us is gone
        how = "killed from the console" if phone.killed.is_set() else "stopping"
        try:
            print(f"{phone.serial}: {how}", flush=True)
        except OSError:
            pass  # nobody reads our output any more (the parent went away)
    finally:
        phone.close()
        record.remove()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


# -- `phone list`: one small JSON file per running `phone up`, removed when it exits ------------------
def records_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"pytest-phonebackup-{os.getuid()}" / "phones"


class PhoneRecord:
    """What `phone up` publishes about itself for `phone list` and for `spawn_phone`'s ready line."""

    def __init__(self, info: dict):
        self.info = info

    @classmethod
    def of(cls, phone: VirtualPhone) -> PhoneRecord:
        return cls({"serial": phone.serial, "console_port": phone.console_port, "adb_port": phone.adb_port,
                    "pid": os.getpid(), "data_dir": str(phone.data_dir), "avd_name": phone.config.avd_name,
                    "api": phone.config.api})

    def as_dict(self) -> dict:
        return dict(self.info)

    @property
    def path(self) -> Path:
        return records_dir() / f"{self.info['pid']}.json"

    def save(self) -> None:
        records_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path.write_text(json.dumps(self.info))

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def alive(self) -> bool:
        """The process exists and something answers like an emulator console on its port."""
        try:
            os.kill(int(self.info["pid"]), 0)
        except (ProcessLookupError, ValueError):
            return False
        except PermissionError:
            pass
        try:
            with socket.create_connection(("127.0.0.1", int(self.info["console_port"])), timeout=1) as sock:
                return sock.recv(64).startswith(b"Android Console")
        except OSError:
            return False


def running_phones() -> list[PhoneRecord]:
    """Virtual phones this user serves with `phone up` (or `spawn_phone`); stale records are dropped."""
    found = []
    folder = records_dir()
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            record = PhoneRecord(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
        if record.alive():
            found.append(record)
        else:
            path.unlink(missing_ok=True)
    return found


def run_list(args: argparse.Namespace) -> int:
    phones = running_phones()
    if args.json:
        for record in phones:
            print(json.dumps(record.as_dict()))
        return 0
    if not phones:
        print("no virtual phones running (start one with `phonebackup phone up`)")
        return 0
    print(f"{'SERIAL':<16} {'CONSOLE':>7} {'ADB':>5} {'PID':>7}  {'AVD':<16} FILES")
    for record in phones:
        i = record.info
        print(f"{i['serial']:<16} {i['console_port']:>7} {i['adb_port']:>5} {i['pid']:>7}  "
              f"{i['avd_name']:<16} {i['data_dir']}")
    return 0


def main_up(argv: list[str] | None = None) -> int:
    """`python -m pytest_phonebackup.virtual [options]`: the same as `phonebackup phone up`."""
    parser = argparse.ArgumentParser(prog="python -m pytest_phonebackup.virtual",
                                     description="Start a virtual phone and serve it until killed.")
    add_up_arguments(parser)
    return run_up(parser.parse_args(argv))
