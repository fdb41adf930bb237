"""The virtual phone as a whole: configuration, state and lifecycle (boot, reboot, kill).

It owns the parts — storage, properties, the Android side (`system`), the ADB daemon and the
emulator console — and starts and stops them in order. Wire formats live in `adbd`, `sync` and
`console`; commands in `shell` and `system`. Not for anything a host-side client does.
"""

from __future__ import annotations

import errno
import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .ports import (
    FIRST_CONSOLE_PORT,
    LAST_CONSOLE_PORT,
    choose_console_port,
    find_free_console_port,
    port_is_free,
    port_lock,
)
from .procfs import KernelFiles
from .props import Properties, default_props
from .storage import EXTERNAL_STORAGE, Storage

if TYPE_CHECKING:
    from .adbd import AdbDaemon
    from .console import EmulatorConsole

log = logging.getLogger(__name__)

PORT_ATTEMPTS = 5  # successive pairs tried when another program binds the chosen one first
__all__ = ["FIRST_CONSOLE_PORT", "LAST_CONSOLE_PORT", "PhoneConfig", "VirtualPhone", "find_free_console_port",
           "parse_size", "port_is_free"]



def parse_size(text: str | int) -> int:
    """'8G', '512M', '1.5GB', '1000000' -> bytes (binary units, as the emulator's -partition-size)."""
    if isinstance(text, int):
        return text
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    try:
        if value and value[-1] in units:
            return int(float(value[:-1]) * units[value[-1]])
        return int(value)
    except ValueError:
        raise ValueError(f"cannot read storage size {text!r}: use a number of bytes or e.g. 512M, 8G") from None


@dataclass
class EmulatorState:
    """What the emulator console controls (`network speed|delay`, `power ...`); apps and dumpsys read it."""

    network_speed: str = "full"  # console `network speed`: gsm, hscsd, gprs, edge, umts, hsdpa, lte, evdo, full, or "up:down" kbps
    network_delay: str = "none"  # console `network delay`: gprs, edge, umts, none, or "min:max" ms
    battery_capacity: int = 100
    ac_online: bool = True
    battery_status: str = "charging"  # unknown, charging, discharging, not-charging, full
    battery_health: str = "good"
    battery_present: bool = True
    display_on: bool = True
    paused: bool = False  # console `avd pause` / `avd resume`; `avd status` says stopped while paused


@dataclass
class PhoneConfig:
    """How a virtual phone looks and behaves. Every field has a believable default."""

    console_port: int | None = None  # even; None = first free pair from 5554
    adb_port: int | None = None  # default console_port + 1
    api: int = 34
    storage_bytes: int = 8 * 1024**3
    data_dir: Path | None = None  # the phone's files; None = a temporary folder removed on stop
    boot_delay: float = 0.0  # seconds until sys.boot_completed=1 (simulate slow boots)
    reboot_downtime: float = 1.0  # seconds the device is gone during `adb reboot`
    shutdown_time: float = 0.2  # seconds from `adb reboot` until the transport drops, still answering
    presents_as: str = "emulator"  # or "hardware": no ro.kernel.qemu, not an emulator-* serial
    auth: bool = False  # require adb RSA auth (token / signature / public key)
    authorized_keys: Path | None = None  # adb_keys file; None with auth = accept any key offered
    register_with_adb: bool = True  # send host:emulator:PORT to the adb server on start/boot
    avd_name: str = "virtual_phone"
    extra_props: dict[str, str] = field(default_factory=dict)


class VirtualPhone:
    """An Android device in a Python process, reachable by the real adb on 127.0.0.1.

    Use as a context manager:

        with VirtualPhone(PhoneConfig(storage_bytes=parse_size("2G"))) as phone:
            print(phone.serial)   # emulator-5554
    """

    def __init__(self, config: PhoneConfig | None = None, **overrides):
        self.config = config or PhoneConfig()
        for key, value in overrides.items():
            setattr(self.config, key, value)
        cfg = self.config
        # Without a fixed port, start() chooses and binds a free pair under the cross-process lock.
        self._auto_port = cfg.console_port is None
        if cfg.console_port is None:
            cfg.console_port = find_free_console_port()
        if cfg.adb_port is None:
            cfg.adb_port = cfg.console_port + 1
        self._tmp: tempfile.TemporaryDirectory | None = None
        if cfg.data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="virtual-phone-")
            cfg.data_dir = Path(self._tmp.name)
        self.data_dir = Path(cfg.data_dir)
        self.state_dir = self.data_dir / "state"  # device state that is not part of the file tree
        self.state_dir.mkdir(parents=True, exist_ok=True)
        #: /proc and /dev, served by the phone's kernel to every reader (shell, adb sync).
        self.kernel = KernelFiles(self)
        self.storage = Storage(self.data_dir / "root", cfg.storage_bytes, kernel=self.kernel)
        self.props = Properties(default_props(cfg.api, self.serial, cfg.presents_as) | cfg.extra_props,
                                self.state_dir / "persist-props.json")
        self.boot_count = 0
        self.booted_at = time.time()
        self.root = False  # adbd running as root (`adb root`)
        self.booted = threading.Event()
        self.killed = threading.Event()
        self._lock = threading.Lock()
        self._ports: dict[str, tuple[str, int]] = {}  # device socket name -> host (addr, port)
        self._boot_timer: threading.Timer | None = None
        self.emulator_state = EmulatorState()

        from .shell.applets import toybox
        from .system import AndroidSystem, android_tools
        from .systembin import install as install_system_bin

        self.system = AndroidSystem(self)
        #: The commands installed on this phone (toybox and the Android tools); shells copy it.
        self.applets = toybox() | android_tools()
        install_system_bin(self.storage.host("/system/bin"), self.applets)
        self.adbd: AdbDaemon | None = None
        self.console: EmulatorConsole | None = None

    # -- identity ----------------------------------------------------------------------------
    @property
    def serial(self) -> str:
        if self.config.presents_as == "emulator":
            return f"emulator-{self.config.console_port}"
        return f"127.0.0.1:{self.config.adb_port}"

    @property
    def console_port(self) -> int:
        assert self.config.console_port is not None
        return self.config.console_port

    @property
    def adb_port(self) -> int:
        assert self.config.adb_port is not None
        return self.config.adb_port

    def default_env(self) -> dict[str, str]:
        return {
            "PATH": "/product/bin:/apex/com.android.runtime/bin:/apex/com.android.art/bin:"
                    "/system_ext/bin:/system/bin:/system/xbin:/odm/bin:/vendor/bin:/vendor/xbin",
            "HOME": "/",
            "EXTERNAL_STORAGE": "/sdcard",
            "ANDROID_DATA": "/data",
            "ANDROID_ROOT": "/system",
            "ANDROID_STORAGE": "/storage",
            "TMPDIR": "/data/local/tmp",
            "HOSTNAME": self.props.get("ro.product.device", "localhost"),
            "USER": "root" if self.root else "shell",
            "LOGNAME": "root" if self.root else "shell",
            "SHELL": "/bin/sh",
            "TERM": "dumb",
        }

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> VirtualPhone:
        """Start serving. A phone without a fixed port takes a free pair under the cross-process
        port lock, and moves on to the next pair when another program grabbed it meanwhile."""
        if not self._auto_port:
            return self._start_parts()
        with port_lock():
            port = self.console_port
            for _attempt in range(PORT_ATTEMPTS):
                port = choose_console_port(start=port)
                self._move_to(port)
                try:
                    return self._start_parts()
                except OSError as exc:
                    self._stop_parts()
                    if exc.errno != errno.EADDRINUSE:
                        raise
                    port += 2
        raise OSError(errno.EADDRINUSE, f"no free emulator port pair after {PORT_ATTEMPTS} attempts")

    def _move_to(self, console_port: int) -> None:
        self.config.console_port, self.config.adb_port = console_port, console_port + 1
        self.props.set("ro.serialno", self.serial)

    def _stop_parts(self) -> None:
        for part in (self.adbd, self.console):
            if part is not None:
                try:
                    part.stop()
                except Exception:  # noqa: BLE001 - half-started parts; the start error is the news
                    pass
        self.adbd = self.console = None

    def _start_parts(self) -> VirtualPhone:
        from .adbd import AdbDaemon
        from .console import EmulatorConsole

        if self.config.presents_as == "emulator":
            self.console = EmulatorConsole(self)
            self.console.start()
        self.adbd = AdbDaemon(self)
        self.adbd.start()
        self._boot()
        return self

    def _boot(self) -> None:
        self.boot_count += 1
        self.booted_at = time.time()  # what uptime counts from
        self.booted.clear()
        self.kernel.booted()
        self.props.set("sys.boot_completed", "")
        self.props.set("dev.bootcomplete", "")
        self.props.set("init.svc.bootanim", "running")
        self.system.on_boot_started()
        if self.config.register_with_adb and self.adbd is not None:
            self.adbd.register_with_adb_server()

        def finish() -> None:
            if self.killed.is_set():
                return
            self.props.set("sys.boot_completed", "1")
            self.props.set("dev.bootcomplete", "1")
            self.props.set("init.svc.bootanim", "stopped")
            self.system.on_boot_completed()
            self.booted.set()

        if self.config.boot_delay > 0:
            self._boot_timer = threading.Timer(self.config.boot_delay, finish)
            self._boot_timer.daemon = True
            self._boot_timer.start()
        else:
            finish()

    def reboot(self, target: str = "") -> None:
        """`adb reboot`: drop every connection, stay away a moment, come back with storage intact."""

        def cycle() -> None:
            # Like a real phone, it keeps serving while it shuts down, then the transport drops.
            if self.killed.wait(self.config.shutdown_time):
                return
            with self._lock:
                self.system.on_shutdown()
                self.booted.clear()
                if self.adbd is not None:
                    self.adbd.stop()  # every connection drops, the pending `adb reboot` among them
                self.killed.wait(self.config.reboot_downtime)
                if self.killed.is_set():
                    return
                self.root = False
                from .adbd import AdbDaemon

                self.adbd = AdbDaemon(self)
                self.adbd.start()
                self._boot()

        threading.Thread(target=cycle, name=f"reboot-{self.serial}", daemon=True).start()

    def restart_adbd(self) -> None:
        """`adb root` / `adb unroot` / `adb tcpip`: adbd restarts, the phone stays up."""

        def cycle() -> None:
            with self._lock:
                if self.adbd is not None:
                    self.adbd.stop()
                time.sleep(0.2)
                from .adbd import AdbDaemon

                self.adbd = AdbDaemon(self)
                self.adbd.start()
                if self.config.register_with_adb:
                    self.adbd.register_with_adb_server()

        threading.Thread(target=cycle, name=f"adbd-restart-{self.serial}", daemon=True).start()

    def kill(self) -> None:
        """`adb emu kill` or the console's `kill`: stop everything and let the owner exit."""
        self.killed.set()
        threading.Thread(target=self.stop, name=f"kill-{self.serial}", daemon=True).start()

    def stop(self) -> None:
        self.killed.set()
        if self._boot_timer is not None:
            self._boot_timer.cancel()
        with self._lock:
            self.system.on_shutdown()
            if self.adbd is not None:
                self.adbd.stop()
            if self.console is not None:
                self.console.stop()

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def wait_killed(self, timeout: float | None = None) -> bool:
        return self.killed.wait(timeout)

    def __enter__(self) -> VirtualPhone:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sockets the phone serves (what `adb forward tcp:X tcp:Y` reaches) ---------------------
    def serve_port(self, name: str, host_address: tuple[str, int]) -> None:
        """Publish a device socket ('tcp:6790', 'localabstract:foo') backed by a loopback server."""
        self._ports[name] = host_address

    def unserve_port(self, name: str) -> None:
        self._ports.pop(name, None)

    def lookup_port(self, name: str) -> tuple[str, int] | None:
        return self._ports.get(name)

    # -- convenience for in-process callers and tests ------------------------------------------
    def sh(self, command: str, stdin: bytes = b"") -> tuple[int, bytes, bytes]:
        """Run a shell command in-process: (status, stdout, stderr). Not through ADB."""
        from .shell import BytesInput, BytesOutput, Shell

        out, err = BytesOutput(), BytesOutput()
        status = Shell(self).run(command, BytesInput(stdin), out, err)
        return status, out.getvalue(), err.getvalue()

    @property
    def external_storage(self) -> str:
        return EXTERNAL_STORAGE
