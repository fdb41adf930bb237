"""The virtual phone's file system: a host folder that holds the phone's files.

Device paths are resolved here component by component, following the phone's own symlinks in
*device* space, so no path (`/sdcard/../../../etc/passwd`, a hostile symlink pushed over sync) can
reach outside the phone's folder. Every write goes through here so the phone's capacity is
enforced (`No space left on device`), as on a full phone. Paths under /proc and /dev are answered
by the phone's kernel (`procfs.KernelFiles`), never by the host folder. Not for parsing commands or
protocols.

Rule for every caller: never hand a host path that may be a symlink to the OS to follow (no
`open`, `os.stat` with following, `shutil.copytree` on it). Resolve through `Storage`, list with
`os.scandir(...)` + `follow_symlinks=False`, and open with the helpers here.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat as statmod
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .permissions import Permissions, User, UserStorage
from .procfs import KernelFiles

# The shared-storage tree Android exposes to adb; the other names are symlinks to it, as on a phone.
EXTERNAL_STORAGE = "/storage/emulated/0"
STANDARD_FOLDERS = ("Alarms", "DCIM", "Documents", "Download", "Movies", "Music", "Notifications",
                    "Pictures", "Podcasts", "Ringtones", "Android/data", "Android/media")
DEVICE_SYMLINKS = {
    "/sdcard": "/storage/self/primary",
    "/storage/self/primary": "/mnt/user/0/primary",
    "/mnt/user/0/primary": EXTERNAL_STORAGE,
    "/mnt/sdcard": "/sdcard",
    "/etc": "/system/etc",
}
DEVICE_FOLDERS = ("/data/local/tmp", "/data/system", "/system/bin", "/system/etc", "/vendor",
                  "/proc", "/dev", "/mnt/user/0", "/storage/self", "/acct", "/cache", "/config")
# rootdir/init.rc (post-fs-data): `chmod 0771 /data`, `mkdir /data/local 0751 root root`,
# `mkdir /data/local/tmp 0771 shell shell`
DEVICE_FOLDER_MODES = {"/data": 0o771, "/data/local": 0o751, "/data/local/tmp": 0o771}
MAX_SYMLINK_HOPS = 40  # Linux's MAXSYMLINKS


def _skeleton() -> frozenset[str]:
    """Device paths of the system's own folders and links (and every folder above them)."""
    paths = {"/"}
    for path in (*DEVICE_SYMLINKS, *DEVICE_FOLDERS, EXTERNAL_STORAGE):
        while path not in ("", "/"):
            paths.add(path)
            path = posixpath.dirname(path)
    return frozenset(paths)


#: On a phone these live on read-only or root-owned file systems: the shell user cannot remove or
#: rename them (`rm -rf /sdcard` must not take the storage link away).
SYSTEM_SKELETON = _skeleton()


def device_error(code: int, path: str) -> OSError:
    """An OSError carrying the *device* path, so messages never show the host folder."""
    return OSError(code, os.strerror(code), path)


@dataclass(frozen=True)
class Resolved:
    """A device path and the host path that holds it."""

    device: str  # canonical absolute device path, symlinks resolved as asked
    host: str


FOLDERS_REMEMBERED = 20_000  # resolved folders kept at once (a 100,000-photo gallery has 1,000)


class Storage:
    """A phone's files under one host folder, with a capacity.

    `capacity` counts the apparent size of regular files (what `df` shows as used on the data
    partition). Writes past it fail with ENOSPC after filling what fits, like a real full disk.
    """

    def __init__(self, root: str | Path, capacity: int = 8 * 1024**3, kernel: KernelFiles | None = None):
        self.root = str(Path(root).resolve())
        self.capacity = int(capacity)
        #: /proc and /dev: paths below them are answered by the kernel, never by the host folder.
        self.kernel = kernel
        self._lock = threading.Lock()
        self._used = 0
        self.on_full: list = []  # callbacks(device_path) when a write hits ENOSPC (logcat, apps)
        #: Who owns what, as every stat shows it; `as_user` checks it before each operation.
        self.permissions = Permissions()
        #: Folder path as asked -> (its components once symlinks are followed, hops taken), for
        #: paths that met no kernel file and no `.`/`..`; forgotten whenever a link may have changed.
        self._folders: dict[str, tuple[list[str], int]] = {}
        self._folders_generation = 0
        self._folders_lock = threading.Lock()
        os.makedirs(self.root, exist_ok=True)
        self._lay_out()
        self.recount()

    # -- layout ------------------------------------------------------------------------------
    def _lay_out(self) -> None:
        for folder in DEVICE_FOLDERS + (EXTERNAL_STORAGE,):
            os.makedirs(self.root + folder, exist_ok=True)
        for folder, mode in DEVICE_FOLDER_MODES.items():
            os.chmod(self.root + folder, mode)
        for folder in STANDARD_FOLDERS:
            os.makedirs(self.root + EXTERNAL_STORAGE + "/" + folder, exist_ok=True)
        for link, target in DEVICE_SYMLINKS.items():
            host = self.root + link
            if not os.path.lexists(host):
                os.makedirs(os.path.dirname(host), exist_ok=True)
                os.symlink(target, host)

    # -- path resolution ---------------------------------------------------------------------
    def resolve(self, path: str, cwd: str = "/", follow: bool = True) -> Resolved:
        """Map a device path to its host path; symlinks are followed inside the phone only.

        `follow=False` leaves the last component alone (lstat/readlink semantics), except that a
        trailing slash, as in `/sdcard/`, goes through a link and demands a folder (POSIX path
        resolution; ENOTDIR otherwise). A name followed by `.` or `..` must be a folder too.
        Other missing components are fine (the caller gets ENOENT when it uses the path).
        """
        if not path:
            raise device_error(errno.ENOENT, path)
        if "\0" in path:
            raise device_error(errno.EINVAL, path)
        full = path if path.startswith("/") else posixpath.join(cwd or "/", path)
        trailing_slash = full.endswith("/")
        components = [c for c in full.split("/") if c]
        parts: list[str] = []
        hops = 0
        if len(components) > 1:
            # Every component but the last is always followed: the folder it names resolves the
            # same way for each file in it, so it is walked once and remembered.
            parts, hops = self._folder(components[:-1], path)
            components = components[-1:]
        components.reverse()
        parts, _, _ = self._walk(components, parts, hops, path, follow, trailing_slash)
        if trailing_slash:
            self._require_folder(parts, path, missing_ok=True)
        device = "/" + "/".join(parts)
        return Resolved(device, self.root + ("" if device == "/" else device))

    def _folder(self, components: list[str], shown: str) -> tuple[list[str], int]:
        key = "/".join(components)
        known = self._folders.get(key)
        if known is not None:
            return list(known[0]), known[1]
        generation = self._folders_generation
        pending = list(reversed(components))
        parts, hops, plain = self._walk(pending, [], 0, shown, True, False)
        if plain:
            with self._folders_lock:
                if generation == self._folders_generation:
                    if len(self._folders) >= FOLDERS_REMEMBERED:
                        self._folders.clear()
                    self._folders[key] = (list(parts), hops)
        return parts, hops

    def _forget_folders(self) -> None:
        """A symlink or folder changed: resolve every path afresh. Called after the change, so a
        walk that ran during it is not kept (its generation is stale)."""
        with self._folders_lock:
            self._folders_generation += 1
            self._folders.clear()

    def _walk(self, pending: list[str], parts: list[str], hops: int, path: str, follow: bool,
              trailing_slash: bool) -> tuple[list[str], int, bool]:
        """Resolve `pending` (components, last first) onto `parts`; also says whether the walk was
        plain: no kernel file and no `..` met, so its result depends only on the links and folders
        (a `.` only asks for the folder it follows, which stays one until an rmdir or rename makes
        every path resolve afresh; `adb push DIR/.` sends every file's path with one)."""
        plain = True
        while pending:
            name = pending.pop()
            if name in (".", ".."):
                if name == "..":
                    plain = False
                self._require_folder(parts, path, missing_ok=False)
                if name == ".." and parts:
                    parts.pop()
                continue
            device = "/" + "/".join(parts) + "/" + name if parts else "/" + name
            kernel = self.kernel_owns(device)
            if kernel:
                plain = False
            target = None
            if follow or trailing_slash or pending:
                if kernel:
                    target = self.kernel.readlink(device)  # type: ignore[union-attr]
                else:
                    try:
                        target = os.readlink(self.root + device)
                    except OSError:  # not a link (EINVAL), or nothing there
                        pass
            if target is not None:
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    raise device_error(errno.ELOOP, path)
                if target.startswith("/"):
                    parts = []
                more = [c for c in target.split("/") if c]
                more.reverse()
                pending.extend(more)
                continue
            parts.append(name)
        return parts, hops, plain

    def kernel_owns(self, device: str) -> bool:
        return self.kernel is not None and self.kernel.owns(device)

    def as_user(self, user: User) -> UserStorage:
        """These files as `user` sees them: each operation checks Android's permissions first."""
        return UserStorage(self, user)

    def _require_folder(self, parts: list[str], shown: str, missing_ok: bool) -> None:
        """ENOTDIR unless the resolved components name a folder (ENOENT if missing, unless ok)."""
        try:
            mode = self._stat(Resolved("/" + "/".join(parts), self.root + "/" + "/".join(parts)), shown).st_mode
        except FileNotFoundError:
            if missing_ok:
                return
            raise device_error(errno.ENOENT, shown) from None
        except NotADirectoryError:
            raise device_error(errno.ENOTDIR, shown) from None
        if not statmod.S_ISDIR(mode):
            raise device_error(errno.ENOTDIR, shown)

    def _entry(self, path: str, cwd: str = "/") -> Resolved:
        """The directory entry a path names, never followed (unlink, rmdir, rename, mkdir,
        symlink): as in Linux, `link/` names the link itself, and must then be a folder."""
        bare = path.rstrip("/") or "/"
        res = self.resolve(bare, cwd, follow=False)
        if bare != path:
            try:
                mode = os.lstat(res.host).st_mode
            except FileNotFoundError:
                return res
            if not statmod.S_ISDIR(mode):
                raise device_error(errno.ENOTDIR, path)
        return res

    def host(self, path: str, cwd: str = "/", follow: bool = True) -> str:
        return self.resolve(path, cwd, follow).host

    def to_device(self, host_path: str) -> str:
        """The device path of a host path under the root (for walkers that list host folders)."""
        rel = os.path.relpath(host_path, self.root)
        if rel == "." :
            return "/"
        if rel.startswith(".."):
            raise ValueError(f"{host_path} is outside the phone's storage")
        return "/" + rel.replace(os.sep, "/")

    # -- reading -----------------------------------------------------------------------------
    def lstat(self, path: str, cwd: str = "/") -> os.stat_result:
        return self._stat(self.resolve(path, cwd, follow=False), path)

    def stat(self, path: str, cwd: str = "/") -> os.stat_result:
        return self._stat(self.resolve(path, cwd, follow=True), path)

    def info(self, res: Resolved, shown: str = "") -> os.stat_result:
        """lstat of a resolved path: what applets that walk host folders must use for the entries they
        name, so /proc and /dev answer as the kernel does."""
        return self._stat(res, shown or res.device)

    def _stat(self, res: Resolved, shown: str) -> os.stat_result:
        if self.kernel_owns(res.device):
            try:
                return self.kernel.stat(res.device)  # type: ignore[union-attr]
            except OSError as exc:
                raise device_error(exc.errno or errno.EIO, shown) from None
        try:
            return self.permissions.present(res.device, os.lstat(res.host))
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, shown) from None

    def exists(self, path: str, cwd: str = "/") -> bool:
        try:
            self.stat(path, cwd)
            return True
        except OSError:
            return False

    def open_read(self, path: str, cwd: str = "/", buffered: bool = True):
        """Open a regular file for binary reading (refuses folders with EISDIR). `buffered=False`
        gives the file's raw reader, for callers that read it whole into their own buffer."""
        return self.open_resolved(self.resolve(path, cwd), path, buffered)

    def open_resolved(self, res: Resolved, path: str, buffered: bool = True):
        """`open_read` of a path already resolved (`path` is what error messages name)."""
        if self.kernel_owns(res.device):
            try:
                return self.kernel.open_read(res.device)  # type: ignore[union-attr]
            except OSError as exc:
                raise device_error(exc.errno or errno.EIO, path) from None
        try:
            fd = os.open(res.host, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None
        if statmod.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise device_error(errno.EISDIR, path)
        return os.fdopen(fd, "rb", buffering=-1 if buffered else 0)

    def listdir(self, path: str, cwd: str = "/", by_name: bool = True) -> list[Any]:
        """A folder's entries by name (or in directory order): `os.DirEntry`s, or `KernelEntry`s
        under /proc and /dev."""
        res = self.resolve(path, cwd)
        if self.kernel_owns(res.device):
            try:
                names = self.kernel.listdir(res.device)  # type: ignore[union-attr]
            except OSError as exc:
                raise device_error(exc.errno or errno.EIO, path) from None
            return sorted((KernelEntry(self, res, name) for name in names), key=lambda e: e.name)
        try:
            with os.scandir(res.host) as it:
                return sorted(it, key=lambda e: e.name) if by_name else list(it)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None

    def readlink(self, path: str, cwd: str = "/") -> str:
        res = self.resolve(path, cwd, follow=False)
        if self.kernel_owns(res.device):
            target = self.kernel.readlink(res.device)  # type: ignore[union-attr]
            if target is None:
                raise device_error(errno.EINVAL if self.exists(res.device) else errno.ENOENT, path)
            return target
        try:
            return os.readlink(self.resolve(path, cwd, follow=False).host)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None

    # -- capacity ----------------------------------------------------------------------------
    @property
    def used(self) -> int:
        return self._used

    @property
    def free(self) -> int:
        return max(0, self.capacity - self._used)

    def recount(self) -> int:
        """Recompute used bytes by walking the tree (after changes made behind the phone's back)."""
        self._forget_folders()  # those changes may have moved links too
        total = 0
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                try:
                    st = os.lstat(os.path.join(dirpath, name))
                except OSError:
                    continue
                if statmod.S_ISREG(st.st_mode):
                    total += st.st_size
        with self._lock:
            self._used = total
        return total

    def reserve(self, nbytes: int, device_path: str = "") -> int:
        """Claim up to `nbytes` of free space; returns how many were granted (0..nbytes)."""
        with self._lock:
            granted = max(0, min(nbytes, self.capacity - self._used))
            self._used += granted
        if granted < nbytes:
            for callback in list(self.on_full):
                try:
                    callback(device_path)
                except Exception:  # noqa: BLE001 - a listener must not break the write path
                    pass
        return granted

    def release(self, nbytes: int) -> None:
        with self._lock:
            self._used = max(0, self._used - nbytes)

    # -- writing -----------------------------------------------------------------------------
    def open_write(self, path: str, cwd: str = "/", append: bool = False, mode: int = 0o666,
                   make_parents: bool = False) -> CountedWriter:
        """Open (create or truncate, or append) a regular file, counting bytes against capacity.
        Under /dev and /proc the kernel's writer (/dev/null drops bytes) or its refusal."""
        if path.endswith("/") or posixpath.basename(path) in (".", ".."):
            raise device_error(errno.EISDIR, path)  # open(2) with O_CREAT refuses a name ending in "/"
        res = self.resolve(path, cwd)
        if self.kernel_owns(res.device):
            try:
                return self.kernel.open_write(res.device)  # type: ignore[union-attr]
            except OSError as exc:
                raise device_error(exc.errno or errno.EIO, path) from None
        if make_parents:
            self.makedirs(posixpath.dirname(res.device) or "/")
        old_size = 0
        try:
            st = os.lstat(res.host)
            if statmod.S_ISDIR(st.st_mode):
                raise device_error(errno.EISDIR, path)
            if statmod.S_ISREG(st.st_mode) and not append:
                old_size = st.st_size
        except FileNotFoundError:
            pass
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        flags |= os.O_APPEND if append else os.O_TRUNC
        try:
            fd = os.open(res.host, flags, mode)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None
        self.release(old_size)
        return CountedWriter(self, fd, res.device)

    def write_bytes(self, path: str, data: bytes, cwd: str = "/", make_parents: bool = False) -> None:
        with self.open_write(path, cwd, make_parents=make_parents) as out:
            out.write(data)

    def makedirs(self, path: str, cwd: str = "/", mode: int = 0o771) -> None:
        res = self.resolve(path, cwd)
        if self.kernel_owns(res.device):
            if self.exists(res.device) and statmod.S_ISDIR(self.stat(res.device).st_mode):
                return
            self._refuse_kernel(res, path, creating=True)
        try:
            os.makedirs(res.host, mode=mode, exist_ok=True)
        except FileExistsError:
            raise device_error(errno.EEXIST, path) from None
        except NotADirectoryError:
            raise device_error(errno.ENOTDIR, path) from None

    def mkdir(self, path: str, cwd: str = "/", mode: int = 0o771) -> None:
        res = self.resolve(path.rstrip("/") or "/", cwd, follow=False)  # whatever is there: EEXIST
        if self.kernel_owns(res.device):
            if self.exists(res.device):
                raise device_error(errno.EEXIST, path)
            self._refuse_kernel(res, path, creating=True)
        try:
            os.mkdir(res.host, mode)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None

    def mkfifo(self, path: str, cwd: str = "/", mode: int = 0o644) -> None:
        """A named pipe, exactly `mode` (the caller applies the umask)."""
        res = self.resolve(path, cwd, follow=False)
        if self.kernel_owns(res.device):
            if self.exists(res.device):
                raise device_error(errno.EEXIST, path)
            self._refuse_kernel(res, path, creating=True)
        try:
            os.mkfifo(res.host, mode)
            os.chmod(res.host, mode)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None

    def _refuse_system(self, res: Resolved, shown: str) -> None:
        self._refuse_kernel(res, shown)
        if res.device in SYSTEM_SKELETON:
            raise device_error(errno.EROFS, shown)

    def _refuse_kernel(self, res: Resolved, shown: str, creating: bool = False) -> None:
        """Nobody changes what the kernel serves: the error a phone's kernel gives for the change."""
        if self.kernel_owns(res.device):
            code = self.kernel.refuse_change(res.device, creating).errno  # type: ignore[union-attr]
            raise device_error(code or errno.EACCES, shown)

    def unlink(self, path: str, cwd: str = "/") -> None:
        res = self._entry(path, cwd)
        self._refuse_system(res, path)
        try:
            st = os.lstat(res.host)
            if statmod.S_ISDIR(st.st_mode):
                raise device_error(errno.EISDIR, path)
            os.unlink(res.host)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None
        if statmod.S_ISLNK(st.st_mode):
            self._forget_folders()
        if statmod.S_ISREG(st.st_mode) and st.st_nlink <= 1:
            self.release(st.st_size)

    def rmdir(self, path: str, cwd: str = "/") -> None:
        res = self._entry(path, cwd)
        if res.device == "/":
            raise device_error(errno.EBUSY, path)
        self._refuse_system(res, path)
        try:
            os.rmdir(res.host)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None
        finally:
            self._forget_folders()

    def remove_tree(self, path: str, cwd: str = "/") -> None:
        """rm -rf: symlinks inside are removed, never followed. The system's own folders and links
        stay (EROFS at the end), as they would for the shell user on a phone; user files under
        them go."""
        res = self._entry(path, cwd)
        st = self._stat(res, path)
        self._refuse_kernel(res, path)
        if not statmod.S_ISDIR(st.st_mode):
            self.unlink(res.device)
            return
        try:
            if self._empty_folder(res.host) or res.device in SYSTEM_SKELETON:
                raise device_error(errno.EROFS, path)
            os.rmdir(res.host)
        finally:
            self._forget_folders()

    def _empty_folder(self, host_dir: str) -> bool:
        """Remove what a folder holds, depth first; the system's own folders are emptied but stay
        (True when one had to).
        Each entry is classified by lstat, so a link to a folder is unlinked, never entered."""
        kept = False
        with os.scandir(host_dir) as it:
            entries = list(it)
        for entry in entries:
            device = self.to_device(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if self._empty_folder(entry.path) or device in SYSTEM_SKELETON:
                    kept = True
                else:
                    os.rmdir(entry.path)
            elif device in SYSTEM_SKELETON:
                kept = True
            else:
                self.unlink(device)
        return kept

    def rename(self, src: str, dst: str, cwd: str = "/") -> None:
        a = self._entry(src, cwd)
        b = self._entry(dst, cwd)  # rename(2) replaces a symlink, never its target
        self._refuse_system(a, src)
        self._refuse_system(b, dst)
        replaced = 0
        try:
            st = os.lstat(b.host)
            if statmod.S_ISREG(st.st_mode) and st.st_nlink <= 1:
                replaced = st.st_size
        except FileNotFoundError:
            pass
        try:
            os.rename(a.host, b.host)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, src) from None
        finally:
            self._forget_folders()
        self.release(replaced)

    def symlink(self, target: str, path: str, cwd: str = "/") -> None:
        """Create a symlink whose target is device text (never interpreted on the host)."""
        res = self._entry(path, cwd)
        self._refuse_kernel(res, path, creating=True)
        try:
            os.symlink(target, res.host)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None
        finally:
            self._forget_folders()

    def utime(self, path: str, mtime: float, atime: float | None = None, cwd: str = "/",
              follow: bool = True) -> None:
        res = self.resolve(path, cwd, follow=follow)
        self._refuse_kernel(res, path)
        try:
            os.utime(res.host, (mtime if atime is None else atime, mtime), follow_symlinks=False)
        except OSError as exc:
            raise device_error(exc.errno or errno.EIO, path) from None

    def chmod(self, path: str, mode: int, cwd: str = "/") -> None:
        res = self.resolve(path, cwd)
        self._refuse_kernel(res, path)
        try:
            os.chmod(res.host, mode, follow_symlinks=False)
        except (OSError, NotImplementedError) as exc:
            raise device_error(getattr(exc, "errno", None) or errno.EIO, path) from None

    def walk(self, path: str, cwd: str = "/") -> Iterator[tuple[str, list[os.DirEntry], list[os.DirEntry]]]:
        """Like os.walk over device paths, never following symlinks: (device_dir, dirs, others)."""
        start = self.resolve(path, cwd)
        stack = [start.host]
        while stack:
            host_dir = stack.pop()
            try:
                with os.scandir(host_dir) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            dirs = [e for e in entries if e.is_dir(follow_symlinks=False)]
            others = [e for e in entries if not e.is_dir(follow_symlinks=False)]
            yield self.to_device(host_dir), dirs, others
            stack.extend(e.path for e in reversed(dirs))


class CountedWriter:
    """A binary file writer that counts bytes against the phone's capacity."""

    def __init__(self, storage: Storage, fd: int, device_path: str):
        self._storage = storage
        self._fd = fd
        self.device_path = device_path
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data)
        granted = self._storage.reserve(len(view), self.device_path)
        done = 0
        while done < granted:
            done += os.write(self._fd, view[done:granted])
        self.written += done
        if granted < len(view):
            raise device_error(errno.ENOSPC, self.device_path)
        return done

    def truncate(self, size: int) -> None:
        current = os.fstat(self._fd).st_size
        if size < current:
            os.ftruncate(self._fd, size)
            self._storage.release(current - size)

    def fileno(self) -> int:
        return self._fd

    def flush(self) -> None:
        """Nothing to do: writes go straight to the file descriptor, unbuffered."""

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> CountedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class KernelEntry:
    """A folder entry under /proc or /dev, shaped like `os.DirEntry` for the callers of `listdir`."""

    def __init__(self, storage: Storage, folder: Resolved, name: str):
        self._storage = storage
        self.name = name
        self.device = posixpath.join(folder.device, name)
        self.path = folder.host + "/" + name

    def stat(self, follow_symlinks: bool = True) -> os.stat_result:
        if follow_symlinks:
            return self._storage.stat(self.device)
        return self._storage.lstat(self.device)

    def is_dir(self, follow_symlinks: bool = True) -> bool:
        try:
            return statmod.S_ISDIR(self.stat(follow_symlinks).st_mode)
        except OSError:
            return False

    def is_file(self, follow_symlinks: bool = True) -> bool:
        try:
            return statmod.S_ISREG(self.stat(follow_symlinks).st_mode)
        except OSError:
            return False

    def is_symlink(self) -> bool:
        return statmod.S_ISLNK(self.stat(False).st_mode)

    def inode(self) -> int:
        return self.stat(False).st_ino
