"""`Phone`: one Android device over ADB (adbutils and the real adb server) — shell, files, props,
media, apps, network, reboot, screenshots, logcat; the same on virtual phones, emulators and hardware.
Only it and the provisioners speak ADB. Not for starting phones (`provision`) or deciding what to seed.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import shlex
import socket
import stat
import struct
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from adbutils import AdbClient, AdbError, AdbTimeout

from ..errors import NotReadyError, PhoneError, SafetyError, ShellCommandError
from ..phonelike import Checkpoint, Progress, RemoteFile, ShellResult, StorageUsage

log = logging.getLogger(__name__)

KINDS = ("virtual", "emulator", "hardware")
TMP_DIR = "/data/local/tmp"
SHARED_STORAGE = "/sdcard"  # the gallery, downloads, ... ($EXTERNAL_STORAGE on every Android)  # the folder every Android build lets the shell user write to
PATH_LIST_BATCH = 2000  # files per batched shell call (hashing, removing)
SYNC_CHUNK = 64 * 1024  # SYNC.TXT: DATA chunks are at most 64 KiB
SYNC_MAX_PATH = 1024  # SYNC.TXT: request paths are at most 1024 bytes
STAT_V2 = struct.Struct("<4sIQQIIIIQqqq")  # file_sync_protocol.h: sync_stat_v2 (STA2/LST2 reply)
DENT_V2 = struct.Struct("<4sIQQIIIIQqqqI")  # file_sync_protocol.h: sync_dent_v2 (LIS2 entry) + namelen
DENT_V1 = struct.Struct("<4sIIII")  # file_sync_protocol.h: sync_dent (LIST entry) + namelen
STAT_V1 = struct.Struct("<4sIII")  # file_sync_protocol.h: sync_stat_v1 (STAT reply)

def _b(text: str) -> bytes:
    """Device paths and commands travel as bytes; names that are not UTF-8 survive via surrogates."""
    return text.encode("utf-8", "surrogateescape")


def _s(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


class Phone:
    """One Android device, reached through the adb server `adb` talks to.

        phone = Phone("emulator-5554", adbutils.AdbClient())
        phone.push("cat.jpg", "/sdcard/DCIM/cat.jpg")
        assert phone.hash_files(["/sdcard/DCIM/cat.jpg"])

    Safety: the phone remembers what this harness wrote (`created`). It refuses to overwrite or
    delete anything else, and on real hardware refuses destructive actions unless `allow_wipe`.
    """

    def __init__(self, serial: str, adb: AdbClient | None = None, kind: str = "virtual", *,
                 allow_wipe: bool = False):
        if kind not in KINDS:
            raise ValueError(f"phone kind {kind!r} is not one of {', '.join(KINDS)}")
        self.serial = serial
        self.adb = adb or AdbClient()
        self.kind = kind
        self.allow_wipe = allow_wipe
        self.device = self.adb.device(serial)
        self.created: set[str] = set()  # device paths (files and folders) this harness created
        self._folders: set[str] = set()  # the folders among them
        self.installed: set[str] = set()  # packages this harness installed
        self._features: set[str] | None = None
        self._forwards: set[str] = set()

    def __repr__(self) -> str:
        return f"Phone({self.serial!r}, kind={self.kind!r})"

    @property
    def is_emulator(self) -> bool:
        return self.kind in ("virtual", "emulator")

    # -- transport ---------------------------------------------------------------------------
    @property
    def features(self) -> set[str]:
        if self._features is None:
            self._features = set(self.device.get_features().split(","))
        return self._features

    def _open(self, service: str, timeout: float | None) -> Any:
        """A stream to `service` on the phone (an adbutils AdbConnection), already accepted."""
        try:
            conn = self.device.open_transport(timeout=timeout)
            # Sync sends small requests back to back; without this each waits out a delayed ACK (~40 ms).
            conn.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            data = _b(service)
            conn.conn.sendall(b"%04x" % len(data) + data)
            conn.check_okay()
        except AdbError as exc:
            raise PhoneError(f"{self.serial}: adb refused `{service[:80]}`: {exc}; is the phone "
                             "still listed by `adb devices`?") from exc
        except OSError as exc:
            raise PhoneError(f"{self.serial}: cannot reach the adb server: {exc}") from exc
        return conn

    # -- shell -------------------------------------------------------------------------------
    def shell(self, cmd: str, check: bool = True, timeout: float | None = 120) -> ShellResult:
        """Run `cmd` with the phone's shell; stdout and stderr apart, with the exit status.

        Raises ShellCommandError when `check` and the status is not 0; PhoneError on timeout.
        """
        status, out, err = self.shell_bytes(cmd, timeout=timeout)
        result = ShellResult(status, _s(out), _s(err))
        if check and status != 0:
            raise ShellCommandError(self.serial, cmd, status, result.stdout, result.stderr)
        return result

    def shell_bytes(self, cmd: str, timeout: float | None = 120) -> tuple[int, bytes, bytes]:
        """(status, stdout, stderr) as bytes. Uses shell protocol v2 when the phone has it."""
        try:
            if "shell_v2" in self.features:
                return self._shell_v2(cmd, timeout)
            return self._shell_v1(cmd, timeout)
        except (TimeoutError, AdbTimeout) as exc:
            raise PhoneError(f"{self.serial}: `{cmd[:120]}` did not finish within {timeout}s") from exc
        except (AdbError, EOFError, ConnectionError) as exc:
            raise PhoneError(f"{self.serial}: connection lost while running `{cmd[:120]}`: {exc}") from exc

    def _shell_v2(self, cmd: str, timeout: float | None) -> tuple[int, bytes, bytes]:
        conn = self._open(f"shell,v2,raw:{cmd}", timeout)
        out, err, status = bytearray(), bytearray(), 255
        try:
            # shell_protocol.h: id u8 + length u32; 1 stdout, 2 stderr, 3 exit; 4 closes our stdin
            conn.conn.sendall(b"\x04\x00\x00\x00\x00")
            while True:
                header = conn.read_exact(5)
                kind, length = header[0], int.from_bytes(header[1:], "little")
                data = conn.read_exact(length) if length else b""
                if kind == 1:
                    out += data
                elif kind == 2:
                    err += data
                elif kind == 3:
                    status = data[0] if data else 255
                    break
        finally:
            conn.close()
        return status, bytes(out), bytes(err)

    def _shell_v1(self, cmd: str, timeout: float | None) -> tuple[int, bytes, bytes]:
        marker = f"PHONEBACKUP-EXIT-{uuid.uuid4().hex[:8]}:"
        conn = self._open(f"shell:{cmd}; echo {marker}$?", timeout)
        try:
            data = conn.read_until_close(encoding=None)
        finally:
            conn.close()
        cut = data.rfind(marker.encode())
        if cut < 0:
            raise PhoneError(f"{self.serial}: `{cmd[:120]}` ended without an exit status (connection lost?)")
        return int(data[cut + len(marker):].strip() or 255), data[:cut], b""

    def exec_out(self, cmd: str, timeout: float | None = 120) -> bytes:
        """Binary-safe stdout of `cmd` (`adb exec-out`)."""
        conn = self._open(f"exec:{cmd}", timeout)
        try:
            return conn.read_until_close(encoding=None)
        finally:
            conn.close()

    # -- files -------------------------------------------------------------------------------
    @contextmanager
    def _sync(self) -> Iterator[_SyncSession]:
        conn = self._open("sync:", timeout=300)
        session = _SyncSession(conn, self.serial, v2="ls_v2" in self.features and "stat_v2" in self.features)
        try:
            yield session
            session.quit()
        finally:
            conn.close()

    def stat(self, remote: str) -> RemoteFile | None:
        """The file at `remote` (following symlinks), or None when there is none."""
        with self._sync() as sync:
            return sync.stat(remote)

    def exists(self, remote: str) -> bool:
        return self.stat(remote) is not None

    def push(self, local: str | Path, remote: str, progress: Progress | None = None) -> None:
        """Copy a host file to the phone, keeping its modification time.

        Refuses (SafetyError) to overwrite a file on the phone that this harness did not create.
        """
        local = Path(local)
        size = local.stat().st_size
        with self._sync() as sync:
            existing = sync.stat(remote)
            if existing is not None and existing.is_dir:
                remote = posixpath.join(remote, local.name)
                existing = sync.stat(remote)
            self._check_may_write(remote, existing)
            if existing is None:
                self._note_new_folders(sync, posixpath.dirname(remote))
            sync.send(local, remote, progress, 0, size)
        self.created.add(remote)

    def _note_new_folders(self, sync: _SyncSession, folder: str) -> None:
        """Remember the missing folders above a file about to be written: the sync service creates
        them, so they are the harness's to remove."""
        while folder not in ("", "/") and sync.stat(folder) is None:
            self.created.add(folder)
            self._folders.add(folder)
            folder = posixpath.dirname(folder)

    def push_tree(self, local_dir: str | Path, remote_dir: str, progress: Progress | None = None) -> list[str]:
        """Copy a host folder's files into `remote_dir` (created if missing); returns the device paths.

        Keeps modification times; empty folders are created too; host symlinks are skipped.
        Refuses to overwrite files the harness did not create.
        """
        local_dir = Path(local_dir)
        if not local_dir.is_dir():
            raise PhoneError(f"cannot push {local_dir}: not a folder on this computer")
        files: list[tuple[Path, str]] = []
        folders: list[str] = []  # empty ones, which no file creates
        every_folder: list[str] = []
        for root, dirnames, filenames in os.walk(local_dir):
            rel = Path(root).relative_to(local_dir).as_posix()
            base = remote_dir if rel == "." else posixpath.join(remote_dir, rel)
            every_folder.append(base)
            if not dirnames and not filenames:
                folders.append(base)
            for name in sorted(filenames):
                if (Path(root) / name).is_symlink():
                    continue  # only regular files travel; a host symlink could point anywhere
                files.append((Path(root) / name, posixpath.join(base, name)))
        total = sum(path.stat().st_size for path, _ in files)
        existing = {item.path: item for item in self.list_tree(remote_dir)} if self.exists(remote_dir) else None
        for _, remote in files:
            self._check_may_write(remote, existing.get(remote) if existing else None)
        done = 0
        with self._sync() as sync:
            if existing is None:
                self._note_new_folders(sync, remote_dir)
            # The target folder itself is never listed by list_tree: it is new only if it was missing.
            new_folders = [path for path in every_folder
                           if existing is None or (path != remote_dir and path not in existing)]
            self.created.update(new_folders)
            self._folders.update(new_folders)
            for local, remote in files:
                done = sync.send(local, remote, progress, done, total)
                self.created.add(remote)
        if folders:
            self._run_with_paths(folders, "mkdir -p --")
        return [remote for _, remote in files]

    def pull(self, remote: str, local: str | Path, progress: Progress | None = None) -> Path:
        """Copy a phone file to `local` (a file path, or an existing folder), keeping its mtime."""
        local = Path(local)
        with self._sync() as sync:
            info = sync.stat(remote)
            if info is None:
                raise PhoneError(f"{self.serial}: cannot pull {remote}: no such file on the phone")
            if info.is_dir:
                raise PhoneError(f"{self.serial}: {remote} is a folder; use pull_tree()")
            if local.is_dir():
                local = local / _safe_name(posixpath.basename(remote.rstrip("/")), remote)
            sync.recv(remote, local, info, progress, 0, info.size)
        return local

    def pull_tree(self, remote_dir: str, local_dir: str | Path, progress: Progress | None = None) -> list[Path]:
        """Copy a phone folder into `local_dir`; returns the host paths written.

        Every name from the phone is checked: nothing is written outside `local_dir`, whatever
        the phone calls its files ('..', absolute names, names with '/', symlinks on the host).
        """
        dest = Path(local_dir)
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        entries = self.list_tree(remote_dir)
        total = sum(item.size for item in entries if not item.is_dir and not item.is_symlink)
        written: list[Path] = []
        done = 0
        with self._sync() as sync:
            for item in entries:
                rel = posixpath.relpath(item.path, remote_dir)
                target = _inside(root, rel, item.path)
                if item.is_dir:
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                if item.is_symlink:
                    continue  # never recreate phone symlinks on the host; their targets are listed apart
                target.parent.mkdir(parents=True, exist_ok=True)
                done = sync.recv(item.path, target, item, progress, done, total)
                written.append(target)
        return written

    def list_tree(self, remote_dir: str) -> list[RemoteFile]:
        """Every file and folder under `remote_dir` (not itself), through sync listings (LIS2, or
        LIST on old phones): one round trip per folder, not one shell call per file."""
        found: list[RemoteFile] = []
        with self._sync() as sync:
            pending = [remote_dir.rstrip("/") or "/"]
            while pending:
                folder = pending.pop()
                for item in sync.listdir(folder):
                    found.append(item)
                    if item.is_dir:
                        pending.append(item.path)
        found.sort(key=lambda item: item.path)
        return found

    def hash_files(self, paths: Iterable[str]) -> dict[str, str]:
        """SHA-256 of phone files, computed on the phone in batches; missing files are left out."""
        wanted = list(dict.fromkeys(paths))
        hashes: dict[str, str] = {}
        for start in range(0, len(wanted), PATH_LIST_BATCH):
            batch = wanted[start:start + PATH_LIST_BATCH]
            result = self._run_with_paths(batch, "sha256sum --", check=False)
            hashes.update(_parse_sums(result.stdout, batch))
        return hashes

    def remove(self, paths: Iterable[str]) -> None:
        """Delete files or folders this harness created. Anything else raises SafetyError."""
        doomed = list(dict.fromkeys(paths))
        for path in doomed:
            if not self.harness_created(path):
                raise SafetyError(f"{self.serial}: refusing to delete {path}: this harness did not create "
                                  "it, and it may be someone's data")
        if not doomed:
            return
        if self.kind != "hardware":
            self._run_with_paths(doomed, "rm -rf --")
        else:
            # On someone's phone a folder goes only once empty: their own new photos may have
            # landed in a folder the harness made (DCIM/Camera), and those must stay.
            def under(path: str) -> bool:
                return any(path == root or path.startswith(root.rstrip("/") + "/") for root in doomed)

            files = sorted(path for path in self.created if under(path) and path not in self._folders)
            folders = sorted((path for path in self._folders if under(path)), key=lambda p: p.count("/"),
                             reverse=True)
            if files:
                self._run_with_paths(files, "rm -f --")
            if folders:
                self._run_with_paths(folders, "rmdir --", check=False)
        gone = {path for path in self.created if any(path == root or path.startswith(root.rstrip("/") + "/")
                                                      for root in doomed)}
        self.created -= gone
        self._folders -= gone

    def checkpoint(self) -> Checkpoint:
        """What the harness has created so far; `cleanup(checkpoint)` undoes what came after.

        On emulators and the virtual phone it also lists shared storage, so files a test made by
        other means (a shell `cp`, an app restoring) are removed too. Never on hardware: there only
        what the harness wrote itself is ever deleted."""
        listing = None
        if self.is_emulator:
            listing = frozenset(item.path for item in self.list_tree(SHARED_STORAGE))
        return Checkpoint(frozenset(self.created), frozenset(self.installed), listing)

    def cleanup(self, since: Checkpoint) -> None:
        """Delete the files and uninstall the packages created after `since`."""
        for package in sorted(self.installed - since.installed):
            self.uninstall(package)
        new = set(self.created - since.created)
        if since.shared_files is not None and self.is_emulator:
            appeared = {item.path for item in self.list_tree(SHARED_STORAGE)} - since.shared_files
            self.created |= appeared  # made during the test on an emulator: the harness's own
            new |= appeared
        # a folder created after `since` takes its contents with it
        roots = sorted(path for path in new if not any(path.startswith(other + "/") for other in new))
        if roots:
            self.remove(roots)
        self.created -= new
        self._folders -= new

    def save_artifacts(self, folder: Path, since: str | None = None) -> list[Path]:
        """Screenshot and logcat (from `since`, a `clock()` value) into `folder`, for a failed test.
        A part that cannot be taken is replaced by a note saying why."""
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for name, take in (("screenshot.png", self.screenshot), ("logcat.txt", lambda: _b(self.logcat(since)))):
            path = folder / name
            try:
                path.write_bytes(take())
            except PhoneError as exc:
                path = path.with_suffix(path.suffix + ".error.txt")
                path.write_text(f"{exc}\n")
            saved.append(path)
        return saved

    def harness_created(self, path: str) -> bool:
        """True when `path` (or a folder above it) was created by this harness."""
        path = path.rstrip("/")
        while path and path != "/":
            if path in self.created:
                return True
            path = posixpath.dirname(path)
        return False

    def require_wipe_allowed(self, action: str) -> None:
        """Raise SafetyError for a destructive `action` on real hardware without allow_wipe."""
        if self.kind == "hardware" and not self.allow_wipe:
            raise SafetyError(f"{self.serial} is real hardware: refusing to {action}; it may hold someone's "
                              "own photos. Pass --phone-allow-wipe if this phone is a test device.")

    def _check_may_write(self, remote: str, existing: RemoteFile | None) -> None:
        if existing is not None and not self.harness_created(remote):
            raise SafetyError(f"{self.serial}: refusing to overwrite {remote}: it was on the phone before "
                              "and this harness did not create it; choose another path")

    def _run_with_paths(self, paths: list[str], command: str, check: bool = True) -> ShellResult:
        """Run `xargs -0 <command>` over `paths`. The list travels as a NUL-separated file over
        sync, so any name (quotes, newlines, leading dashes, non-UTF-8) arrives intact."""
        listing = f"{TMP_DIR}/phonebackup-paths-{uuid.uuid4().hex[:12]}"
        with self._sync() as sync:
            sync.send_bytes(b"".join(_b(path) + b"\0" for path in paths), listing)
        try:
            return self.shell(f"xargs -0 {command} < {listing}", check=check, timeout=600)
        finally:
            self.shell(f"rm -f {listing}", check=False)

    # -- system ------------------------------------------------------------------------------
    def getprop(self, key: str) -> str:
        return self.shell(f"getprop {shlex.quote(key)}").stdout.strip()

    def getprops(self) -> dict[str, str]:
        """Every property (one `getprop` call)."""
        return dict(re.findall(r"^\[([^\]]+)\]: \[(.*)\]$", self.shell("getprop").stdout, re.M))

    def settings_get(self, namespace: str, key: str) -> str | None:
        value = self.shell(f"settings get {namespace} {shlex.quote(key)}").stdout.strip()
        return None if value == "null" else value

    def settings_put(self, namespace: str, key: str, value: str | int | float) -> None:
        self.shell(f"settings put {namespace} {shlex.quote(key)} {shlex.quote(str(value))}")

    def clock(self) -> str:
        """The phone's time as logcat prints it ('MM-DD hh:mm:ss.000'); pass it to logcat(since=)."""
        return self.shell("date '+%m-%d %H:%M:%S'").stdout.strip() + ".000"

    def media_scan(self, paths: Iterable[str] | None = None) -> None:
        """Make MediaStore index `paths` (the MEDIA_SCANNER_SCAN_FILE broadcast), or the whole
        external volume when None."""
        if paths is None:
            self.shell("content call --uri content://media/external/file --method scan_volume "
                       "--arg external_primary")
            return
        for path in paths:
            self.shell("am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d "
                       + shlex.quote("file://" + path))

    def query_media(self, uri: str = "content://media/external/images/media",
                    projection: Iterable[str] | None = None, where: str | None = None) -> list[dict[str, str]]:
        """Rows of `content query` as dicts of text ('NULL' stays 'NULL')."""
        columns = list(projection or [])
        cmd = f"content query --uri {shlex.quote(uri)}"
        if columns:
            cmd += " --projection " + shlex.quote(":".join(columns))
        if where:
            cmd += " --where " + shlex.quote(where)
        return parse_content_rows(self.shell(cmd).stdout, columns)

    # -- apps --------------------------------------------------------------------------------
    def install(self, apk: str | Path, *flags: str) -> str:
        """Install an APK (replacing an older version); returns its package name when pm tells."""
        apk = Path(apk)
        remote = f"{TMP_DIR}/phonebackup-{uuid.uuid4().hex[:8]}.apk"
        with self._sync() as sync:
            sync.send(apk, remote, None, 0, apk.stat().st_size)
        try:
            result = self.shell(f"pm install -r -t {' '.join(flags)} {remote}", check=False, timeout=300)
        finally:
            self.shell(f"rm -f {remote}", check=False)
        if "Success" not in result.stdout:
            raise PhoneError(f"{self.serial}: installing {apk.name} failed: "
                             f"{(result.stdout + result.stderr).strip() or f'status {result.status}'}")
        package = _apk_package(apk)
        if package:
            self.installed.add(package)
        return package

    def uninstall(self, package: str) -> None:
        """Uninstall a package. Packages this harness did not install count as destructive on hardware."""
        if package not in self.installed:
            self.require_wipe_allowed(f"uninstall {package}")
        result = self.shell(f"pm uninstall {shlex.quote(package)}", check=False)
        if "Success" not in result.stdout:
            raise PhoneError(f"{self.serial}: uninstalling {package} failed: "
                             f"{(result.stdout + result.stderr).strip()}")
        self.installed.discard(package)

    def clear_app_data(self, package: str) -> None:
        """`pm clear`: destructive, refused on hardware without allow_wipe."""
        self.require_wipe_allowed(f"clear the data of {package}")
        self.shell(f"pm clear {shlex.quote(package)}")

    def start_app(self, component: str) -> None:
        """Start `package/.Activity`, or a package's launcher activity when given a package only."""
        if "/" in component:
            result = self.shell(f"am start -W -n {shlex.quote(component)}", check=False)
        else:
            result = self.shell(f"monkey -p {shlex.quote(component)} -c android.intent.category.LAUNCHER 1",
                                check=False)
        text = result.stdout + result.stderr
        if result.status != 0 or "Error" in text or "No activities found" in text:
            raise PhoneError(f"{self.serial}: cannot start {component}: {text.strip() or result.status}")

    def stop_app(self, package: str) -> None:
        self.shell(f"am force-stop {shlex.quote(package)}")

    # -- network -----------------------------------------------------------------------------
    def set_wifi(self, on: bool) -> None:
        self.shell(f"svc wifi {'enable' if on else 'disable'}")

    def set_data(self, on: bool) -> None:
        self.shell(f"svc data {'enable' if on else 'disable'}")

    def set_airplane(self, on: bool) -> None:
        result = self.shell(f"cmd connectivity airplane-mode {'enable' if on else 'disable'}", check=False)
        if result.status != 0:  # before API 28: the setting plus the broadcast apps listen to
            self.settings_put("global", "airplane_mode_on", int(on))
            self.shell("am broadcast -a android.intent.action.AIRPLANE_MODE --ez state "
                       + ("true" if on else "false"))

    # -- lifecycle ---------------------------------------------------------------------------
    def reboot(self, wait: bool = True, timeout: float = 180) -> None:
        """Reboot; with `wait`, return when the phone is ready again."""
        boot_id = self._boot_marker()
        try:
            conn = self._open("reboot:", timeout=10)
            conn.close()
        except PhoneError:
            pass  # the phone may drop the stream as it goes down
        self._features = None
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # gone, or back with another boot
            if self._state() != "device":
                break
            try:
                if self._boot_marker() != boot_id:
                    break
            except PhoneError:
                break
            time.sleep(0.2)
        self.wait_ready(max(deadline - time.monotonic(), 1))

    def _boot_marker(self) -> str:
        result = self.shell("cat /proc/sys/kernel/random/boot_id 2>/dev/null; getprop sys.boot_completed",
                            check=False, timeout=10)
        return result.stdout

    def _state(self) -> str:
        try:
            for info in self.adb.list():
                if info.serial == self.serial:
                    return info.state
        except (AdbError, OSError):
            return "no adb server"
        return "absent"

    def wait_ready(self, timeout: float = 180, watch: Callable[[], None] | None = None,
                   poll: float = 0.25) -> None:
        """Wait until the phone is usable, phase by phase (each with `timeout` seconds):
        listed as `device`, boot completed, boot animation stopped, core services up, package
        manager and shared storage answering. `watch` is called at every poll (e.g. to check the
        emulator process is still alive) and may raise."""
        phases: list[tuple[str, Callable[[], tuple[bool, str]]]] = [
            ("listed as device", self._ready_listed),
            ("boot completed", self._ready_booted),
            ("boot animation stopped", self._ready_bootanim),
            ("services up", self._ready_services),
            ("package manager and storage", self._ready_storage),
        ]
        for name, check in phases:
            deadline = time.monotonic() + timeout
            seen = ""
            while True:
                if watch is not None:
                    watch()
                try:
                    done, seen = check()
                except PhoneError as exc:
                    done, seen = False, str(exc)
                if done:
                    log.debug("%s: %s", self.serial, name)
                    break
                if time.monotonic() >= deadline:
                    raise NotReadyError(self.serial, name, timeout, seen)
                time.sleep(poll)

    def _ready_listed(self) -> tuple[bool, str]:
        state = self._state()
        return state == "device", f"adb state {state}"

    def _ready_booted(self) -> tuple[bool, str]:
        out = self.shell("getprop sys.boot_completed; getprop dev.bootcomplete", check=False, timeout=10).stdout
        return "1" in out.split(), f"sys.boot_completed/dev.bootcomplete = {out.split()}"

    def _ready_bootanim(self) -> tuple[bool, str]:
        out = self.shell("getprop init.svc.bootanim", check=False, timeout=10).stdout.strip()
        return out in ("", "stopped"), f"init.svc.bootanim = {out!r}"

    def _ready_services(self) -> tuple[bool, str]:
        out = self.shell("service list", check=False, timeout=10).stdout
        names = set(re.findall(r"^\d+\s+([\w.]+):", out, re.M))
        missing = [name for name in ("activity", "package", "window", "input") if name not in names]
        return not missing, f"services missing: {', '.join(missing)}" if missing else "ok"

    def _ready_storage(self) -> tuple[bool, str]:
        result = self.shell('pm path android; test -d "$EXTERNAL_STORAGE" && echo storage-ok',
                            check=False, timeout=10)
        ok = "package:" in result.stdout and "storage-ok" in result.stdout
        return ok, (result.stdout + result.stderr).strip()[-200:]

    def prepare_for_tests(self) -> None:
        """After boot: no animations, no error dialogs stealing focus, screen unlocked."""
        for key in ("window_animation_scale", "transition_animation_scale", "animator_duration_scale"):
            self.settings_put("global", key, 0)
        self.settings_put("global", "hide_error_dialogs", 1)
        self.shell("input keyevent 82", check=False)

    # -- observation -------------------------------------------------------------------------
    def screenshot(self) -> bytes:
        """A PNG of the screen (`screencap -p`)."""
        data = self.exec_out("screencap -p")
        if not data.startswith(b"\x89PNG"):
            raise PhoneError(f"{self.serial}: screencap did not return a PNG: {data[:80]!r}")
        return data

    def logcat(self, since: str | None = None) -> str:
        """The log buffers as text (`logcat -d -v threadtime`), from `since` (a `clock()` value) on."""
        text = self.shell("logcat -d -v threadtime", timeout=60).stdout
        if since is None:
            return text
        return "".join(line for line in text.splitlines(keepends=True)
                       if not re.match(r"\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", line) or line[:18] >= since)

    def storage_usage(self, path: str = "$EXTERNAL_STORAGE") -> StorageUsage:
        out = self.shell(f'df -k "{path}"' if path.startswith("$") else f"df -k {shlex.quote(path)}").stdout
        rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
        if not rows or len(rows[-1]) < 4:
            raise PhoneError(f"{self.serial}: cannot read `df` output: {out.strip()[:200]}")
        total, used, free = (int(value) * 1024 for value in rows[-1][1:4])
        return StorageUsage(total, used, free)

    def info(self) -> dict[str, str]:
        props = self.getprops()
        return {
            "model": props.get("ro.product.model", ""),
            "manufacturer": props.get("ro.product.manufacturer", ""),
            "api": props.get("ro.build.version.sdk", ""),
            "release": props.get("ro.build.version.release", ""),
            "abi": props.get("ro.product.cpu.abi", ""),
            "serial": self.serial,
            "kind": self.kind,
        }

    # -- ports ------------------------------------------------------------------------------
    def forward(self, remote: str, local: str | None = None) -> int:
        """`adb forward` a host port to `remote` ('tcp:6790'); removed again by close()."""
        if local is None:
            port = self.device.forward_port(remote)
            local = f"tcp:{port}"
        else:
            self.device.forward(local, remote)
            port = int(local.split(":")[1])
        self._forwards.add(local)
        return port

    def close(self) -> None:
        """Remove the adb forwards this Phone made. The phone itself keeps running."""
        for local in sorted(self._forwards):
            try:
                self.device.forward_remove(local, raise_non_found=False)
            except (AdbError, OSError) as exc:
                log.debug("%s: removing forward %s: %s", self.serial, local, exc)
        self._forwards.clear()


class _SyncSession:
    """One `sync:` stream (SYNC.TXT): stat, list, send and receive files over the same connection."""

    def __init__(self, conn: Any, serial: str, v2: bool):
        self.conn, self.sock, self.serial, self.v2 = conn, conn.conn, serial, v2

    def _request(self, ident: bytes, path: str | bytes) -> None:
        data = _b(path) if isinstance(path, str) else path
        if len(data) > SYNC_MAX_PATH:
            raise PhoneError(f"{self.serial}: path too long for adb sync ({len(data)} bytes > {SYNC_MAX_PATH})")
        self.sock.sendall(ident + struct.pack("<I", len(data)) + data)

    def _read(self, size: int) -> bytes:
        return self.conn.read_exact(size) if size else b""

    def _fail(self, what: str) -> PhoneError:
        length = struct.unpack("<I", self._read(4))[0]
        return PhoneError(f"{self.serial}: {what}: {_s(self._read(length))}")

    def stat(self, path: str) -> RemoteFile | None:
        if self.v2:
            self._request(b"STA2", path)
            _, error, _, _, mode, _, _, _, size, _, mtime, _ = STAT_V2.unpack(self._read(STAT_V2.size))
            if error:
                return None
        else:
            self._request(b"STAT", path)
            _, mode, size, mtime = STAT_V1.unpack(self._read(STAT_V1.size))
            if mode == 0:
                return None
        return RemoteFile(path, size, float(mtime), mode, stat.S_ISDIR(mode))

    def listdir(self, folder: str) -> Iterator[RemoteFile]:
        self._request(b"LIS2" if self.v2 else b"LIST", folder)
        items = []
        while True:
            if self.v2:
                ident, error, _, _, mode, _, _, _, size, _, mtime, _, namelen = DENT_V2.unpack(
                    self._read(DENT_V2.size))
            else:
                ident, mode, size, mtime, namelen = DENT_V1.unpack(self._read(DENT_V1.size))
                error = 0
            if ident == b"DONE":
                break
            if ident not in (b"DENT", b"DNT2"):
                raise PhoneError(f"{self.serial}: unexpected sync reply {ident!r} listing {folder}")
            name = _s(self._read(namelen))
            if name in (".", "..") or error:
                continue
            items.append(RemoteFile(posixpath.join(folder, name), size, float(mtime), mode, stat.S_ISDIR(mode)))
        return iter(items)

    def send(self, local: Path, remote: str, progress: Progress | None, done: int, total: int) -> int:
        info = local.stat()
        with local.open("rb") as source:
            return self._send_stream(source, remote, stat.S_IFREG | (info.st_mode & 0o777), int(info.st_mtime),
                                     progress, done, total)

    def send_bytes(self, data: bytes, remote: str) -> None:
        import io

        self._send_stream(io.BytesIO(data), remote, stat.S_IFREG | 0o600, int(time.time()), None, 0, len(data))

    def _send_stream(self, source: IO[bytes], remote: str, mode: int, mtime: int,
                     progress: Progress | None, done: int, total: int) -> int:
        self._request(b"SEND", _b(remote) + b"," + str(mode).encode())
        while True:
            chunk = source.read(SYNC_CHUNK)
            if not chunk:
                break
            self.sock.sendall(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total, remote)
        self.sock.sendall(b"DONE" + struct.pack("<I", mtime & 0xFFFFFFFF))
        reply = self._read(4)
        if reply == b"FAIL":
            raise self._fail(f"cannot write {remote}")
        if reply != b"OKAY":
            raise PhoneError(f"{self.serial}: unexpected sync reply {reply!r} writing {remote}")
        self._read(4)
        return done

    def recv(self, remote: str, local: Path, info: RemoteFile, progress: Progress | None,
             done: int, total: int) -> int:
        self._request(b"RECV", remote)
        partial = local.with_name(local.name + ".part")
        # O_NOFOLLOW: a symlink planted in the destination must not redirect the write
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            with os.fdopen(fd, "wb") as target:
                while True:
                    ident = self._read(4)
                    length = struct.unpack("<I", self._read(4))[0]
                    if ident == b"DONE":
                        break
                    if ident == b"FAIL":
                        raise PhoneError(f"{self.serial}: cannot read {remote}: {_s(self._read(length))}")
                    if ident != b"DATA":
                        raise PhoneError(f"{self.serial}: unexpected sync reply {ident!r} reading {remote}")
                    target.write(self._read(length))
                    done += length
                    if progress is not None:
                        progress(done, total, remote)
            if local.is_symlink():
                local.unlink()
            os.replace(partial, local)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.utime(local, (info.mtime, info.mtime))
        return done

    def quit(self) -> None:
        try:
            self.sock.sendall(b"QUIT" + struct.pack("<I", 0))
        except OSError:
            pass


def _safe_name(name: str, remote: str) -> str:
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise SafetyError(f"refusing to pull {remote!r}: its name would escape the destination folder")
    return name


def _inside(root: Path, rel: str, remote: str) -> Path:
    """`root/rel`, provided every part is a plain name and no host symlink is on the way."""
    parts = rel.split("/")
    for part in parts:
        _safe_name(part, remote)
    target = root.joinpath(*parts)
    current = root
    for part in parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise SafetyError(f"refusing to pull {remote!r}: {current} is a symlink on this computer")
    if os.path.commonpath([root, target]) != str(root):
        raise SafetyError(f"refusing to pull {remote!r}: it would land outside {root}")
    return target


def _parse_sums(output: str, expected: list[str]) -> dict[str, str]:
    """Read `sha256sum` lines in the order of `expected`; a name may hold newlines or spaces, so
    each line is matched against the next expected names instead of split on whitespace."""
    hashes: dict[str, str] = {}
    pos, index = 0, 0
    while pos < len(output) and index < len(expected):
        digest = output[pos:pos + 64]
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            break
        rest = output[pos + 66:]  # digest, then two spaces (text mode) or " *" (binary mode)
        for candidate in range(index, len(expected)):
            name = expected[candidate]
            if rest.startswith(name + "\n"):
                hashes[name] = digest
                index = candidate + 1
                pos += 66 + len(name) + 1
                break
        else:
            break
    return hashes


def parse_content_rows(output: str, columns: list[str]) -> list[dict[str, str]]:
    """Rows printed by `content query` ("Row: 0 _id=1, _display_name=a, b.jpg, size=3").

    Values may contain ", ", so when the projection is known only its column names split a row.
    """
    rows: list[dict[str, str]] = []
    for match in re.finditer(r"^Row: \d+ (.*?)(?=^Row: \d+ |\Z)", output, re.M | re.S):
        body = match.group(1).rstrip("\n")
        if columns:
            names = "|".join(re.escape(name) for name in columns)
            pattern = rf"(?:^|, )({names})="
        else:
            pattern = r"(?:^|, )([A-Za-z_][A-Za-z0-9_]*)="
        keys = list(re.finditer(pattern, body))
        row: dict[str, str] = {}
        for i, key in enumerate(keys):
            end = keys[i + 1].start() if i + 1 < len(keys) else len(body)
            row[key.group(1)] = body[key.end():end]
        rows.append(row)
    return rows


def _apk_package(apk: Path) -> str:
    try:
        from pyaxmlparser import APK

        return APK(str(apk)).package or ""
    except Exception:  # noqa: BLE001 - a package name is a convenience, not required for the install
        return ""
