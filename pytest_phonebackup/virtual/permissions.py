"""Who may do what to the phone's files, as on Android 14: its users (root, shell, apps), its
read-only mounts, the owner, group and mode each path shows, and the one check every file operation
of a user passes (`UserStorage`). Not for resolving paths or touching host files (storage.py).
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat as statmod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .storage import CountedWriter, Resolved, Storage

READ, WRITE, SEARCH = 4, 2, 1  # the rwx bits of one class (access(2)'s R_OK, W_OK, X_OK)

# AID_* of system/core/libcutils/include/private/android_filesystem_config.h
AID_ROOT, AID_SYSTEM, AID_SHELL, AID_MEDIA_RW = 0, 1000, 2000, 1023
AID_EXT_DATA_RW, AID_EXT_OBB_RW, AID_EVERYBODY = 1078, 1079, 9997
#: The supplementary groups adbd gives its shell on Android 14 (what `id` prints).
SHELL_GROUPS = (1004, 1007, 1011, 1015, 1028, 1078, 1079, 3001, 3002, 3003, 3006, 3009, 3011, 3012)


@dataclass(frozen=True)
class User:
    """A uid with its groups: whom an operation runs as."""

    uid: int
    gid: int
    groups: frozenset[int]

    @property
    def root(self) -> bool:
        return self.uid == AID_ROOT

    def in_group(self, gid: int) -> bool:
        return gid == self.gid or gid in self.groups


ROOT = User(AID_ROOT, AID_ROOT, frozenset(SHELL_GROUPS))  # `adb root`: adbd keeps the shell's groups
SHELL = User(AID_SHELL, AID_SHELL, frozenset(SHELL_GROUPS))


def app_user(uid: int) -> User:
    """An installed app's user (u0_aN): its own uid and gid, plus inet and everybody."""
    return User(uid, uid, frozenset({3003, AID_EVERYBODY}))


#: Mounts the shell may write to; everything else lives on the read-only system images
#: (`/`, /system, /vendor, /product, /apex are dm-verity ext4/erofs mounted `ro` on Android 14).
WRITABLE_MOUNTS = ("/data", "/storage", "/mnt", "/dev", "/proc", "/sys", "/cache", "/config", "/acct")
#: Shared storage: MediaProvider's FUSE daemon, not the kernel's mode bits, decides who may do what.
FUSE_ROOT = "/storage/emulated"
SHARED_STORAGE = "/storage/emulated/0"
#: What `ls -ld` shows for the system's own folders on an API 34 emulator: (uid, gid, mode).
FIXED_NODES: dict[str, tuple[int, int, int]] = {
    "/": (AID_ROOT, AID_ROOT, 0o755),
    "/system": (AID_ROOT, AID_ROOT, 0o755),
    "/system/bin": (AID_ROOT, AID_SHELL, 0o755),
    "/vendor": (AID_ROOT, AID_SHELL, 0o755),
    "/data": (AID_SYSTEM, AID_SYSTEM, 0o771),
    "/data/local": (AID_ROOT, AID_ROOT, 0o751),
    "/data/local/tmp": (AID_SHELL, AID_SHELL, 0o771),
    "/data/data": (AID_SYSTEM, AID_SYSTEM, 0o771),
    "/data/app": (AID_SYSTEM, AID_SYSTEM, 0o771),
    "/data/system": (AID_SYSTEM, AID_SYSTEM, 0o775),
    "/data/system/packages.xml": (AID_SYSTEM, AID_SYSTEM, 0o640),
    "/data/user": (AID_SYSTEM, AID_SYSTEM, 0o711),
    "/data/user_de": (AID_SYSTEM, AID_SYSTEM, 0o711),
    "/data/user_de/0": (AID_SYSTEM, AID_SYSTEM, 0o771),
    "/storage": (AID_ROOT, AID_ROOT, 0o755),
    "/mnt": (AID_ROOT, AID_SYSTEM, 0o755),
}
#: Folders whose whole tree belongs to the system user (system_server writes them).
SYSTEM_TREES = ("/data/system", "/data/app")
#: Where apps keep their private files: /data/data/<package>, /data/user_de/0/<package>.
APP_DATA_ROOTS = ("/data/data", "/data/user_de/0")
#: The shell's own trees: what it creates there is its own (the shell user owns /data/local/tmp).
SHELL_TREES = ("/data/local/tmp", "/data/user_de/0/com.android.shell")


def under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def read_only(device: str) -> bool:
    """True when the path lives on a read-only mount (writes fail with EROFS, even for root); a
    mount point is the root of its own file system."""
    return not any(under(device, mount) for mount in WRITABLE_MOUNTS)


#: The stat_result fields beyond the first ten that this platform has (kept by `present`).
_STAT_EXTRAS = tuple(name for name in (
    "st_atime", "st_mtime", "st_ctime", "st_atime_ns", "st_mtime_ns", "st_ctime_ns",
    "st_blksize", "st_blocks", "st_rdev") if hasattr(os.stat_result, name))


def denied(code: int, path: str) -> OSError:
    return OSError(code, os.strerror(code), path)


class Permissions:
    """The phone's ownership model: what each path shows and who may use it. `app_uid` names the
    uid that owns a package's data (the package manager's table), None for unknown packages."""

    def __init__(self, app_uid: Callable[[str], int | None] | None = None):
        self.app_uid = app_uid or (lambda name: None)

    def _media_provider_uid(self) -> int:
        return self.app_uid("com.android.providers.media.module") or 10094

    def app_of(self, device: str) -> tuple[str, int] | None:
        """(package folder, owner uid) when the path is inside an app's private data."""
        for root in APP_DATA_ROOTS:
            if device.startswith(root + "/"):
                name = device[len(root) + 1:].split("/", 1)[0]
                uid = self.app_uid(name)
                if uid is not None:
                    return f"{root}/{name}", uid
        return None

    def owner(self, device: str, st: os.stat_result) -> tuple[int, int, int] | None:
        """(uid, gid, permission bits) the phone shows for a path, or None to keep the host's."""
        fixed = FIXED_NODES.get(device)
        if fixed is not None:
            return fixed
        if under(device, SHARED_STORAGE):
            return self._shared_storage_owner(device, statmod.S_ISDIR(st.st_mode))
        app = self.app_of(device)
        if app is not None:
            folder, uid = app
            return uid, uid, 0o700 if device == folder else statmod.S_IMODE(st.st_mode)
        if any(under(device, tree) for tree in SYSTEM_TREES):
            return AID_SYSTEM, AID_SYSTEM, statmod.S_IMODE(st.st_mode)
        return None

    def _shared_storage_owner(self, device: str, folder: bool) -> tuple[int, int, int]:
        """API 30+ shared storage: MediaProvider's FUSE daemon answers getattr with the stat of the
        lower file in /data/media/0, which MediaProvider itself created: its uid, group media_rw
        (vold makes /data/media setgid media_rw), folders 2770, files 0660. vold prepares Android/
        and its data/ and obb/ folders for media_rw with ext_data_rw / ext_obb_rw groups, 2771."""
        rel = device[len(SHARED_STORAGE):]
        if rel in ("", "/Android"):
            return AID_MEDIA_RW, AID_MEDIA_RW, 0o2770 if rel == "" else 0o2771
        if rel in ("/Android/data", "/Android/obb"):
            return AID_MEDIA_RW, AID_EXT_DATA_RW if rel.endswith("data") else AID_EXT_OBB_RW, 0o2771
        return self._media_provider_uid(), AID_MEDIA_RW, 0o2770 if folder else 0o660

    def present(self, device: str, st: os.stat_result) -> os.stat_result:
        """The stat a phone's client sees: owner, group and mode from the model."""
        shown = self.owner(device, st)
        if shown is None or statmod.S_ISLNK(st.st_mode):
            return st
        uid, gid, perms = shown
        fields: list[Any] = list(st[:10])
        fields[0], fields[4], fields[5] = statmod.S_IFMT(st.st_mode) | perms, uid, gid
        return os.stat_result(fields, {name: getattr(st, name) for name in _STAT_EXTRAS})

    def grants(self, user: User, device: str) -> bool:
        """Whatever the mode bits say: root; shared storage, where MediaProvider's FUSE daemon lets
        the shell and apps in; the shell in its own trees; an app in its own data."""
        if user.root or under(device, FUSE_ROOT):
            return True
        if user.uid == AID_SHELL and any(under(device, tree) for tree in SHELL_TREES):
            return True
        app = self.app_of(device)
        return app is not None and app[1] == user.uid

    def allowed(self, user: User, device: str, st: os.stat_result | None, access: int) -> bool:
        """May `user` read/write/search this path? (`st` is what `present` showed; None when the
        path does not exist, which grants.) Read-only mounts are the caller's check."""
        if st is None or self.grants(user, device):
            return True
        mode = st.st_mode
        if st.st_uid == user.uid:
            bits = (mode >> 6) & 7
        elif user.in_group(st.st_gid):
            bits = (mode >> 3) & 7
        else:
            bits = mode & 7
        return bits & access == access

    def is_owner(self, user: User, device: str, st: os.stat_result) -> bool:
        """chmod, utimensat with times: the owner (or root) only."""
        return self.grants(user, device) or st.st_uid == user.uid


class UserStorage:
    """The phone's files as one user sees them: every operation checks the model first and fails
    with the errno the phone's kernel gives (EROFS, EACCES, EPERM). What it does not override
    (capacity, `to_device`, `info`) is the storage's own."""

    def __init__(self, storage: Storage, user: User):
        self._storage = storage
        self.user = user
        self.permissions: Permissions = storage.permissions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    # -- the checks -----------------------------------------------------------------------------
    def _need(self, device: str, access: int, shown: str, st: os.stat_result | None = None) -> None:
        if access & WRITE and read_only(device):
            raise denied(errno.EROFS, shown)
        if self.user.root:
            return
        if st is None:
            fixed = FIXED_NODES.get(device)
            if fixed is not None and self._fixed_allows(fixed, access):
                return  # a missing node grants too, and a symlink's rwxrwxrwx always does
        if self.permissions.grants(self.user, device):
            return  # whatever the path's mode bits say
        if st is None:
            try:
                st = self._storage.lstat(device)
            except OSError:
                st = None
        if not self.permissions.allowed(self.user, device, st, access):
            raise denied(errno.EACCES, shown)

    def _fixed_allows(self, fixed: tuple[int, int, int], access: int) -> bool:
        """The check of `allowed` on a system node, from the owner and mode it always shows."""
        uid, gid, mode = fixed
        shift = 6 if uid == self.user.uid else 3 if self.user.in_group(gid) else 0
        return (mode >> shift) & access == access

    def _traverse(self, device: str, shown: str) -> None:
        """Search permission on every folder above the path (the kernel's path walk)."""
        if self.user.root:
            return
        # `device` is canonical (as resolved): its folders are the prefixes before each "/", top down
        end = 0
        while end >= 0:
            folder = device[:end] or "/"
            if folder in FIXED_NODES or (folder.startswith("/data/") and self.permissions.app_of(folder) is not None):
                self._need(folder, SEARCH, shown)
            end = device.find("/", end + 1)

    def _parent(self, device: str, shown: str) -> None:
        """Creating or removing a name changes its folder: write and search there, on a writable mount."""
        folder = posixpath.dirname(device) or "/"
        if read_only(folder):
            raise denied(errno.EROFS, shown)
        self._traverse(device, shown)
        self._need(folder, WRITE | SEARCH, shown)

    def _entry(self, path: str, cwd: str) -> str:
        return self._storage.resolve(path.rstrip("/") or "/", cwd, follow=False).device

    # -- reading --------------------------------------------------------------------------------
    def resolve(self, path: str, cwd: str = "/", follow: bool = True) -> Resolved:
        res = self._storage.resolve(path, cwd, follow)
        self._traverse(res.device, path)
        return res

    def host(self, path: str, cwd: str = "/", follow: bool = True) -> str:
        return self.resolve(path, cwd, follow).host

    def stat(self, path: str, cwd: str = "/") -> os.stat_result:
        return self._storage.info(self.resolve(path, cwd), path)

    def lstat(self, path: str, cwd: str = "/") -> os.stat_result:
        return self._storage.info(self.resolve(path, cwd, follow=False), path)

    def exists(self, path: str, cwd: str = "/") -> bool:
        try:
            self.stat(path, cwd)
            return True
        except OSError:
            return False

    def open_read(self, path: str, cwd: str = "/", buffered: bool = True):
        res = self.resolve(path, cwd)
        self._need(res.device, READ, path)
        return self._storage.open_resolved(res, path, buffered)

    def listdir(self, path: str, cwd: str = "/", by_name: bool = True) -> list[Any]:
        res = self.resolve(path, cwd)
        self._need(res.device, READ, path)
        return self._storage.listdir(path, cwd, by_name)

    def readlink(self, path: str, cwd: str = "/") -> str:
        self.resolve(path, cwd, follow=False)
        return self._storage.readlink(path, cwd)

    def walk(self, path: str, cwd: str = "/") -> Iterator[tuple[str, list[os.DirEntry], list[os.DirEntry]]]:
        """The storage's walk, without the folders this user may not read."""
        self.resolve(path, cwd)
        for folder, dirs, others in self._storage.walk(path, cwd):
            if self.user.root or self.permissions.allowed(self.user, folder, self._storage.lstat(folder), READ):
                yield folder, dirs, others

    # -- writing --------------------------------------------------------------------------------
    def open_write(self, path: str, cwd: str = "/", append: bool = False, mode: int = 0o666,
                   make_parents: bool = False) -> CountedWriter:
        if path.endswith("/") or posixpath.basename(path) in (".", ".."):
            return self._storage.open_write(path, cwd, append, mode)  # EISDIR, before any lookup
        res = self._storage.resolve(path, cwd)
        if not self._storage.kernel_owns(res.device):
            self._traverse(res.device, path)
            if make_parents:
                self.makedirs(posixpath.dirname(res.device) or "/")
            try:
                st = self._storage.info(res)  # res names no link: its lstat is that of res.device
            except OSError:
                self._parent(res.device, path)
            else:
                self._need(res.device, WRITE, path, st)
        return self._storage.open_write(path, cwd, append, mode, make_parents)

    def write_bytes(self, path: str, data: bytes, cwd: str = "/", make_parents: bool = False) -> None:
        with self.open_write(path, cwd, make_parents=make_parents) as out:
            out.write(data)

    def makedirs(self, path: str, cwd: str = "/", mode: int = 0o771) -> None:
        res = self._storage.resolve(path, cwd)
        missing = []
        folder = res.device
        while not self._storage.exists(folder):
            missing.append(folder)
            folder = posixpath.dirname(folder)
        for name in reversed(missing):  # `mkdir -p` names the first folder it could not make
            self._parent(name, name if path.startswith("/") and res.device == posixpath.normpath(path) else path)
        self._storage.makedirs(path, cwd, mode)

    def mkdir(self, path: str, cwd: str = "/", mode: int = 0o771) -> None:
        device = self._entry(path, cwd)
        if not self._storage.kernel_owns(device) and not self._storage.exists(device):
            self._parent(device, path)
        self._storage.mkdir(path, cwd, mode)

    def mkfifo(self, path: str, cwd: str = "/", mode: int = 0o644) -> None:
        device = self._entry(path, cwd)
        if not self._storage.kernel_owns(device) and not self._storage.exists(device):
            self._parent(device, path)
        self._storage.mkfifo(path, cwd, mode)

    def symlink(self, target: str, path: str, cwd: str = "/") -> None:
        device = self._entry(path, cwd)
        if not self._storage.kernel_owns(device):
            self._parent(device, path)
        self._storage.symlink(target, path, cwd)

    def _removing(self, path: str, cwd: str) -> None:
        device = self._entry(path, cwd)
        if not self._storage.kernel_owns(device):
            self._parent(device, path)

    def unlink(self, path: str, cwd: str = "/") -> None:
        self._removing(path, cwd)
        self._storage.unlink(path, cwd)

    def rmdir(self, path: str, cwd: str = "/") -> None:
        self._removing(path, cwd)
        self._storage.rmdir(path, cwd)

    def remove_tree(self, path: str, cwd: str = "/") -> None:
        """rm -rf, depth first and checked entry by entry, as the kernel checks each unlink: what
        this user may remove goes; the refusal raised at the end is the operand's own if it has one
        (the last one toybox prints), else the first one below it."""
        device = self._entry(path, cwd)
        if not statmod.S_ISDIR(self._storage.lstat(device).st_mode):
            self.unlink(device)
            return
        first: OSError | None = None
        try:
            children = [entry.name for entry in self.listdir(device, by_name=False)]
        except OSError as exc:
            first, children = exc, []
        for name in children:
            try:
                self.remove_tree(posixpath.join(device, name))
            except OSError as exc:
                first = first or exc
        try:
            self.rmdir(device)
        except OSError as exc:
            first = exc if first is None or exc.errno != errno.ENOTEMPTY else first
        if first is not None:
            raise first

    def rename(self, src: str, dst: str, cwd: str = "/") -> None:
        self._removing(src, cwd)
        self._removing(dst, cwd)
        self._storage.rename(src, dst, cwd)

    def _owned(self, path: str, cwd: str, follow: bool) -> None:
        res = self.resolve(path, cwd, follow)
        if self._storage.kernel_owns(res.device):
            return
        if read_only(res.device):
            raise denied(errno.EROFS, path)
        st = self._storage.info(res)  # resolved as `follow` asks: its stat, or lstat
        if not self.permissions.is_owner(self.user, res.device, st):
            raise denied(errno.EPERM, path)

    def utime(self, path: str, mtime: float, atime: float | None = None, cwd: str = "/",
              follow: bool = True) -> None:
        self._owned(path, cwd, follow)
        self._storage.utime(path, mtime, atime, cwd, follow)

    def chmod(self, path: str, mode: int, cwd: str = "/") -> None:
        self._owned(path, cwd, True)
        self._storage.chmod(path, mode, cwd)
