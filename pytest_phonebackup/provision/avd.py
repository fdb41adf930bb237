"""Android SDK emulators: find the SDK and AVD, check KVM, launch with the flags CI needs, wait for
readiness phase by phase, and tear down leaving nothing behind (`emu kill`, wait for the serial and
the process, then our own process group). Not for the embedded virtual phone (see `virtual.py`).
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotReadyError, PhoneError
from ..phone import Phone
from ..phone.adb import adb_path, adb_server_port, connect_client
from .base import Provisioner
from .ports import PORT_ATTEMPTS, choose_console_port, port_in_use, port_lock, worker_index

log = logging.getLogger(__name__)

BASE_FLAGS = ["-no-window", "-gpu", "swiftshader_indirect", "-noaudio", "-no-boot-anim", "-skip-adb-auth"]
FATAL_LOG_LINES = ("invalid command-line parameter", "PANIC:", "FATAL:", "Unknown AVD name")
TEARDOWN_TIMEOUT = 60.0  # emulator.md: poll up to 60 s for the serial to go and the process to exit


def find_sdk(env: dict[str, str] | None = None) -> Path:
    """The Android SDK: $ANDROID_SDK_ROOT, else $ANDROID_HOME (both must agree when both are set)."""
    env = dict(os.environ) if env is None else env
    root, home = env.get("ANDROID_SDK_ROOT"), env.get("ANDROID_HOME")
    if root and home and Path(root).resolve() != Path(home).resolve():
        raise PhoneError(f"ANDROID_SDK_ROOT ({root}) and ANDROID_HOME ({home}) name different SDKs; the "
                         "emulator would mix them ('Broken AVD system path'). Unset one of them.")
    chosen = root or home
    if not chosen:
        raise PhoneError("no Android SDK: set ANDROID_SDK_ROOT (or ANDROID_HOME) to the SDK folder, or use "
                         "--phone-emulator alone for the embedded virtual phone that needs no SDK")
    sdk = Path(chosen)
    if not (sdk / "emulator" / "emulator").exists():
        raise PhoneError(f"the Android SDK at {sdk} has no emulator: install it with "
                         "`sdkmanager emulator` (or fix ANDROID_SDK_ROOT)")
    return sdk


def avd_home(env: dict[str, str] | None = None) -> Path:
    """Where AVDs live: $ANDROID_AVD_HOME, else $ANDROID_EMULATOR_HOME/avd, else ~/.android/avd."""
    env = dict(os.environ) if env is None else env
    if env.get("ANDROID_AVD_HOME"):
        return Path(env["ANDROID_AVD_HOME"])
    if env.get("ANDROID_EMULATOR_HOME"):
        return Path(env["ANDROID_EMULATOR_HOME"]) / "avd"
    return Path(env.get("HOME", str(Path.home()))) / ".android" / "avd"


def list_avds(home: Path) -> list[str]:
    return sorted(path.stem for path in home.glob("*.ini") if (home / f"{path.stem}.avd").is_dir()
                  or _avd_path(path) is not None)


def _avd_path(ini: Path) -> Path | None:
    try:
        match = re.search(r"^path=(.+)$", ini.read_text(), re.M)
    except OSError:
        return None
    return Path(match.group(1).strip()) if match else None


def find_avd(name: str, home: Path) -> Path:
    """The folder of AVD `name`; the error lists the AVDs there are."""
    ini = home / f"{name}.ini"
    folder = _avd_path(ini) if ini.exists() else None
    if folder is None and (home / f"{name}.avd").is_dir():
        folder = home / f"{name}.avd"
    if folder is None or not folder.is_dir():
        names = list_avds(home)
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise PhoneError(f"no AVD named {name!r} in {home}; {hint}available: {', '.join(names) or 'none'}. Create one with "
                         f"`avdmanager create avd -n {name} --package 'system-images;android-34;google_apis;x86_64'`")
    return folder


def check_kvm(device: Path = Path("/dev/kvm")) -> None:
    """Fail fast when hardware acceleration is missing; the message says how to fix it."""
    if not device.exists():
        raise PhoneError(f"{device} does not exist: enable virtualization (VT-x/AMD-V) in the BIOS and load "
                         "the kvm module (`sudo modprobe kvm_intel` or `kvm_amd`), or set PHONEBACKUP_AVD_ACCEL=off "
                         "to run without acceleration (very slow)")
    if not os.access(device, os.R_OK | os.W_OK):
        raise PhoneError(f"no permission on {device}: add yourself to the kvm group (`sudo usermod -aG kvm $USER`, "
                         "then log in again) or add a udev rule: echo 'KERNEL==\"kvm\", GROUP=\"kvm\", "
                         "MODE=\"0666\", OPTIONS+=\"static_node=kvm\"' | sudo tee "
                         "/etc/udev/rules.d/99-kvm4all.rules && sudo udevadm control --reload-rules && "
                         "sudo udevadm trigger --name-match=kvm")


def avd_api(folder: Path) -> int | None:
    """API level of the AVD's system image (from config.ini's image.sysdir.1), when it says."""
    try:
        match = re.search(r"^image\.sysdir\.1\s*=.*android-(\d+)", (folder / "config.ini").read_text(), re.M)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def create_avd(sdk: Path, name: str, package: str, *, device: str | None = None,
               settings: dict[str, str] | None = None, home: Path | None = None) -> Path:
    """`avdmanager create avd` for `package`, unless the AVD exists (re-creating wipes its snapshots);
    then write `settings` (hw.ramSize, disk.dataPartition.size, ...) into its config.ini."""
    home = home or avd_home()
    try:
        return find_avd(name, home)
    except PhoneError:
        pass
    avdmanager = next((path for path in (sdk / "cmdline-tools" / "latest" / "bin" / "avdmanager",
                                         sdk / "tools" / "bin" / "avdmanager") if path.exists()), None)
    if avdmanager is None:
        raise PhoneError(f"no avdmanager in {sdk}: install the command-line tools (`sdkmanager 'cmdline-tools;latest'`)")
    cmd = [str(avdmanager), "create", "avd", "--force", "-n", name, "--package", package]
    if device:
        cmd += ["--device", device]
    env = dict(os.environ, ANDROID_AVD_HOME=str(home))
    # avdmanager asks "Do you wish to create a custom hardware profile? [no]": answer no
    proc = subprocess.run(cmd, input=b"no\n", capture_output=True, timeout=300, env=env)
    if proc.returncode != 0:
        raise PhoneError(f"avdmanager could not create {name!r} from {package!r}: "
                         f"{(proc.stderr or proc.stdout).decode(errors='replace').strip()[-500:]}")
    folder = find_avd(name, home)
    if settings:
        config = folder / "config.ini"
        lines = [line for line in config.read_text().splitlines()
                 if line.split("=", 1)[0].strip() not in settings] if config.exists() else []
        lines += [f"{key}={value}" for key, value in settings.items()]
        config.write_text("\n".join(lines) + "\n")
    return folder


def parse_kill_answer(output: str) -> bool:
    """`adb emu kill` exits 0 whatever happens: only its text tells (`OK: killing emulator, bye bye`
    or `KO: ...`)."""
    text = output.strip()
    return "KO:" not in text and ("OK" in text or "bye" in text)


@dataclass
class Emulator:
    """One emulator process we launched."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    read_only: bool

    @property
    def serial(self) -> str:
        return f"emulator-{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no emulator log)"
        return "\n".join(text.splitlines()[-lines:])

    def fatal_line(self) -> str | None:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return None
        return next((line for line in text.splitlines() if any(mark in line for mark in FATAL_LOG_LINES)), None)


class AvdProvisioner(Provisioner):
    """Boots an AVD of the Android SDK for each acquired phone and shuts it down on release."""

    name = "avd"

    def __init__(self, avd: str, *, boot_timeout: float = 300, snapshot: str | None = None,
                 keep: bool = False, log_dir: Path | str = "phone-artifacts", read_only: bool | None = None,
                 accel: str | None = None, kvm_device: Path = Path("/dev/kvm"), extra_flags: list[str] | None = None,
                 teardown_timeout: float = TEARDOWN_TIMEOUT, env: dict[str, str] | None = None,
                 first_port: int | None = None):
        super().__init__()
        self.avd = avd
        self.boot_timeout = boot_timeout
        self.snapshot = snapshot
        self.keep = keep
        self.log_dir = Path(log_dir)
        self.env = dict(os.environ) if env is None else env
        # Parallel workers share one AVD: -read-only lets them (and disables snapshot saves).
        self.read_only = read_only if read_only is not None else bool(self.env.get("PYTEST_XDIST_WORKER"))
        self.accel = accel or self.env.get("PHONEBACKUP_AVD_ACCEL", "auto")
        self.kvm_device = kvm_device
        self.extra_flags = list(extra_flags or self.env.get("PHONEBACKUP_AVD_FLAGS", "").split())
        self.teardown_timeout = teardown_timeout
        self.first_port = first_port
        self.emulators: dict[str, Emulator] = {}

    # -- launch -----------------------------------------------------------------------------
    def command(self, sdk: Path, folder: Path, port: int) -> list[str]:
        cmd = [str(sdk / "emulator" / "emulator"), "-avd", self.avd, "-port", str(port), *BASE_FLAGS]
        if self.read_only:
            cmd.append("-read-only")
        if self.snapshot in (None, ""):
            cmd.append("-no-snapshot-save")  # load the quick-boot snapshot if there is one, never save
        elif self.snapshot.lower() in ("none", "cold", "no"):
            cmd.append("-no-snapshot")
        else:
            cmd += ["-snapshot", self.snapshot, "-no-snapshot-save"]
        api = avd_api(folder)
        if api is not None and api >= 28:
            cmd.append("-delay-adb")  # keeps adb away until the system is up (API 28+)
        if self.accel == "off":
            cmd += ["-accel", "off"]
        return cmd + self.extra_flags

    def check(self) -> None:
        find_sdk(self.env)
        find_avd(self.avd, avd_home(self.env))
        if self.accel != "off":
            check_kvm(self.kvm_device)

    def acquire(self, **options: object) -> Phone:
        if options:
            log.info("avd phones ignore %s (the AVD's config.ini decides)", ", ".join(options))
        sdk = find_sdk(self.env)
        home = avd_home(self.env)
        folder = find_avd(self.avd, home)
        if self.accel != "off":
            check_kvm(self.kvm_device)
        adb = connect_client()  # the adb server must run before the emulator registers with it
        self.log_dir.mkdir(parents=True, exist_ok=True)
        start = self.first_port or 5554 + 2 * worker_index(self.env.get("PYTEST_XDIST_WORKER"))
        taken = {emulator.port for emulator in self.emulators.values()}
        for attempt in range(PORT_ATTEMPTS):
            with port_lock():
                port = choose_console_port(start, taken)
                if not self.read_only:
                    self._remove_stale_locks(folder)
                emulator = self._launch(sdk, folder, port)
                try:
                    self._wait_port_taken(emulator)
                    break
                except PhoneError:
                    # another program took the port between our check and the emulator's bind
                    if "in use" not in emulator.log_tail() or attempt == PORT_ATTEMPTS - 1:
                        raise
                    log.info("port %d was taken meanwhile; trying the next one", port)
                    taken.add(port)
        self.emulators[emulator.serial] = emulator
        phone = Phone(emulator.serial, adb, "emulator")
        try:
            phone.wait_ready(self.boot_timeout, watch=lambda: self._check_alive(emulator))
            phone.prepare_for_tests()
        except NotReadyError as exc:
            self._shutdown(emulator)
            raise PhoneError(f"{exc}\nlast lines of the emulator log {emulator.log_path}:\n{emulator.log_tail()}") from exc
        except BaseException:
            self._shutdown(emulator)
            raise
        self.phones.append(phone)
        return phone

    def _launch(self, sdk: Path, folder: Path, port: int) -> Emulator:
        cmd = self.command(sdk, folder, port)
        log_path = self.log_dir / f"emulator-{self.avd}-{port}.log"
        env = dict(self.env, ANDROID_ADB_SERVER_PORT=str(adb_server_port()), ANDROID_SDK_ROOT=str(sdk))
        log.info("starting %s", " ".join(cmd))
        with log_path.open("wb") as out:
            # its own process group: teardown can end the emulator and every helper it started
            process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=env, start_new_session=True)
        return Emulator(self.avd, port, process, log_path, self.read_only)

    def _wait_port_taken(self, emulator: Emulator, timeout: float = 60) -> None:
        """Hold the port lock until the emulator owns its console port (or died trying)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not port_in_use(emulator.port):
            self._check_alive(emulator)
            time.sleep(0.1)

    def _check_alive(self, emulator: Emulator) -> None:
        code = emulator.process.poll()
        fatal = emulator.fatal_line()
        if code is not None or fatal:
            self._shutdown(emulator)
            reason = f"exited with status {code}" if code is not None else f"reported: {fatal}"
            raise PhoneError(f"the emulator for AVD {self.avd!r} on port {emulator.port} {reason} while "
                             f"booting.\nlast lines of {emulator.log_path}:\n{emulator.log_tail()}")

    @staticmethod
    def _remove_stale_locks(folder: Path) -> None:
        """A crashed emulator leaves *.lock files that make the next launch refuse the AVD; remove
        them only when no process has this AVD open."""
        locks = list(folder.glob("*.lock"))
        if not locks or _avd_in_use(folder.name.removesuffix(".avd")):
            return
        for lock in locks:
            log.info("removing stale emulator lock %s", lock)
            if lock.is_dir():
                for child in lock.iterdir():
                    child.unlink(missing_ok=True)
                lock.rmdir()
            else:
                lock.unlink(missing_ok=True)

    # -- snapshots --------------------------------------------------------------------------
    def save_snapshot(self, phone: Phone, name: str) -> None:
        """`avd snapshot save NAME` through the console (not possible with -read-only)."""
        emulator = self.emulators[phone.serial]
        if emulator.read_only:
            raise PhoneError(f"{phone.serial} runs with -read-only (parallel workers share the AVD): snapshots "
                             "cannot be saved; save the golden snapshot in a run without -n")
        answer = self._emu(phone.serial, "avd", "snapshot", "save", name)
        if "KO:" in answer:
            raise PhoneError(f"{phone.serial}: saving snapshot {name!r} failed: {answer.strip()}")

    # -- teardown ---------------------------------------------------------------------------
    def _release(self, phone: Phone) -> None:
        emulator = self.emulators.get(phone.serial)
        if emulator is None:
            return
        if self.keep:
            log.warning("leaving %s running (--phone-keep); stop it with `adb -s %s emu kill`",
                        phone.serial, phone.serial)
            self.emulators.pop(phone.serial, None)
            return
        self._shutdown(emulator)

    def _emu(self, serial: str, *command: str) -> str:
        try:
            proc = subprocess.run([adb_path(), "-P", str(adb_server_port()), "-s", serial, "emu", *command],
                                  capture_output=True, timeout=30, env=self.env)
        except subprocess.TimeoutExpired:
            return "KO: adb emu timed out"
        return (proc.stdout + proc.stderr).decode(errors="replace")

    def _shutdown(self, emulator: Emulator) -> None:
        """`emu kill`, then wait for the serial to go and the process to exit; then SIGTERM and
        SIGKILL our own process group, so no qemu or crashpad helper is left behind."""
        self.emulators.pop(emulator.serial, None)
        if emulator.process.poll() is None:
            answer = self._emu(emulator.serial, "kill")
            if not parse_kill_answer(answer):
                log.warning("%s: `adb emu kill` answered %r; stopping the process instead",
                            emulator.serial, answer.strip())
            deadline = time.monotonic() + (self.teardown_timeout if parse_kill_answer(answer) else 2)
            while time.monotonic() < deadline:
                if emulator.process.poll() is not None and not self._listed(emulator.serial):
                    break
                time.sleep(0.2)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not _group_alive(emulator.process.pid):
                break
            try:
                os.killpg(emulator.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                emulator.process.wait(5)
            except subprocess.TimeoutExpired:
                continue
            time.sleep(0.2)  # let the rest of the group go
        if emulator.process.poll() is None:
            emulator.process.wait(5)

    @staticmethod
    def _listed(serial: str) -> bool:
        try:
            return any(info.serial == serial for info in connect_client().list())
        except Exception:  # noqa: BLE001 - no adb server means nothing is listed
            return False

    def describe(self) -> str:
        return f"avd:{self.avd}" + (" (-read-only)" if self.read_only else "")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _avd_in_use(name: str) -> bool:
    """True when a process on this machine runs the AVD (`-avd NAME` on its command line)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        for i, arg in enumerate(args[:-1]):
            if arg == b"-avd" and args[i + 1] == name.encode():
                return True
    return False
