"""Android's binder service front doors on the virtual phone: `dumpsys SERVICE`, `cmd SERVICE`
and `service list`. Each part of the Android side declares the services it answers
(`SERVICE_COMMANDS`), each phone merges them; the texts themselves live with the part that owns
the state (activity, network, packages...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType, ModuleType

from .androidtool import phone_of
from .shell.api import Context, applet

#: `dumpsys NAME args...` / `cmd NAME args...`: functions (ctx, args) -> exit status.
ServiceCommand = Callable[[Context, list[str]], int]


@dataclass(frozen=True, eq=False)
class ServiceCommands:
    """What `dumpsys NAME` and `cmd NAME` call, by service name (the args after NAME). A module
    declares the ones it answers as its `SERVICE_COMMANDS`; a phone's table is `collect`ed from them."""

    dumpsys: Mapping[str, ServiceCommand]
    cmd: Mapping[str, ServiceCommand]

    def __init__(self, dumpsys: Mapping[str, ServiceCommand] | None = None,
                 cmd: Mapping[str, ServiceCommand] | None = None):
        object.__setattr__(self, "dumpsys", MappingProxyType(dict(dumpsys or {})))
        object.__setattr__(self, "cmd", MappingProxyType(dict(cmd or {})))

    @classmethod
    def collect(cls, modules: Iterable[ModuleType]) -> ServiceCommands:
        """Every module's `SERVICE_COMMANDS` in one table; a later module's wins."""
        dumpsys: dict[str, ServiceCommand] = {}
        cmd: dict[str, ServiceCommand] = {}
        for module in modules:
            declared = getattr(module, "SERVICE_COMMANDS", None)
            if isinstance(declared, ServiceCommands):
                dumpsys.update(declared.dumpsys)
                cmd.update(declared.cmd)
        return cls(dumpsys, cmd)

# `service list` on an API 34 emulator names these (a subset: enough for harnesses that check
# for a service before using it). name -> binder interface.
SERVICES: dict[str, str] = {
    "activity": "android.app.IActivityManager",
    "activity_task": "android.app.IActivityTaskManager",
    "alarm": "android.app.IAlarmManager",
    "appops": "com.android.internal.app.IAppOpsService",
    "audio": "android.media.IAudioService",
    "backup": "android.app.backup.IBackupManager",
    "battery": "",
    "batterystats": "com.android.internal.app.IBatteryStats",
    "clipboard": "android.content.IClipboard",
    "connectivity": "android.net.IConnectivityManager",
    "content": "android.content.IContentService",
    "deviceidle": "android.os.IDeviceIdleController",
    "diskstats": "",
    "display": "android.hardware.display.IDisplayManager",
    "input": "android.hardware.input.IInputManager",
    "input_method": "com.android.internal.view.IInputMethodManager",
    "logcat": "android.os.logcat.ILogcatManagerService",
    "media.camera": "android.hardware.ICameraService",
    "media_projection": "android.media.projection.IMediaProjectionManager",
    "media_session": "android.media.session.ISessionManager",
    "mount": "android.os.storage.IStorageManager",
    "notification": "android.app.INotificationManager",
    "package": "android.content.pm.IPackageManager",
    "package_native": "android.content.pm.IPackageManagerNative",
    "permission": "android.os.IPermissionController",
    "power": "android.os.IPowerManager",
    "settings": "",
    "statusbar": "com.android.internal.statusbar.IStatusBarService",
    "storagestats": "android.app.usage.IStorageStatsManager",
    "user": "android.os.IUserManager",
    "wifi": "android.net.wifi.IWifiManager",
    "window": "android.view.IWindowManager",
}
# Up before system_server finishes starting: what `service list` shows early in a boot.
EARLY_SERVICES = ("activity", "package", "package_native", "mount", "user", "power", "battery",
                  "display", "permission")


def running_services(phone) -> list[str]:
    """Services registered with servicemanager right now (fewer while booting, none when down)."""
    if phone.booted.is_set():
        return sorted(SERVICES)
    return sorted(EARLY_SERVICES)


@applet("dumpsys")
def dumpsys(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    dumps = phone_of(ctx).system.service_commands.dumpsys
    if not args:
        for name in running_services(phone_of(ctx)):
            ctx.out(f"-------------------------------------------------------------------------------\n"
                    f"DUMP OF SERVICE {name}:\n")
            if name in dumps:
                dumps[name](ctx, [])
        return 0
    if args[0] == "-l":
        ctx.out("Currently running services:\n")
        for name in running_services(phone_of(ctx)):
            ctx.out(f"  {name}\n")
        return 0
    name, rest = args[0], args[1:]
    if name not in SERVICES and name not in dumps:
        # dumpsys prints this to stderr and still exits 0 on Android
        ctx.stderr.write(f"Can't find service: {name}\n".encode())
        return 0
    func = dumps.get(name)
    if func is None:
        return 0
    return func(ctx, rest)


@applet("cmd")
def cmd(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if not args:
        ctx.stderr.write(b"cmd: No service specified; use -l to list all running services. "
                         b"Use -w to start and wait for a service.\n")
        return 20
    if args[0] == "-l":
        ctx.out("Currently running services:\n")
        for name in running_services(phone_of(ctx)):
            ctx.out(f"  {name}\n")
        return 0
    if args[0] == "-w":
        args = args[1:]
    name, rest = args[0], args[1:]
    func = phone_of(ctx).system.service_commands.cmd.get(name)
    if func is None:
        if name in SERVICES:
            # the service exists but has no shell command here, as for many real services
            ctx.stderr.write(f"cmd: Failure calling service {name}: Unknown transaction (-74)\n".encode())
            return 255
        ctx.stderr.write(f"cmd: Can't find service: {name}\n".encode())
        return 20
    return func(ctx, rest)


@applet("service")
def service(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if args[:1] == ["list"]:
        names = running_services(phone_of(ctx))
        ctx.out(f"Found {len(names)} services:\n")
        for index, name in enumerate(names):
            ctx.out(f"{index}\t{name}: [{SERVICES.get(name, '')}]\n")
        return 0
    if args[:1] == ["check"] and len(args) > 1:
        found = args[1] in running_services(phone_of(ctx))
        ctx.out(f"Service {args[1]}: {'found' if found else 'not found'}\n")
        return 0
    ctx.stderr.write(b"usage: service [-h|-?]\n       service list\n       service check SERVICE\n"
                     b"       service call SERVICE CODE [i32 N | i64 N | f N | d N | s16 STR | null"
                     b" | fd f | nfd n | afd f ] ...\n")
    return 0 if args[:1] in (["-h"], ["-?"]) else 1
