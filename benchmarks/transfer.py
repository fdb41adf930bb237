"""Push and pull of one big file through the real adb server to the virtual phone, against `cp`
of the same file on the same disk in the same run. Prints MB/s and the ratios (target >= 0.4).
Not a test: nothing here asserts; it reports.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from pytest_phonebackup.hosttools import adb_path
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone, parse_size

TARGET_RATIO = 0.4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_file(path: Path, size: int) -> None:
    """Incompressible content, written once (the same file feeds cp, push and pull)."""
    block = os.urandom(16 * 1024 * 1024)
    with open(path, "wb") as out:
        left = size
        while left:
            n = min(left, len(block))
            out.write(block[:n])
            left -= n
            block = block[1:] + block[:1]  # no two blocks alike


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def mbps(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks transfer")
    parser.add_argument("--size", default="1G", help="file size (default 1G)")
    args, _ = parser.parse_known_args(argv)
    size = parse_size(args.size)

    with tempfile.TemporaryDirectory(prefix="bench-transfer-", dir=os.environ.get("TMPDIR")) as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        print(f"writing a {size / 2**20:.0f} MiB file in {work} ...", flush=True)
        make_file(source, size)

        port = free_port()
        env = dict(os.environ, ANDROID_ADB_SERVER_PORT=str(port))
        os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)  # the phone registers with this server
        adb = [adb_path(), "-P", str(port)]
        subprocess.run(adb + ["start-server"], check=True, capture_output=True, env=env)
        config = PhoneConfig(data_dir=work / "phone", storage_bytes=size * 2 + 2**30)
        try:
            with VirtualPhone(config) as phone:
                deadline = time.monotonic() + 30
                while f"{phone.serial}\tdevice" not in subprocess.run(
                        adb + ["devices"], capture_output=True, text=True).stdout:
                    if time.monotonic() > deadline:
                        print(f"{phone.serial} never showed up in adb devices")
                        return 1
                    time.sleep(0.1)
                on_device = "/sdcard/Download/bench.bin"

                cp_seconds = timed(["cp", str(source), str(work / "copy.bin")])
                (work / "copy.bin").unlink()
                push_seconds = timed(adb + ["-s", phone.serial, "push", str(source), on_device])
                pulled = work / "pulled.bin"
                pull_seconds = timed(adb + ["-s", phone.serial, "pull", on_device, str(pulled)])
                intact = filecmp.cmp(source, pulled, shallow=False) and filecmp.cmp(
                    source, phone.storage.host(on_device), shallow=False)
        finally:
            subprocess.run(adb + ["kill-server"], capture_output=True, env=env)

    cp_rate = mbps(size, cp_seconds)
    rows = [("cp", cp_rate, 1.0), ("adb push", mbps(size, push_seconds), mbps(size, push_seconds) / cp_rate),
            ("adb pull", mbps(size, pull_seconds), mbps(size, pull_seconds) / cp_rate)]
    print(f"{'transfer':<10}{'MB/s':>10}{'vs cp':>8}")
    for name, rate, ratio in rows:
        print(f"{name:<10}{rate:>10.0f}{ratio:>8.2f}")
    print(f"content identical after push and pull: {intact}")
    worst = min(ratio for _, _, ratio in rows[1:])
    print(f"target: push and pull >= {TARGET_RATIO} of cp -> {'met' if worst >= TARGET_RATIO else 'NOT met'}")
    return 0 if intact else 1
