"""Installed packages of the virtual phone (PackageManager): the package database, installs from
APK files and streams, and the `pm` / `cmd package` / `dumpsys package` commands with Android's
replies. Not for APK parsing (see `apk`) nor for running apps (see `activity` and `apps`).
"""

from __future__ import annotations

import base64
import errno
import json
import os
import secrets
import shutil
import threading
import time
import zlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from xml.sax.saxutils import quoteattr

from .androidtool import phone_of
from .apk import ApkError, ApkInfo, Instrumentation, build_apk, read_apk
from .dumpsys import ServiceCommands
from .shell.api import Context, applet

FIRST_APP_UID = 10150  # third-party uids on an API 34 emulator start around here (u0_a150)
SHELL_UID = 2000

#: Runtime ("dangerous") permissions: granted by `pm grant` / `install -g`, not at install time.
RUNTIME_PERMISSIONS = frozenset(f"android.permission.{p}" for p in (
    "READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE", "READ_MEDIA_IMAGES", "READ_MEDIA_VIDEO",
    "READ_MEDIA_AUDIO", "READ_MEDIA_VISUAL_USER_SELECTED", "ACCESS_MEDIA_LOCATION", "CAMERA",
    "RECORD_AUDIO", "ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION",
    "READ_CONTACTS", "WRITE_CONTACTS", "GET_ACCOUNTS", "READ_PHONE_STATE", "READ_PHONE_NUMBERS",
    "CALL_PHONE", "READ_CALL_LOG", "WRITE_CALL_LOG", "READ_SMS", "SEND_SMS", "RECEIVE_SMS",
    "READ_CALENDAR", "WRITE_CALENDAR", "BODY_SENSORS", "POST_NOTIFICATIONS", "NEARBY_WIFI_DEVICES",
    "BLUETOOTH_CONNECT", "BLUETOOTH_SCAN", "BLUETOOTH_ADVERTISE", "ACTIVITY_RECOGNITION",
))
#: Special access granted through appops or settings, never through `pm grant`.
SPECIAL_PERMISSIONS = frozenset(f"android.permission.{p}" for p in (
    "MANAGE_EXTERNAL_STORAGE", "SYSTEM_ALERT_WINDOW", "WRITE_SETTINGS", "REQUEST_INSTALL_PACKAGES",
    "PACKAGE_USAGE_STATS", "SCHEDULE_EXACT_ALARM", "MANAGE_MEDIA",
))

# Preinstalled packages of an API 34 Google APIs emulator image (a representative subset):
# name, apk path, uid, versionCode, versionName, launcher activity.
SYSTEM_PACKAGES: list[tuple[str, str, int, int, str, str | None]] = [
    ("android", "/system/framework/framework-res.apk", 1000, 34, "14", None),
    ("com.android.shell", "/system/priv-app/Shell/Shell.apk", SHELL_UID, 34, "14", None),
    ("com.android.settings", "/system_ext/priv-app/Settings/Settings.apk", 1000, 34, "14",
     "com.android.settings.Settings"),
    ("com.android.systemui", "/system_ext/priv-app/SystemUIGoogle/SystemUIGoogle.apk", 10101, 34, "14", None),
    ("com.google.android.apps.nexuslauncher",
     "/system_ext/priv-app/NexusLauncherRelease/NexusLauncherRelease.apk", 10110, 34, "14",
     "com.google.android.apps.nexuslauncher.NexusLauncherActivity"),
    ("com.android.providers.media.module",
     "/apex/com.android.mediaprovider/priv-app/MediaProvider/MediaProvider.apk", 10094, 340818000,
     "14-340818000", None),
    ("com.android.providers.downloads", "/system/priv-app/DownloadProvider/DownloadProvider.apk",
     10062, 34, "14", None),
    ("com.android.providers.settings", "/system/priv-app/SettingsProvider/SettingsProvider.apk",
     1000, 34, "14", None),
    ("com.android.externalstorage", "/system/priv-app/ExternalStorageProvider/ExternalStorageProvider.apk",
     10068, 34, "14", None),
    ("com.google.android.documentsui", "/system/priv-app/DocumentsUIGoogle/DocumentsUIGoogle.apk",
     10083, 340818000, "14-340818000", "com.android.documentsui.LauncherActivity"),
    ("com.android.camera2", "/system/app/Camera2/Camera2.apk", 10120, 34, "14",
     "com.android.camera.CameraLauncher"),
    ("com.android.phone", "/system/priv-app/TeleService/TeleService.apk", 1001, 34, "14", None),
    ("com.android.localtransport", "/system/priv-app/LocalTransport/LocalTransport.apk", 1000, 34, "14", None),
    ("com.google.android.packageinstaller",
     "/system/priv-app/GooglePackageInstaller/GooglePackageInstaller.apk", 10075, 34, "14", None),
]


class InstallError(Exception):
    """An install Android refuses; `code` is the INSTALL_FAILED_* / INSTALL_PARSE_FAILED_* reason."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message

    @property
    def reply(self) -> str:
        """What pm prints: `Failure [CODE: message]`."""
        return f"Failure [{self}]"


@dataclass
class Package:
    """One installed package, as PackageManagerService keeps it in packages.xml."""

    name: str
    apk_path: str  # device path of base.apk
    uid: int
    version_code: int = 0
    version_name: str | None = None
    min_sdk: int = 1
    target_sdk: int = 0
    system: bool = False
    updated_system: bool = False
    enabled_state: str = "default"  # default, enabled, disabled, disabled-user, disabled-until-used
    label: str | None = None
    requested_permissions: list[str] = field(default_factory=list)
    granted_permissions: list[str] = field(default_factory=list)  # runtime permissions granted
    activities: list[str] = field(default_factory=list)
    launcher_activity: str | None = None
    instrumentations: list[dict[str, str]] = field(default_factory=list)  # {name, target_package}
    installer: str | None = None
    first_install_time: float = 0.0
    last_update_time: float = 0.0
    split_apks: list[str] = field(default_factory=list)  # file names next to base.apk (split_X.apk)
    installed_for_user: bool = True  # False after `pm uninstall --user 0` of a preinstalled package
    debuggable: bool = False  # android:debuggable: `run-as` may enter its data folder

    @property
    def enabled(self) -> bool:
        return self.enabled_state in ("default", "enabled")

    @property
    def code_path(self) -> str:
        return self.apk_path.rsplit("/", 1)[0]

    @property
    def data_dir(self) -> str:
        return f"/data/user/0/{self.name}"

    def install_permissions(self) -> list[str]:
        """Normal permissions, granted at install time."""
        return [p for p in self.requested_permissions
                if p not in RUNTIME_PERMISSIONS and p not in SPECIAL_PERMISSIONS]

    def runtime_permissions(self) -> list[str]:
        return [p for p in self.requested_permissions if p in RUNTIME_PERMISSIONS]


def short_component(package: str, cls: str) -> str:
    """ComponentName.flattenToShortString: `pkg/.Cls` when the class lives in the package."""
    if cls.startswith(package + "."):
        return f"{package}/{cls[len(package):]}"
    return f"{package}/{cls}"


def _token() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).decode()


class _Session:
    def __init__(self, session_id: int, folder: str, options: dict[str, Any]):
        self.id = session_id
        self.folder = folder  # host folder in phone.state_dir holding the written APKs
        self.options = options
        self.files: list[str] = []


class PackageManager:
    """The phone's package database. One per phone, persisted in `phone.state_dir`."""

    def __init__(self, phone: Any):
        self.phone = phone
        self._lock = threading.RLock()
        self._db_path = os.path.join(str(phone.state_dir), "packages.json")
        self._sessions_dir = os.path.join(str(phone.state_dir), "install-sessions")
        self.packages: dict[str, Package] = {}
        self._next_uid = FIRST_APP_UID
        self._sessions: dict[int, _Session] = {}
        self._load()

    # -- persistence -------------------------------------------------------------------------
    def _load(self) -> None:
        if os.path.exists(self._db_path):
            with open(self._db_path, encoding="utf-8") as fh:
                data = json.load(fh)
            self._next_uid = data["next_uid"]
            known = {f.name for f in fields(Package)}  # tolerate state written by other versions
            self.packages = {p["name"]: Package(**{k: v for k, v in p.items() if k in known})
                             for p in data["packages"]}
            return
        now = time.time()
        for name, path, uid, code, version, launcher in SYSTEM_PACKAGES:
            self.packages[name] = Package(name=name, apk_path=path, uid=uid, version_code=code,
                                          version_name=version, min_sdk=34, target_sdk=34, system=True,
                                          launcher_activity=launcher,
                                          activities=[launcher] if launcher else [],
                                          first_install_time=now, last_update_time=now)
            self._write_system_apk(self.packages[name])
        self._storage_layout()
        for pkg in self.packages.values():
            self._make_data_dirs(pkg)
        self._save()

    def _save(self) -> None:
        data = {"next_uid": self._next_uid, "packages": [asdict(p) for p in self.packages.values()]}
        tmp = self._db_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, self._db_path)
        self._write_packages_xml()

    def _write_packages_xml(self) -> None:
        """/data/system/packages.xml, the package manager's own record (readable by system only)."""
        rows = "".join(f'    <package name="{quoteattr(p.name)[1:-1]}" codePath="{quoteattr(p.code_path)[1:-1]}" '
                       f'version="{p.version_code}" userId="{p.uid}" />\n' for p in self.packages.values())
        text = f"<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<packages>\n{rows}</packages>\n"
        self.phone.storage.write_bytes("/data/system/packages.xml", text.encode())

    def _write_system_apk(self, pkg: Package) -> None:
        """Preinstalled APKs exist on the phone so `adb pull $(pm path X)` works as on a real one."""
        storage = self.phone.storage
        if not storage.exists(pkg.apk_path):
            activities = [pkg.launcher_activity] if pkg.launcher_activity else []
            storage.write_bytes(pkg.apk_path, build_apk(pkg.name, pkg.version_code, pkg.version_name,
                                                        min_sdk=pkg.min_sdk, target_sdk=pkg.target_sdk,
                                                        activities=activities), make_parents=True)

    def _storage_layout(self) -> None:
        storage = self.phone.storage
        storage.makedirs("/data/data")
        storage.makedirs("/data/app")
        storage.makedirs("/data/user")
        if not os.path.lexists(storage.host("/data/user/0", follow=False)):
            storage.symlink("/data/data", "/data/user/0")  # as on Android: user 0's data is /data/data

    # -- queries -----------------------------------------------------------------------------
    def get(self, name: str) -> Package | None:
        """The package as user 0 sees it (None if absent or uninstalled for the user)."""
        pkg = self.packages.get(name)
        return pkg if pkg is not None and pkg.installed_for_user else None

    def installed(self, include_uninstalled: bool = False) -> list[Package]:
        with self._lock:
            return sorted((p for p in self.packages.values() if include_uninstalled or p.installed_for_user),
                          key=lambda p: p.name)

    def resolve_launcher(self, name: str) -> str | None:
        """`pkg/.Activity` of the package's MAIN/LAUNCHER activity, or None."""
        pkg = self.get(name)
        if pkg is None or not pkg.launcher_activity:
            return None
        return short_component(pkg.name, pkg.launcher_activity)

    # -- installing --------------------------------------------------------------------------
    def install(self, apk: bytes, *, replace: bool = True, grant_all: bool = False,
                allow_downgrade: bool = False, installer: str | None = "com.android.shell",
                splits: list[tuple[str, bytes]] | None = None) -> Package:
        """Install or update from APK bytes. Raises InstallError with Android's reason."""
        staging = f"/data/app/vmdl{secrets.randbelow(2**31)}.tmp/base.apk"
        try:
            info = read_apk(apk, staging)
        except ApkError as exc:
            raise InstallError(exc.code, exc.message) from None
        with self._lock:
            old = self.packages.get(info.package)
            self._check_update(info, old, replace, allow_downgrade)
            now = time.time()
            folder = f"/data/app/~~{_token()}/{info.package}-{_token()}"
            try:
                self.phone.storage.makedirs(folder)
                self.phone.storage.write_bytes(folder + "/base.apk", apk)
                for split_name, data in splits or []:
                    self.phone.storage.write_bytes(f"{folder}/{split_name}", data)
            except OSError as exc:
                self._remove_quietly(folder)
                if exc.errno == errno.ENOSPC:
                    raise InstallError("INSTALL_FAILED_INSUFFICIENT_STORAGE") from None
                raise InstallError("INSTALL_FAILED_INTERNAL_ERROR", str(exc)) from None
            pkg = self._record(info, old, folder + "/base.apk", now, installer)
            pkg.split_apks = [name for name, _data in splits or []]
            granted = set(pkg.granted_permissions)
            if grant_all:
                granted |= set(pkg.runtime_permissions())
            pkg.granted_permissions = [p for p in pkg.runtime_permissions() if p in granted]
            if old is not None and not old.system:
                self._remove_quietly(old.code_path)
            self.packages[pkg.name] = pkg
            self._make_data_dirs(pkg)
            self._save()
        verb = "Updated" if old else "Installed"
        self.log(f"{verb} package {pkg.name} versionCode={pkg.version_code} "
                  f"versionName={pkg.version_name} at {pkg.code_path}")
        self._notify("on_package_installed", pkg, old is not None)
        return pkg

    def _check_update(self, info: ApkInfo, old: Package | None, replace: bool, allow_downgrade: bool) -> None:
        if old is None:
            return
        if not replace:
            raise InstallError("INSTALL_FAILED_ALREADY_EXISTS",
                               f"Attempt to re-install {info.package} without first uninstalling.")
        if info.version_code < old.version_code and not allow_downgrade:
            raise InstallError("INSTALL_FAILED_VERSION_DOWNGRADE",
                               f"Downgrade detected: Update version code {info.version_code} is older "
                               f"than current {old.version_code}")

    def _record(self, info: ApkInfo, old: Package | None, apk_path: str, now: float,
                installer: str | None) -> Package:
        if old is not None:
            uid, first = old.uid, old.first_install_time
        else:
            uid, first = self._next_uid, now
            self._next_uid += 1
        return Package(
            name=info.package, apk_path=apk_path, uid=uid, version_code=info.version_code,
            version_name=info.version_name, min_sdk=info.min_sdk, target_sdk=info.target_sdk,
            system=bool(old and old.system), updated_system=bool(old and old.system),
            enabled_state=old.enabled_state if old else "default", label=info.label,
            requested_permissions=list(info.permissions),
            granted_permissions=list(old.granted_permissions) if old else [],
            activities=list(info.activities), launcher_activity=info.launcher_activity,
            instrumentations=[{"name": i.name, "target_package": i.target_package}
                              for i in info.instrumentations],
            installer=installer, first_install_time=first, last_update_time=now, debuggable=info.debuggable,
        )

    def _make_data_dirs(self, pkg: Package) -> None:
        for sub in ("cache", "code_cache"):
            self.phone.storage.makedirs(f"/data/data/{pkg.name}/{sub}")

    def _remove_quietly(self, device_path: str) -> None:
        try:
            self.phone.storage.remove_tree(device_path)
        except OSError:
            pass
        parent = device_path.rsplit("/", 1)[0]
        if parent.startswith("/data/app/~~"):
            try:
                self.phone.storage.rmdir(parent)
            except OSError:
                pass

    def uninstall(self, name: str, keep_data: bool = False, for_user: bool = False) -> None:
        """Remove a package (its APK folder and, unless keep_data, its data). KeyError if unknown.

        `for_user` (`--user 0`) on a preinstalled package hides it from user 0, as debloat tools
        expect; `install-existing` brings it back."""
        with self._lock:
            pkg = self.packages[name]
            if pkg.system and not pkg.updated_system:
                if not for_user:
                    raise InstallError("DELETE_FAILED_INTERNAL_ERROR")
                self._notify("on_package_removing", pkg)
                pkg.installed_for_user = False
                if not keep_data:
                    self._remove_quietly(f"/data/data/{name}")
                self._save()
                self.log(f"Removed package {name} for user 0")
                return
            self._notify("on_package_removing", pkg)
            self._remove_quietly(pkg.code_path)
            if pkg.system:
                # uninstalling an update of a system app goes back to the preinstalled version
                base = next(s for s in SYSTEM_PACKAGES if s[0] == name)
                pkg = Package(name=name, apk_path=base[1], uid=pkg.uid, version_code=base[3],
                              version_name=base[4], min_sdk=34, target_sdk=34, system=True,
                              launcher_activity=base[5], activities=[base[5]] if base[5] else [],
                              first_install_time=pkg.first_install_time, last_update_time=time.time())
                self.packages[name] = pkg
            else:
                del self.packages[name]
                if not keep_data:
                    self._remove_quietly(f"/data/data/{name}")
                    self._remove_quietly(f"/storage/emulated/0/Android/data/{name}")
                    self._remove_quietly(f"/storage/emulated/0/Android/media/{name}")
            self._save()
        self.log(f"Removed package {name}{' (data kept)' if keep_data else ''}")

    def clear(self, name: str) -> bool:
        """`pm clear`: stop the app, empty its data folders, revoke runtime permissions."""
        pkg = self.get(name)
        if pkg is None:
            return False
        storage = self.phone.storage
        for folder in (f"/data/data/{name}", f"/storage/emulated/0/Android/data/{name}"):
            if not storage.exists(folder):
                continue
            for entry in storage.listdir(folder):
                self._remove_quietly(f"{folder}/{entry.name}")
        with self._lock:
            pkg.granted_permissions = []
            self._make_data_dirs(pkg)
            self._save()
        self._notify("on_clear_data", pkg)  # the activity manager stops the app and tells it
        self.log(f"Cleared data of {name}")
        return True

    def set_permission(self, name: str, permission: str, granted: bool) -> None:
        """`pm grant/revoke`. Raises LookupError/PermissionError with Android's exception text."""
        with self._lock:
            pkg = self.get(name)
            if pkg is None:
                raise LookupError(f"java.lang.IllegalArgumentException: Unknown package: {name}")
            if permission not in RUNTIME_PERMISSIONS and permission not in SPECIAL_PERMISSIONS \
                    and permission not in pkg.requested_permissions:
                raise LookupError(f"java.lang.IllegalArgumentException: Unknown permission: {permission}")
            if permission not in pkg.requested_permissions:
                raise PermissionError(f"java.lang.SecurityException: Package {name} has not requested "
                                      f"permission {permission}")
            if permission not in RUNTIME_PERMISSIONS:
                raise PermissionError(f"java.lang.SecurityException: Permission {permission} requested by "
                                      f"{name} is not a changeable permission type")
            have = set(pkg.granted_permissions)
            (have.add if granted else have.discard)(permission)
            pkg.granted_permissions = [p for p in pkg.runtime_permissions() if p in have]
            self._save()

    def install_existing(self, name: str) -> bool:
        """`pm install-existing`: a preinstalled package uninstalled for user 0 comes back."""
        with self._lock:
            pkg = self.packages.get(name)
            if pkg is None:
                return False
            pkg.installed_for_user = True
            self._make_data_dirs(pkg)
            self._save()
        self._notify("on_package_installed", pkg, False)
        return True

    def set_enabled(self, name: str, state: str) -> None:
        with self._lock:
            self.packages[name].enabled_state = state
            self._save()

    # -- install sessions (install-create / -write / -commit / -abandon) ---------------------------
    def create_session(self, options: dict[str, Any]) -> int:
        with self._lock:
            session_id = secrets.randbelow(2**30) + 1
            folder = os.path.join(self._sessions_dir, str(session_id))
            os.makedirs(folder, exist_ok=True)
            self._sessions[session_id] = _Session(session_id, folder, options)
            return session_id

    def session(self, session_id: int) -> _Session:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise LookupError(f"java.lang.SecurityException: Caller has no access to session {session_id}") from None

    def write_session(self, session_id: int, name: str, data: bytes) -> None:
        session = self.session(session_id)
        safe = os.path.basename(name) or "base.apk"
        with open(os.path.join(session.folder, safe), "wb") as fh:
            fh.write(data)
        if safe not in session.files:
            session.files.append(safe)

    def commit_session(self, session_id: int) -> Package:
        session = self.session(session_id)
        try:
            if not session.files:
                raise InstallError("INSTALL_FAILED_INVALID_APK", "No packages staged in session "
                                   f"{session_id}")
            base, splits = None, []
            for name in session.files:
                with open(os.path.join(session.folder, name), "rb") as fh:
                    data = fh.read()
                try:
                    info = read_apk(data, f"/data/app/vmdl{session_id}.tmp/{name}")
                except ApkError as exc:
                    raise InstallError(exc.code, exc.message) from None
                if info.split:
                    splits.append((f"split_{info.split}.apk", data, info.package))
                elif base is None:
                    base = (data, info.package)
                else:
                    raise InstallError("INSTALL_FAILED_INVALID_APK", "Split null was defined multiple times")
            if base is None:
                raise InstallError("INSTALL_FAILED_INVALID_APK", "Full install must include a base package")
            for split_name, _data, package in splits:
                if package != base[1]:
                    raise InstallError("INSTALL_FAILED_INVALID_APK",
                                       f"Inconsistent package {package} in {split_name}; expected {base[1]}")
            opts = session.options
            return self.install(base[0], replace=opts.get("replace", True), grant_all=opts.get("grant", False),
                                allow_downgrade=opts.get("downgrade", False),
                                splits=[(name, data) for name, data, _package in splits])
        finally:
            self.abandon_session(session_id)

    def abandon_session(self, session_id: int) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            raise LookupError(f"java.lang.SecurityException: Caller has no access to session {session_id}")
        shutil.rmtree(session.folder, ignore_errors=True)

    # -- lifecycle and neighbours --------------------------------------------------------------
    def on_boot_completed(self) -> None:
        # An APK file deleted behind the phone's back makes the package vanish, as at a real boot scan.
        with self._lock:
            gone = [p.name for p in self.packages.values()
                    if not p.system and not self.phone.storage.exists(p.apk_path)]
            for name in gone:
                del self.packages[name]
            if gone:
                self._save()

    def log(self, message: str) -> None:
        system = getattr(self.phone, "system", None)
        if system is not None:
            system.log("PackageManager", message)

    def _notify(self, hook: str, pkg: Package, *args: Any) -> None:
        """Tell the activity manager (apps, broadcasts) about a package change, when it listens."""
        activity = getattr(getattr(self.phone, "system", None), "activity", None)
        func = getattr(activity, hook, None)
        if callable(func):
            func(pkg.name, *args)


# -- the shell side: `pm`, `cmd package`, `dumpsys package` -------------------------------------
def _manager(ctx: Context) -> PackageManager:
    return phone_of(ctx).system.packages


def _exception(ctx: Context, verb: str, text: str) -> int:
    """How `cmd` reports an uncaught exception in a shell command (exit status -1 = 255)."""
    ctx.stderr.write(f"Exception occurred while executing '{verb}':\n{text}\n".encode())
    return 255


def _read_exactly(ctx: Context, size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = ctx.stdin.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


_INSTALL_OPTIONS_WITH_VALUE = {"-i", "--user", "-p", "--pkg", "--install-location", "--abi",
                               "--originating-uri", "--referrer", "--install-reason", "--force-uuid",
                               "--staged-ready-timeout", "--update-ownership", "--package-source",
                               "--restrict-permissions"}


def _parse_install_options(args: list[str]) -> tuple[dict[str, Any], list[str]]:
    opts: dict[str, Any] = {"replace": True, "grant": False, "downgrade": False, "size": None,
                            "installer": "com.android.shell"}
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-R":
            opts["replace"] = False
        elif arg == "-g":
            opts["grant"] = True
        elif arg == "-d":
            opts["downgrade"] = True
        elif arg == "-S":
            opts["size"] = int(args[i + 1])
            i += 1
        elif arg == "-i":
            opts["installer"] = args[i + 1]
            i += 1
        elif arg in _INSTALL_OPTIONS_WITH_VALUE:
            i += 1
        elif arg.startswith("-") and arg != "-":
            pass  # -r (default now), -t, -f, --dont-kill, --no-incremental, --full, ...: accepted
        else:
            rest.append(arg)
        i += 1
    return opts, rest


def _install(ctx: Context, args: list[str]) -> int:
    try:
        opts, rest = _parse_install_options(args)
    except (IndexError, ValueError):
        return _exception(ctx, "install", "java.lang.IllegalArgumentException: bad install option value")
    pm = _manager(ctx)
    if rest and rest[0] != "-":
        paths = rest
        blobs = []
        for path in paths:
            try:
                with ctx.storage.open_read(path, ctx.cwd) as fh:
                    blobs.append((os.path.basename(path), fh.read()))
            except OSError:
                ctx.stderr.write(f"Error: Can't open file: {path}\n".encode())
                return _exception(ctx, "install", f"java.lang.IllegalArgumentException: Error: Can't open file: {path}")
        base, splits = blobs[0][1], blobs[1:]
        pm.log(f"Installing from {', '.join(paths)}")
    elif opts["size"] is not None:
        base, splits = _read_exactly(ctx, opts["size"]), []
        if len(base) < opts["size"]:
            ctx.out(f"Failure [INSTALL_FAILED_INVALID_APK: Stream ended after {len(base)} of "
                    f"{opts['size']} bytes]\n")
            return 1
        pm.log(f"Installing a streamed APK of {len(base)} bytes")
    else:
        ctx.stderr.write(b"Error: must either specify a package size or an APK file\n")
        return 1
    try:
        pm.install(base, replace=opts["replace"], grant_all=opts["grant"], allow_downgrade=opts["downgrade"],
                   installer=opts["installer"], splits=splits)
    except InstallError as exc:
        ctx.out(exc.reply + "\n")
        return 1
    ctx.out("Success\n")
    return 0


def _install_create(ctx: Context, args: list[str]) -> int:
    opts, _rest = _parse_install_options(args)
    session_id = _manager(ctx).create_session(opts)
    ctx.out(f"Success: created install session [{session_id}]\n")
    return 0


def _install_write(ctx: Context, args: list[str]) -> int:
    opts, rest = _parse_install_options(args)
    if len(rest) < 2:
        ctx.stderr.write(b"Error: must specify a session id and a split name\n")
        return 1
    session_id, name = int(rest[0]), rest[1]
    path = rest[2] if len(rest) > 2 else "-"
    if path == "-":
        if opts["size"] is None:
            ctx.stderr.write(b"Error: must specify size with -S when streaming from stdin\n")
            return 1
        data = _read_exactly(ctx, opts["size"])
    else:
        try:
            with ctx.storage.open_read(path, ctx.cwd) as fh:
                data = fh.read()
        except OSError:
            return _exception(ctx, "install-write",
                              f"java.lang.IllegalArgumentException: Error: Can't open file: {path}")
    try:
        _manager(ctx).write_session(session_id, name, data)
    except LookupError as exc:
        return _exception(ctx, "install-write", str(exc))
    ctx.out(f"Success: streamed {len(data)} bytes\n")
    return 0


def _install_commit(ctx: Context, args: list[str]) -> int:
    try:
        _manager(ctx).commit_session(int(args[0]))
    except InstallError as exc:
        ctx.out(exc.reply + "\n")
        return 1
    except (LookupError, IndexError, ValueError) as exc:
        return _exception(ctx, "install-commit", str(exc) or "java.lang.IllegalArgumentException: no session id")
    ctx.out("Success\n")
    return 0


def _install_abandon(ctx: Context, args: list[str]) -> int:
    try:
        _manager(ctx).abandon_session(int(args[0]))
    except (LookupError, IndexError, ValueError) as exc:
        return _exception(ctx, "install-abandon", str(exc) or "java.lang.IllegalArgumentException: no session id")
    ctx.out("Success\n")
    return 0


def _split_user(args: list[str]) -> tuple[str | None, list[str]]:
    user, rest, i = None, [], 0
    while i < len(args):
        if args[i] == "--user" and i + 1 < len(args):
            user = args[i + 1]
            i += 2
            continue
        rest.append(args[i])
        i += 1
    return user, rest


def _uninstall(ctx: Context, args: list[str]) -> int:
    user, rest = _split_user(args)
    keep = "-k" in rest
    names = [a for a in rest if not a.startswith("-")]
    if not names:
        ctx.stderr.write(b"Error: package name not specified\n")
        return 1
    pm = _manager(ctx)
    if pm.get(names[0]) is None:
        ctx.out(f"Failure [not installed for {user}]\n" if user is not None
                else "Failure [DELETE_FAILED_INTERNAL_ERROR]\n")
        return 1
    try:
        pm.uninstall(names[0], keep_data=keep, for_user=user is not None)
    except InstallError as exc:
        ctx.out(exc.reply + "\n")
        return 1
    ctx.out("Success\n")
    return 0


def _list_packages(ctx: Context, args: list[str], show_path: bool = False) -> int:
    flags: set[str] = set()
    uid_filter: int | None = None
    text: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--user",):
            i += 1
        elif arg == "--uid":
            flags.add("-U")
            uid_filter = int(args[i + 1])
            i += 1
        elif arg.startswith("--") or (arg.startswith("-") and len(arg) == 2):
            if arg not in ("-d", "-e", "-a", "-f", "-i", "-l", "-s", "-U", "-u", "-3", "--show-versioncode",
                           "--apex-only"):
                ctx.out(f"Error: Unknown option: {arg}\n")
                return 255
            flags.add(arg)
        elif arg.startswith("-"):
            for letter in arg[1:]:
                flags.add("-" + letter)
        else:
            text = arg
        i += 1
    show_path = show_path or "-f" in flags
    for pkg in _manager(ctx).installed(include_uninstalled="-u" in flags):
        if text is not None and text not in pkg.name:
            continue
        if uid_filter is not None and pkg.uid != uid_filter:
            continue
        if ("-d" in flags and pkg.enabled) or ("-e" in flags and not pkg.enabled):
            continue
        if ("-s" in flags and not pkg.system) or ("-3" in flags and pkg.system) or "--apex-only" in flags:
            continue
        line = "package:" + (f"{pkg.apk_path}=" if show_path else "") + pkg.name
        if "--show-versioncode" in flags:
            line += f" versionCode:{pkg.version_code}"
        if "-i" in flags:
            line += f"  installer={pkg.installer}"
        if "-U" in flags:
            line += f" uid:{pkg.uid}"
        ctx.out(line + "\n")
    return 0


def _list(ctx: Context, args: list[str]) -> int:
    if not args:
        ctx.out("Error: didn't specify type of data to list\n")
        return 255
    kind, rest = args[0], args[1:]
    if kind in ("package", "packages"):
        return _list_packages(ctx, rest)
    if kind == "instrumentation":
        show_path = "-f" in rest
        target = next((a for a in rest if not a.startswith("-")), None)
        rows = []
        for pkg in _manager(ctx).installed():
            for inst in pkg.instrumentations:
                if target is None or inst["target_package"] == target:
                    rows.append((inst["target_package"], pkg, inst["name"]))
        for target_pkg, pkg, name in sorted(rows, key=lambda r: r[0]):
            prefix = f"{pkg.apk_path}=" if show_path else ""
            ctx.out(f"instrumentation:{prefix}{short_component(pkg.name, name)} (target={target_pkg})\n")
        return 0
    if kind == "permissions":
        dangerous = "-d" in rest
        ctx.out("Dangerous Permissions:\n\n" if dangerous else "All Permissions:\n\n")
        names = set(RUNTIME_PERMISSIONS)
        if not dangerous:
            names |= SPECIAL_PERMISSIONS
            for pkg in _manager(ctx).installed():
                names |= set(pkg.requested_permissions)
        for name in sorted(names):
            ctx.out(f"permission:{name}\n")
        return 0
    if kind == "users":
        ctx.out("Users:\n\tUserInfo{0:Owner:c13} running\n")
        return 0
    if kind == "features":
        for feature in ("android.hardware.camera", "android.hardware.touchscreen", "android.hardware.wifi",
                        "android.software.webview"):
            ctx.out(f"feature:{feature}\n")
        return 0
    ctx.out(f"Error: unknown list type '{kind}'\n")
    return 255


def _install_existing(ctx: Context, args: list[str]) -> int:
    _user, rest = _split_user(args)
    names = [a for a in rest if not a.startswith("-")]
    if not names:
        ctx.stderr.write(b"Error: package name not specified\n")
        return 1
    if not _manager(ctx).install_existing(names[0]):
        ctx.out(f"Package {names[0]} doesn't exist\n")
        return 1
    ctx.out(f"Package {names[0]} installed for user: 0\n")
    return 0


def _path(ctx: Context, args: list[str]) -> int:
    _user, rest = _split_user(args)
    if not rest:
        ctx.stderr.write(b"Error: no package specified\n")
        return 1
    pkg = _manager(ctx).get(rest[0])
    if pkg is None:
        return 1
    ctx.out(f"package:{pkg.apk_path}\n")
    for name in pkg.split_apks:
        ctx.out(f"package:{pkg.code_path}/{name}\n")
    return 0


def _clear(ctx: Context, args: list[str]) -> int:
    _user, rest = _split_user(args)
    if not rest:
        ctx.stderr.write(b"Error: no package specified\n")
        return 1
    if not _manager(ctx).clear(rest[0]):
        ctx.stderr.write(b"Failed\n")
        return 1
    ctx.out("Success\n")
    return 0


def _grant_revoke(ctx: Context, args: list[str], grant: bool) -> int:
    _user, rest = _split_user(args)
    if len(rest) < 1:
        ctx.stderr.write(b"Error: no package specified\n")
        return 1
    if len(rest) < 2:
        ctx.stderr.write(b"Error: no permission specified\n")
        return 1
    try:
        _manager(ctx).set_permission(rest[0], rest[1], grant)
    except (LookupError, PermissionError) as exc:
        return _exception(ctx, "grant" if grant else "revoke", str(exc.args[0]))
    return 0


def _set_enabled(ctx: Context, args: list[str], state: str) -> int:
    _user, rest = _split_user(args)
    if not rest:
        ctx.stderr.write(b"Error: no package or component specified\n")
        return 1
    pm = _manager(ctx)
    if pm.get(rest[0]) is None:
        return _exception(ctx, "enable" if state == "enabled" else "disable",
                          f"java.lang.IllegalArgumentException: Unknown package: {rest[0]}")
    pm.set_enabled(rest[0], state)
    ctx.out(f"Package {rest[0]} new state: {state}\n")
    return 0


def _resolve_activity(ctx: Context, args: list[str]) -> int:
    brief = "--brief" in args
    target = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-a", "-c", "-d", "-t", "-f", "--user", "-p"):
            i += 2
            continue
        if arg == "-n" and i + 1 < len(args):
            target = args[i + 1]
            i += 2
            continue
        if not arg.startswith("-"):
            target = arg
        i += 1
    pm = _manager(ctx)
    component = None
    if target and "/" in target:
        name, cls = target.split("/", 1)
        pkg = pm.get(name)
        full = name + cls if cls.startswith(".") else cls
        if pkg is not None and full in pkg.activities:
            component = short_component(name, full)
    elif target:
        component = pm.resolve_launcher(target)
    if component is None:
        ctx.out("No activity found\n")
        return 0
    # ResolveInfo's first line, then (--brief) the component or (default) ActivityInfo.dump
    ctx.out("priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=false\n")
    if brief:
        ctx.out(component + "\n")
    else:
        pkg_name, cls = component.split("/", 1)
        ctx.out(f"ActivityInfo:\n  name={pkg_name + cls if cls.startswith('.') else cls}\n"
                f"  packageName={pkg_name}\n  enabled=true exported=true directBootAware=false\n"
                f"  taskAffinity={pkg_name} targetActivity=null persistableMode=PERSIST_ROOT_ONLY\n")
    return 0


def package_command(ctx: Context, args: list[str]) -> int:
    """`cmd package ARGS` (and `pm ARGS`, which is a wrapper around it since Android 7)."""
    if not args or args[0] in ("-h", "help"):
        ctx.out("Package manager (package) commands:\n  help\n    Print this help text.\n"
                "  path [--user USER_ID] PACKAGE\n  dump PACKAGE\n  list packages [-f] [-d] [-e] [-s] [-3] "
                "[-i] [-l] [-u] [-U] [--show-versioncode] [FILTER]\n  list instrumentation [-f] [TARGET-PACKAGE]\n"
                "  resolve-activity [--brief] PACKAGE\n  install [-rtfdgR] [-S BYTES] [PATH|-]\n"
                "  install-create / install-write / install-commit / install-abandon\n"
                "  uninstall [-k] [--user USER_ID] PACKAGE\n  clear [--user USER_ID] PACKAGE\n"
                "  enable|disable|disable-user|default-state PACKAGE\n  grant|revoke PACKAGE PERMISSION\n")
        return 0
    verb, rest = args[0], args[1:]
    handler = _VERBS.get(verb)
    if handler is None:
        ctx.stderr.write(f"Unknown command: {verb}\n".encode())
        return 255
    try:
        return handler(ctx, rest)
    except (ValueError, IndexError):  # a missing or malformed option value, as Java's parse errors
        return _exception(ctx, verb, f"java.lang.IllegalArgumentException: bad arguments: {' '.join(rest)}")


def _enabled_setter(state: str):
    return lambda ctx, args: _set_enabled(ctx, args, state)


def _reply(text: str):
    def answer(ctx: Context, args: list[str]) -> int:
        ctx.out(text)
        return 0
    return answer


def _incremental(ctx: Context, args: list[str]) -> int:
    # no incremental file system here: adb then falls back to a normal streamed install
    ctx.out("Failure [INSTALL_FAILED_INTERNAL_ERROR: incremental installs are not supported]\n")
    return 1


_VERBS = {
    "install": _install,
    "install-create": _install_create,
    "install-write": _install_write,
    "install-commit": _install_commit,
    "install-abandon": _install_abandon,
    "install-destroy": _install_abandon,
    "install-existing": _install_existing,
    "install-incremental": _incremental,
    "install-streaming": _incremental,
    "uninstall": _uninstall,
    "list": _list,
    "path": _path,
    "clear": _clear,
    "grant": lambda ctx, args: _grant_revoke(ctx, args, True),
    "revoke": lambda ctx, args: _grant_revoke(ctx, args, False),
    "enable": _enabled_setter("enabled"),
    "disable": _enabled_setter("disabled"),
    "disable-user": _enabled_setter("disabled-user"),
    "disable-until-used": _enabled_setter("disabled-until-used"),
    "default-state": _enabled_setter("default"),
    "resolve-activity": _resolve_activity,
    "dump": lambda ctx, args: dumpsys_package(ctx, args),
    "compile": _reply("Success\n"),
    "bg-dexopt-job": _reply("Success\n"),
    "force-dex-opt": _reply("Success\n"),
    "trim-caches": _reply(""),
    "get-install-location": _reply("0[auto]\n"),
    "has-feature": _reply("true\n"),
}


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _dump_one(ctx: Context, pkg: Package) -> None:
    ident = f"{zlib.crc32(pkg.name.encode()) & 0xFFFFFFF:x}"
    flags = ["SYSTEM"] if pkg.system else []
    if pkg.updated_system:
        flags.append("UPDATED_SYSTEM_APP")
    flags += ["HAS_CODE", "ALLOW_CLEAR_USER_DATA", "ALLOW_BACKUP"]
    lines = [
        f"  Package [{pkg.name}] ({ident}):",
        f"    appId={pkg.uid}",
        f"    pkg=Package{{{ident} {pkg.name}}}",
        f"    codePath={pkg.code_path}",
        f"    resourcePath={pkg.code_path}",
        f"    legacyNativeLibraryDir={pkg.code_path}/lib",
        "    extractNativeLibs=false",
        "    primaryCpuAbi=null",
        "    secondaryCpuAbi=null",
        "    cpuAbiOverride=null",
        f"    versionCode={pkg.version_code} minSdk={pkg.min_sdk} targetSdk={pkg.target_sdk}",
        "    minExtensionVersions=[]",
        f"    versionName={pkg.version_name if pkg.version_name is not None else 'null'}",
        "    usesNonSdkApi=false",
        f"    splits=[{', '.join(['base'] + [n[6:-4] for n in pkg.split_apks])}]",
        "    apkSigningVersion=2",
        f"    flags=[ {' '.join(flags)} ]",
        "    privateFlags=[ PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE_VIA_SDK_VERSION "
        "ALLOW_AUDIO_PLAYBACK_CAPTURE PRIVATE_FLAG_ALLOW_NATIVE_HEAP_POINTER_TAGGING ]",
        "    forceQueryable=false",
        f"    dataDir={pkg.data_dir}",
        "    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]",
        f"    timeStamp={_when(pkg.last_update_time)}",
        f"    lastUpdateTime={_when(pkg.last_update_time)}",
        f"    installerPackageName={pkg.installer if pkg.installer else 'null'}",
        "    packageSource=0",
        f"    firstInstallTime={_when(pkg.first_install_time)}",
        "    installPermissionsFixed=true",
        f"    pkgFlags=[ {' '.join(flags)} ]",
    ]
    if pkg.requested_permissions:
        lines.append("    requested permissions:")
        lines += [f"      {p}" for p in pkg.requested_permissions]
    install = pkg.install_permissions()
    if install:
        lines.append("    install permissions:")
        lines += [f"      {p}: granted=true" for p in install]
    state = {"default": 0, "enabled": 1, "disabled": 2, "disabled-user": 3, "disabled-until-used": 4}
    lines.append(f"    User 0: ceDataInode={pkg.uid * 7 + 1} installed=true hidden=false suspended=false "
                 f"distractionFlags=0 stopped=false notLaunched=false enabled={state[pkg.enabled_state]} "
                 f"instant=false virtual=false")
    runtime = pkg.runtime_permissions()
    if runtime:
        lines.append("      runtime permissions:")
        for perm in runtime:
            granted = "true" if perm in pkg.granted_permissions else "false"
            lines.append(f"        {perm}: granted={granted}, flags=[ USER_SENSITIVE_WHEN_GRANTED|"
                         f"USER_SENSITIVE_WHEN_DENIED]")
    ctx.out("\n".join(lines) + "\n")


def dumpsys_package(ctx: Context, args: list[str]) -> int:
    """`dumpsys package [PKG]`: the Packages: section in Android's layout."""
    names = [a for a in args if not a.startswith("-")]
    pm = _manager(ctx)
    if names and names[0] not in ("packages", "p"):
        pkg = pm.get(names[0])
        chosen = [pkg] if pkg is not None else []
    else:
        chosen = pm.installed()
    if not chosen:
        return 0
    activities = [(p, a) for p in chosen if p.launcher_activity for a in [p.launcher_activity]]
    if activities:
        ctx.out("Activity Resolver Table:\n  Non-Data Actions:\n      android.intent.action.MAIN:\n")
        for pkg, act in activities:
            ident = f"{zlib.crc32(act.encode()) & 0xFFFFFFF:x}"
            ctx.out(f"        {ident} {short_component(pkg.name, act)} filter {ident[::-1]}\n"
                    f"          Action: \"android.intent.action.MAIN\"\n"
                    f"          Category: \"android.intent.category.LAUNCHER\"\n")
        ctx.out("\n")
    ctx.out("Packages:\n")
    for pkg in chosen:
        _dump_one(ctx, pkg)
    ctx.out("\n")
    return 0


@applet("pm")
def pm_applet(ctx: Context, argv: list[str]) -> int:
    return package_command(ctx, argv[1:])


__all__ = ["Instrumentation", "InstallError", "Package", "PackageManager", "package_command", "dumpsys_package"]


#: The `dumpsys NAME` and `cmd NAME` this module answers (the phone's table collects them).
SERVICE_COMMANDS = ServiceCommands(dumpsys={"package": dumpsys_package}, cmd={"package": package_command})
