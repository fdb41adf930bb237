"""Android's backup manager on the virtual phone and its shell front ends `bmgr` and `bu`: whether
backup is enabled, the transports the installed packages offer, and LocalTransport's store under
/data/cache/backup, so `bmgr backupnow` then `pm clear` then `bmgr restore 1 PKG` brings an app's
data back as on an emulator. Not for the apps' own backup tools (those are apps under test).
"""

from __future__ import annotations

import base64
import io
import json
import posixpath
import tarfile
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from .androidtool import phone_of
from .dumpsys import ServiceCommands
from .shell.api import Context, applet

LOCAL_PACKAGE = "com.android.localtransport"
LOCAL_TRANSPORT = "com.android.localtransport/.LocalTransport"
SEEDVAULT_PACKAGE = "com.stevesoltys.seedvault"
SEEDVAULT_TRANSPORT = "com.stevesoltys.seedvault.transport.ConfigurableBackupTransport"
PM_PACKAGE = "@pm@"  # UserBackupManagerService.PACKAGE_MANAGER_SENTINEL: package metadata, backed up first
# LocalTransport.java: the current set's token, its name in `bmgr list sets`, and where it keeps data.
CURRENT_SET_TOKEN = 1
LOCAL_SET_NAME = "Local disk image"
LOCAL_STORE = "/data/cache/backup/1"
# Key/value participants among the preinstalled packages (they ship a BackupAgent).
KEY_VALUE_PACKAGES = ("com.android.providers.settings",)
# FullBackup.java: the domains of an app's data folder in a full-data backup tar; these are left out.
DOMAINS = {"files": "f", "databases": "db", "shared_prefs": "sp"}
EXCLUDED = ("cache", "code_cache", "no_backup")
CONFIRM_TIMEOUT = 60.0  # UserBackupManagerService.TIMEOUT_FULL_CONFIRMATION: `adb backup` waits this long
# BackupManager.java result codes as Bmgr.convertBackupStatusToString prints them.
SUCCESS = "Success"
NOT_ALLOWED = "Backup is not allowed"
NOT_FOUND = "Package not found"
TRANSPORT_ERROR = "Transport error"


@dataclass
class BackupState:
    """What the backup manager keeps across reboots (Android: /data/backup/ and settings)."""

    enabled: bool = False  # AOSP images boot with backup off until a user (or setup) turns it on
    activated: bool = True
    auto_restore: bool = True
    scheduling: bool = True


class BackupManager:
    """The phone's backup service: enabled state, transports, LocalTransport's backups."""

    def __init__(self, system: Any):
        self.system = system
        self.phone = system.phone
        self._path = self.phone.state_dir / "backup.json"
        self._lock = threading.Lock()
        self.state = BackupState()
        if self._path.exists():
            try:
                self.state = BackupState(**json.loads(self._path.read_text()))
            except (OSError, ValueError, TypeError):
                pass

    def _save(self) -> None:
        self._path.write_text(json.dumps(asdict(self.state)))

    def set(self, **changes: bool) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self.state, name, value)
            self._save()

    # -- transports ------------------------------------------------------------------------------
    def transports(self) -> dict[str, str]:
        """Transport name -> component, for the transport packages installed now."""
        found = {}
        if self.system.packages.get(LOCAL_PACKAGE) is not None:
            found[LOCAL_TRANSPORT] = LOCAL_TRANSPORT
        if self.system.packages.get(SEEDVAULT_PACKAGE) is not None:
            found[SEEDVAULT_TRANSPORT] = f"{SEEDVAULT_PACKAGE}/.transport.ConfigurableBackupTransport"
        return found

    @property
    def current(self) -> str:
        return self.system.settings.get("secure", "backup_transport") or LOCAL_TRANSPORT

    def select(self, name: str) -> str | None:
        """Make `name` the current transport; the former one, or None when no such transport."""
        if name not in self.transports():
            return None
        former = self.current
        self.system.settings.put("secure", "backup_transport", name)
        return former

    # -- what takes part ---------------------------------------------------------------------------
    def eligible(self, names: list[str]) -> list[str]:
        """AppBackupUtils.appIsEligibleForBackup: installed, enabled, and an app with its own data
        (third-party) or a system package with a backup agent."""
        chosen = []
        for name in names:
            pkg = self.system.packages.get(name)
            if pkg is None or not pkg.installed_for_user or not pkg.enabled:
                continue
            if not pkg.system or name in KEY_VALUE_PACKAGES:
                chosen.append(name)
        return chosen

    def installed_names(self) -> list[str]:
        return [p.name for p in self.system.packages.installed()]

    # -- backup and restore through LocalTransport ------------------------------------------------
    def back_up(self, names: list[str]) -> list[tuple[str, str, int]]:
        """Back up each package now: (package, result, bytes) in the order the observer hears them."""
        storage = self.phone.storage
        results: list[tuple[str, str, int]] = []
        eligible = set(self.eligible(names))
        queue = []
        for name in names:
            if self.system.packages.get(name) is None:
                results.append((name, NOT_FOUND, 0))
            elif name not in eligible:
                results.append((name, NOT_ALLOWED, 0))
            else:
                queue.append(name)
        if not queue:
            return results
        if self.current != LOCAL_TRANSPORT:
            # Seedvault answers only once its app has chosen a storage location.
            return results + [(name, TRANSPORT_ERROR, 0) for name in queue]
        key_value = [n for n in queue if n in KEY_VALUE_PACKAGES]
        full = [n for n in queue if n not in KEY_VALUE_PACKAGES]
        for name in queue:
            pkg = self.system.packages.get(name)
            storage.write_bytes(f"{LOCAL_STORE}/{PM_PACKAGE}/{_key(name)}", str(pkg.version_code).encode(),
                                make_parents=True)
        results.append((PM_PACKAGE, SUCCESS, 0))
        for name in key_value:
            for namespace in ("global", "secure", "system"):
                data = json.dumps(dict(self.system.settings.items(namespace))).encode()
                storage.write_bytes(f"{LOCAL_STORE}/{name}/{_key(namespace)}", data, make_parents=True)
            results.append((name, SUCCESS, 0))
        for name in full:
            data = self._full_backup_tar(name)
            storage.write_bytes(f"{LOCAL_STORE}/_full/{name}", data, make_parents=True)
            results.append((name, SUCCESS, len(data)))
        self.system.log("BackupManagerService", f"Backup pass finished for {len(queue)} packages", "I")
        return results

    def _full_backup_tar(self, name: str) -> bytes:
        """An app's data folder as FullBackupEngine writes it: apps/PKG/_manifest, then apps/PKG/DOMAIN/..."""
        pkg = self.system.packages.get(name)
        storage = self.phone.storage
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            manifest = f"1\n{name}\n{pkg.version_code}\n34\n{pkg.installer or ''}\n0\n0\n".encode()
            _add(tar, f"apps/{name}/_manifest", manifest, time.time())
            root = pkg.data_dir.replace("/data/user/0/", "/data/data/")
            if not storage.exists(root):
                return buffer.getvalue()
            for folder, _dirs, files in storage.walk(root):
                relative = posixpath.relpath(folder, root)
                top = relative.split("/")[0]
                if top in EXCLUDED:
                    continue
                for entry in files:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    path = entry.name if relative == "." else f"{relative}/{entry.name}"
                    domain, below = _domain(path)
                    with storage.open_read(f"{folder}/{entry.name}") as fh:
                        _add(tar, f"apps/{name}/{domain}/{below}", fh.read(), entry.stat().st_mtime)
        return buffer.getvalue()

    def restore_sets(self) -> list[tuple[int, str]]:
        """(token, name) of each set the current transport offers; LocalTransport always has its own."""
        if self.current != LOCAL_TRANSPORT:
            return []
        return [(CURRENT_SET_TOKEN, LOCAL_SET_NAME)]

    def backed_up(self) -> list[str]:
        """The packages LocalTransport's current set holds data for."""
        storage = self.phone.storage
        names = set()
        for folder in (LOCAL_STORE, f"{LOCAL_STORE}/_full"):
            if storage.exists(folder):
                names |= {e.name for e in storage.listdir(folder) if e.name not in ("_full", PM_PACKAGE)}
        return sorted(names)

    def restore(self, names: list[str] | None) -> list[str]:
        """Restore the current set to the installed packages it holds (all, or the named ones):
        each app is stopped, its data replaced by the backup's, as PerformUnifiedRestoreTask does."""
        chosen = [n for n in self.backed_up() if (names is None or n in names)
                  and self.system.packages.get(n) is not None]
        storage = self.phone.storage
        for name in chosen:
            tar_path = f"{LOCAL_STORE}/_full/{name}"
            if not storage.exists(tar_path):
                continue  # key/value data: the agent takes it; nothing of the file tree changes
            self.system.activity.force_stop(name, "restore")
            self.system.packages.clear(name)
            with storage.open_read(tar_path) as fh:
                data = fh.read()
            root = f"/data/data/{name}"
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                for member in tar.getmembers():
                    parts = member.name.split("/", 3)
                    if not member.isfile() or len(parts) < 4 or parts[1] != name:
                        continue
                    folder = next((f for f, d in DOMAINS.items() if d == parts[2]), "")
                    target = posixpath.normpath(posixpath.join(root, folder, parts[3]))
                    if not target.startswith(root + "/"):
                        continue  # a name that climbs out of the app's folder is never restored
                    extracted = tar.extractfile(member)
                    storage.write_bytes(target, extracted.read() if extracted else b"", make_parents=True)
                    storage.utime(target, member.mtime)
        self.system.log("BackupManagerService", f"Restore complete for {len(chosen)} packages", "I")
        return chosen


def _key(name: str) -> str:
    """LocalTransport names each key's file by the key in URL-safe base64."""
    return base64.urlsafe_b64encode(name.encode()).decode()


def _domain(path: str) -> tuple[str, str]:
    top, _, rest = path.partition("/")
    if top in DOMAINS and rest:
        return DOMAINS[top], rest
    return "r", path


def _add(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(mtime), 0o600
    tar.addfile(info, io.BytesIO(data))


# -- bmgr ---------------------------------------------------------------------------------------
# frameworks/base/cmds/bmgr/src/com/android/commands/bmgr/Bmgr.java (Android 14): every message
# below is that file's; bmgr always exits 0 (main catches everything and returns).
BMGR_USAGE = """usage: bmgr [--user <userId>] [backup|restore|list|transport|run]
       bmgr backup PACKAGE
       bmgr enable BOOL
       bmgr enabled
       bmgr list transports [-c]
       bmgr list sets
       bmgr transport WHICH|-c WHICH_COMPONENT
       bmgr restore TOKEN [--monitor|--monitor-verbose]
       bmgr restore TOKEN PACKAGE... [--monitor|--monitor-verbose]
       bmgr run
       bmgr wipe TRANSPORT PACKAGE
       bmgr fullbackup PACKAGE...
       bmgr backupnow [--monitor|--monitor-verbose] --all|PACKAGE...
       bmgr cancel backups
       bmgr init TRANSPORT...
       bmgr activate BOOL
       bmgr activated
       bmgr autorestore BOOL
       bmgr scheduling BOOL

The '--user' option specifies the user on which the operation is run.
It must be the first argument before the operation.
The default value is 0 which is the system user.
"""


def _bool(text: str) -> bool:
    return text.lower() == "true"  # Boolean.parseBoolean


def _on_off(value: bool) -> str:
    return "enabled" if value else "disabled"


@applet("bmgr")
def bmgr(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    user = 0
    if args[:1] == ["--user"]:
        user = int(args[1]) if len(args) > 1 and args[1].isdigit() else 0
        args = args[2:]
    if not args:
        ctx.stderr.write(BMGR_USAGE.encode())
        return 0
    service: BackupManager = phone_of(ctx).system.backup
    op, rest = args[0], args[1:]
    state = service.state

    def usage() -> int:
        ctx.stderr.write(BMGR_USAGE.encode())
        return 0

    if op == "activated":
        ctx.out(f"Backup Manager currently {'activated' if state.activated else 'deactivated'}\n")
        return 0
    if op == "activate":
        if not rest:
            return usage()
        service.set(activated=_bool(rest[0]))
        ctx.out(f"Backup service now {'activated' if _bool(rest[0]) else 'deactivated'} for user {user}\n")
        return 0
    if not state.activated or user != 0:
        ctx.stderr.write(f"Error: Backup Manager is not activated for user {user}\n".encode())
        return 0
    if op == "enabled":
        ctx.out(f"Backup Manager currently {_on_off(state.enabled)}\n")
    elif op == "enable":
        if not rest:
            return usage()
        service.set(enabled=_bool(rest[0]))
        ctx.out(f"Backup Manager now {_on_off(_bool(rest[0]))}\n")
    elif op in ("autorestore", "scheduling"):
        if not rest:
            return usage()
        service.set(**{"auto_restore" if op == "autorestore" else "scheduling": _bool(rest[0])})
        what = "Auto restore" if op == "autorestore" else "Backup scheduling"
        ctx.out(f"{what} is now {_on_off(_bool(rest[0]))} for user {user}\n")
    elif op == "list":
        _bmgr_list(ctx, service, rest)
    elif op == "transport":
        _bmgr_transport(ctx, service, rest)
    elif op == "backupnow":
        _bmgr_backupnow(ctx, service, rest)
    elif op == "restore":
        _bmgr_restore(ctx, service, rest)
    elif op in ("run", "backup", "cancel", "fullbackup", "init", "wipe", "whitelist"):
        return _bmgr_other(ctx, service, op, rest)
    else:
        ctx.stderr.write(b"Unknown command\n")
        return usage()
    return 0


def _bmgr_list(ctx: Context, service: BackupManager, rest: list[str]) -> None:
    if rest[:1] == ["transports"]:
        transports = service.transports()
        if rest[1:2] == ["-c"]:
            ctx.out("".join(component + "\n" for component in transports.values()))
        elif not transports:
            ctx.out("No transports available.\n")
        else:
            ctx.out("".join(("  * " if name == service.current else "    ") + name + "\n" for name in transports))
    elif rest[:1] == ["sets"]:
        _print_sets(ctx, service.restore_sets())


def _print_sets(ctx: Context, sets: list[tuple[int, str]]) -> None:
    if not sets:
        ctx.out("No restore sets\n")
    for token, name in sets:
        ctx.out(f"  {token:x} : {name}\n")


def _bmgr_transport(ctx: Context, service: BackupManager, rest: list[str]) -> None:
    if not rest or (rest[0] == "-c" and len(rest) < 2):
        ctx.stderr.write(BMGR_USAGE.encode())
    elif rest[0] == "-c":
        by_component = {component: name for name, component in service.transports().items()}
        name = by_component.get(rest[1])
        if name is None:
            ctx.stderr.write(b"Failure. error=-1\n")  # BackupManager.ERROR_TRANSPORT_UNAVAILABLE
        else:
            service.select(name)
            ctx.out(f"Success. Selected transport: {name}\n")
    else:
        former = service.select(rest[0])
        if former is None:
            ctx.out(f"Unknown transport '{rest[0]}' specified; no changes made.\n")
        else:
            ctx.out(f"Selected transport {rest[0]} (formerly {former})\n")


def _bmgr_backupnow(ctx: Context, service: BackupManager, rest: list[str]) -> None:
    every = "--all" in rest
    incremental = "--non-incremental" not in rest
    names = list(dict.fromkeys(a for a in rest if a not in (
        "--all", "--non-incremental", "--incremental", "--monitor", "--monitor-verbose")))
    kind = "incremental" if incremental else "non-incremental"
    if every and names:
        ctx.stderr.write(b"Provide only '--all' flag or list of packages.\n")
        return
    if not every and not names:
        ctx.stderr.write(b"Provide '--all' flag or list of packages.\n")
        return
    if every:
        ctx.out(f"Running {kind} backup for all packages.\n")
        names = service.eligible(service.installed_names())
    else:
        ctx.out(f"Running {kind} backup for {len(names)} requested packages.\n")
    if not service.state.enabled or phone_of(ctx).system.settings.get("secure", "user_setup_complete") != "1":
        # UserBackupManagerService.requestBackup: the observer hears it, the caller gets an error code
        ctx.out(f"Backup finished with result: {NOT_ALLOWED}\n")
        ctx.stderr.write(b"Unable to run backup\n")
        return
    if not names:
        ctx.out(f"Backup finished with result: {SUCCESS}\n")
        return
    results = service.back_up(names)
    for name, result, size in results:
        if size:
            ctx.out(f"Package {name} with progress: {size}/{size}\n")
        ctx.out(f"Package {name} with result: {result}\n")
    failed = any(result == TRANSPORT_ERROR for _, result, _ in results)
    ctx.out(f"Backup finished with result: {TRANSPORT_ERROR if failed else SUCCESS}\n")


def _bmgr_restore(ctx: Context, service: BackupManager, rest: list[str]) -> None:
    if not rest:
        ctx.stderr.write(BMGR_USAGE.encode())
        return
    if "." in rest[0] or rest[0] == "android":
        ctx.stderr.write(b"The syntax 'restore <package>' is no longer supported, please use \n"
                         b"'restore <token> <package>'.\n")
        return
    try:
        token = int(rest[0], 16)
    except ValueError:
        ctx.stderr.write(BMGR_USAGE.encode())
        return
    wanted = [a for a in rest[1:] if a not in ("--monitor", "--monitor-verbose")] or None
    sets = service.restore_sets()
    match = next((name for t, name in sets if t == token), None)
    if match is None:
        if not sets:
            ctx.out("No available restore sets; no restore performed\n")
        else:
            ctx.out("No matching restore set token.  Available sets:\n")
            _print_sets(ctx, sets)
        ctx.out("done\n")
        return
    ctx.out(f"Scheduling restore: {match}\n")
    restored = service.restore(wanted)
    ctx.out(f"restoreStarting: {len(restored)} packages\n")
    for number, name in enumerate(restored, 1):
        ctx.out(f"onUpdate: {number} = {name}\n")
    ctx.out("restoreFinished: 0\ndone\n")


def _bmgr_other(ctx: Context, service: BackupManager, op: str, rest: list[str]) -> int:
    if op == "run" or (op == "backup" and rest):
        return 0  # a pass is scheduled; it runs in the background and prints nothing
    if op == "cancel":
        if rest[:1] != ["backups"]:
            ctx.stderr.write(b"Unknown command.\n")
        return 0
    if op == "whitelist":
        ctx.out("".join(component + "\n" for component in service.transports().values()))
        return 0
    if op == "fullbackup":
        ctx.out("Performing full transport backup\n")
        if rest and service.state.enabled:
            service.back_up([n for n in rest if n not in KEY_VALUE_PACKAGES])
        return 0
    if op == "init" and rest:
        ctx.out(f"Initializing transports: [{', '.join(rest)}]\n")
        known = all(name in service.transports() for name in rest)
        ctx.out(f"Initialization result: {0 if known else -1000}\n")  # BackupTransport.TRANSPORT_ERROR
        return 0
    if op == "wipe" and len(rest) >= 2:
        storage = phone_of(ctx).storage
        for path in (f"{LOCAL_STORE}/_full/{rest[1]}", f"{LOCAL_STORE}/{rest[1]}"):
            if rest[0] == LOCAL_TRANSPORT and storage.exists(path):
                storage.remove_tree(path)
        ctx.out(f"Wiped backup data for {rest[1]} on {rest[0]}\n")
        return 0
    ctx.stderr.write(BMGR_USAGE.encode())
    return 0


# -- bu -----------------------------------------------------------------------------------------
# frameworks/base/cmds/bu/src/com/android/commands/bu/Backup.java: `adb backup` and `adb restore`
# run `bu backup ...` / `bu restore`; the backup manager then waits for the user to confirm on the
# phone's screen (UserBackupManagerService.adbBackup) and, unconfirmed, writes nothing.
BU_USAGE = """WARNING: bu is deprecated and may be removed in a future release

Usage: bu <command> [options]

Commands:
  backup [-user USER_ID] [-apk|-noapk] [-obb|-noobb] [-shared|-noshared]
         [-all] [-system|-nosystem] [-widgets|-nowidgets]
         [-compress|-nocompress] [-keyvalue|-nokeyvalue] [PACKAGE...]
    Write an archive of the device's data to stdout.
    The package list is optional if -all or -shared is supplied.
    Example: bu backup -all -apk > backup.ab

  restore [-user USER_ID]
    Restore device contents from stdin.
    Example: bu restore < backup.ab

Global options:
  -user USER_ID: user ID for which to perform the operation (default - system user)

Options for 'backup':
  -apk/-noapk: do/don't back up .apk files (default -noapk)
  -obb/-noobb: do/don't back up .obb files (default -noobb)
  -shared|-noshared: do/don't back up shared storage (default -noshared)
  -all: back up all installed applications
  -system|-nosystem: include system apps in -all (default -system)
  -widgets|-nowidgets: do/don't back up widget data (default: -nowidgets)
  -compress|-nocompress: enable/disable compression of the backup data (default: -compress)
  -keyvalue|-nokeyvalue: do/don't back up apps that are key/value based
                         (default: -nokeyvalue)

'restore' command does not take any package names or options other than -user.
"""
BU_FLAGS = {"-apk", "-noapk", "-obb", "-noobb", "-shared", "-noshared", "-system", "-nosystem", "-widgets",
            "-nowidgets", "-all", "-compress", "-nocompress", "-keyvalue", "-nokeyvalue"}


@applet("bu")
def bu(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    system = phone_of(ctx).system
    if not args or args[0] not in ("backup", "restore"):
        ctx.stderr.write(BU_USAGE.encode())
        return 0
    command, rest = args[0], args[1:]
    user = rest[rest.index("-user") + 1] if "-user" in rest[:-1] else "0"
    if not system.backup.state.activated or user != "0":
        return _bu_error(ctx, f"BackupManager is not active for user {user}")
    system.log("bu", f"Beginning {command} for user {user}", "I")
    if command == "backup":
        packages, everything, shared = [], False, False
        skip = False
        for arg in rest:
            if skip:
                skip = False
            elif arg == "-user":
                skip = True
            elif arg.startswith("-") and arg not in BU_FLAGS:
                _bu_error(ctx, f"Unknown backup flag {arg}")
            elif arg.startswith("-"):
                everything, shared = everything or arg == "-all", (shared or arg == "-shared") and arg != "-noshared"
            else:
                packages.append(arg)
        if everything and packages:
            _bu_error(ctx, "-all passed for backup along with specific package names")
        if not everything and not shared and not packages:
            return _bu_error(ctx, "no backup packages supplied and neither -shared nor -all given")
    if system.settings.get("secure", "user_setup_complete") != "1":
        system.log("BackupManagerService", "Backup not supported before setup", "I")
    else:
        system.log("BackupManagerService", f"Beginning adb {command}...", "I")
        system.log("BackupManagerService", "Starting backup confirmation UI", "D")
        if not ctx.cancelled.wait(CONFIRM_TIMEOUT):
            system.log("BackupManagerService", "Full backup/restore timed out", "W")
        system.log("BackupManagerService", f"Adb {command} processing complete.", "D")
    system.log("bu", f"Finished {command} for user {user}", "I")
    return 0


def _bu_error(ctx: Context, message: str) -> int:
    phone_of(ctx).system.log("bu", message, "E")
    ctx.stderr.write(f"Error: {message}\n".encode())
    return 0


def _dumpsys_backup(ctx: Context, args: list[str]) -> int:
    """`dumpsys backup`: the head of UserBackupManagerService.dumpInternal."""
    service: BackupManager = phone_of(ctx).system.backup
    setup = phone_of(ctx).system.settings.get("secure", "user_setup_complete") == "1"
    state = service.state
    ctx.out(f"Backup Manager is {_on_off(state.enabled)} / {'' if setup else 'not '}setup complete / "
            "not pending init\n"
            f"Auto-restore is {_on_off(state.auto_restore)}\n"
            "No backups running\n"
            f"Last backup pass started: 0 (now = {int(time.time() * 1000)})\n"
            "  next scheduled: 0\n"
            "Transport whitelist:\n" + "".join(f"    {c}\n" for c in service.transports().values())
            + "Available transports:\n"
            + "".join(("  * " if n == service.current else "    ") + n + "\n" for n in service.transports()))
    return 0


SERVICE_COMMANDS = ServiceCommands(dumpsys={"backup": _dumpsys_backup})
