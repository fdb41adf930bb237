"""The Android side of the virtual phone: `AndroidSystem` composes the system services and runs
their boot/shutdown hooks; getprop/setprop live here. Each service's commands live in its own
module; not for toybox applets (`shell/applets`) or the ADB wire format.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
import traceback
from types import ModuleType
from typing import Any

from .activity import SYSTEM_SERVER_PID, ActivityManager
from .androidtool import phone_of
from .apps import SYSTEM_APPS, Intent
from .backup import BackupManager
from .dumpsys import ServiceCommands
from .logcat import LogBuffers
from .mediastore import MediaStore
from .network import Network
from .packages import PackageManager
from .props import default_props
from .screen import Screen
from .settings import Settings
from .shell.api import Applets, Context, applet
from .uiautomator import install as install_uiautomator

log = logging.getLogger(__name__)

PROP_VALUE_MAX = 92  # bionic's PROP_VALUE_MAX (91 characters + NUL) for non-ro properties


class AndroidSystem:
    """Android's system services for one phone. Lives as long as the phone; reboots go through
    `on_shutdown` / `on_boot_started` / `on_boot_completed`, which every service may implement."""

    SYSTEM_SERVER_PID = SYSTEM_SERVER_PID

    def __init__(self, phone: Any):
        self.phone = phone
        self.logcat = LogBuffers()
        android_id = hashlib.sha256(phone.serial.encode()).hexdigest()[:16]
        self.settings = Settings(phone.state_dir / "settings.json", android_id=android_id)
        self.network = Network(self)
        self.activity = ActivityManager(self)
        for package, app_class in SYSTEM_APPS.items():
            self.activity.builtin[package] = app_class
        self.screen = Screen(self)
        install_uiautomator(self)  # `am instrument` of Appium's UiAutomator2 server
        self.packages = PackageManager(phone)
        phone.storage.permissions.app_uid = self._app_uid  # who owns /data/data/<package>
        self.media = MediaStore(phone)
        self.backup = BackupManager(self)
        #: Small on-disk tables of the framework's shell services (device_config, locksettings).
        self.stores: dict[str, Any] = {}
        #: What `dumpsys NAME` and `cmd NAME` call on this phone.
        self.service_commands = ServiceCommands.collect(android_modules())
        self._last_full: tuple[str, float] | None = None
        phone.storage.on_full.append(self._storage_full)

    def _app_uid(self, package: str) -> int | None:
        pkg = self.packages.get(package)
        return pkg.uid if pkg is not None else None

    def services(self) -> list[Any]:
        """Every service, in boot order (the activity manager last: it starts apps)."""
        names = ("logcat", "settings", "network", "packages", "media", "screen", "activity")
        return [getattr(self, name) for name in names if getattr(self, name, None) is not None]

    # -- what every part uses ---------------------------------------------------------------------
    def log(self, tag: str, message: str, priority: str = "I", pid: int = 0, buffer: str = "main") -> None:
        """Append a line to the phone's logcat (pid 0 = system_server)."""
        self.logcat.write(tag, message, priority, pid or SYSTEM_SERVER_PID, buffer=buffer)

    def broadcast_system(self, action: str, extras: dict[str, Any] | None = None) -> None:
        """A broadcast the system itself sends (connectivity change, airplane mode, boot)."""
        activity = getattr(self, "activity", None)
        if activity is not None:
            activity.broadcast(Intent(action=action, extras=dict(extras or {})))

    def report_crash(self, where: str, exc: BaseException, package: str | None = None) -> None:
        """An app or service callback raised: log it as Android logs a crash (crash buffer), and
        force-stop the app as Android kills a crashed process. Also logged on the host."""
        log.error("%s failed on %s", where, self.phone.serial, exc_info=exc)
        pid = (self.activity.pid_of(package) if package else None) or SYSTEM_SERVER_PID
        lines = [f"FATAL EXCEPTION: {where}", f"Process: {package or 'system_server'}, PID: {pid}"]
        lines += "".join(traceback.format_exception(exc)).rstrip().splitlines()
        self.logcat.write("AndroidRuntime", "\n".join(lines), "E", pid, buffer="crash")
        if package:
            self.activity.force_stop(package, "crash")

    def _storage_full(self, device_path: str) -> None:
        # A failing copy hits the limit once per chunk; Android logs the condition, not every write.
        now = time.monotonic()
        if self._last_full and self._last_full[0] == device_path and now - self._last_full[1] < 10:
            return
        self._last_full = (device_path, now)
        self.log("DeviceStorageMonitorService", f"Write to {device_path} failed: No space left on device; "
                 f"free {self.phone.storage.free} bytes", "W", buffer="system")

    # -- lifecycle ---------------------------------------------------------------------------
    def on_boot_started(self) -> None:
        """The kernel is up: services start, nothing is complete yet."""
        self.logcat.clear()  # logd starts empty after a reboot
        if self.phone.boot_count > 1:
            self._reset_volatile_props()
        self.log("AndroidRuntime", ">>>>>> START com.android.internal.os.ZygoteInit uid 0 <<<<<<", "D", 360)
        self.log("SystemServer", "Entered the Android system server!", "I", buffer="system")
        self.logcat.write("boot_progress_system_run", str(self.phone.boot_count), "I", SYSTEM_SERVER_PID,
                          buffer="events")
        self._call("on_boot_started")

    def on_boot_completed(self) -> None:
        """sys.boot_completed=1: the boot broadcast goes out, MediaStore rescans."""
        self.log("ActivityManager", "System now ready", "I", buffer="system")
        self.logcat.write("boot_progress_enable_screen", "1", "I", SYSTEM_SERVER_PID, buffer="events")
        self._call("on_boot_completed")
        self.log("ActivityManager", "Finished processing BOOT_COMPLETED for u0", "I", buffer="system")

    def on_shutdown(self) -> None:
        """Going down (reboot, kill): save state, stop apps."""
        self.log("ShutdownThread", "Shutting down activity manager...", "I", buffer="system")
        for service in reversed(self.services()):
            hook = getattr(service, "on_shutdown", None)
            if callable(hook):
                hook()

    def _reset_volatile_props(self) -> None:
        """Properties live in RAM on Android: after a reboot only the build's and persist.* remain."""
        cfg, props = self.phone.config, self.phone.props
        base = default_props(cfg.api, self.phone.serial, cfg.presents_as) | cfg.extra_props
        booting = ("sys.boot_completed", "dev.bootcomplete", "init.svc.bootanim")  # set by this boot
        for key in props.keys():
            if key.startswith("persist.") or key in booting:
                continue
            if key not in base:
                props.delete(key)
            elif props.get(key) != base[key]:
                props.set(key, base[key])

    def _call(self, hook_name: str) -> None:
        for service in self.services():
            hook = getattr(service, hook_name, None)
            if callable(hook):
                hook()


def _dumpsys_diskstats(ctx: Context, args: list[str]) -> int:
    """`dumpsys diskstats`: free space of /data as DiskStatsService prints it (KiB)."""
    storage = phone_of(ctx).storage
    total_k, free_k = storage.capacity // 1024, storage.free // 1024
    percent = free_k * 100 // total_k if total_k else 0
    ctx.out("Latency: 1ms [512B Data Write]\n"
            f"Data-Free: {free_k}K / {total_k}K total = {percent}% free\n"
            "Cache-Free: 0K / 0K total = 0% free\n"
            "System-Free: 0K / 2097152K total = 0% free\n")
    return 0


@applet("getprop")
def getprop(ctx: Context, argv: list[str]) -> int:
    props = phone_of(ctx).props
    args = [a for a in argv[1:] if a != "-T"]
    if args:
        ctx.out(props.get(args[0], args[1] if len(args) > 1 else "") + "\n")
        return 0
    for key in sorted(props.keys()):
        ctx.out(f"[{key}]: [{props.get(key)}]\n")
    return 0


@applet("setprop")
def setprop(ctx: Context, argv: list[str]) -> int:
    if len(argv) != 3:
        ctx.stderr.write(b"usage: setprop NAME VALUE\n\nSets an Android system property.\n\n")
        return 1
    name, value = argv[1], argv[2]
    props = phone_of(ctx).props
    # init refuses to change a set ro.* property and values over PROP_VALUE_MAX (except ro.*)
    refused = (name.startswith("ro.") and props.get(name) != "") or (
        not name.startswith("ro.") and len(value.encode()) >= PROP_VALUE_MAX) or not name
    if refused:
        ctx.stderr.write(f"Failed to set property '{name}' to '{value}'.\nSee dmesg for error reason.\n".encode())
        return 1
    props.set(name, value)
    return 0


#: The `dumpsys NAME` and `cmd NAME` this module answers (the phone's table collects them).
SERVICE_COMMANDS = ServiceCommands(dumpsys={"diskstats": _dumpsys_diskstats})


def android_modules() -> tuple[ModuleType, ...]:
    """The modules of the Android side that declare tools (`@applet`) and services (`SERVICE_COMMANDS`)."""
    from . import (
        activity,
        backup,
        diagnostics,
        dumpsys,
        frameworktools,
        initctl,
        kerneltools,
        logcat,
        mediastore,
        monitoring,
        mounts,
        nettools,
        network,
        packages,
        processes,
        resources,
        screen,
        settings,
        systembin,
        ziptool,
    )

    return (activity, backup, diagnostics, dumpsys, frameworktools, initctl, kerneltools, logcat, mediastore, monitoring, mounts, network,
            nettools, packages, processes, resources, screen, settings, systembin, ziptool,
            sys.modules[__name__])


def android_tools() -> Applets:
    """A new table of the Android tools the phone ships (pm, am, dumpsys, getprop, input...)."""
    return Applets.collect(android_modules())
