"""tar: create, list and extract archives on the phone's storage, as toybox's tar does.
Not for compression beyond what tarfile reads and writes.
"""

from __future__ import annotations

import errno
import io
import os
import posixpath
import stat as st
import tarfile
import time

from ...api import Context, applet
from ..options import UsageError, parse
from .base import CHUNK, entries, id_name, link_text, mode_string, strerror, to_bytes
from .copying import open_host_read


# -- tar -------------------------------------------------------------------------------------
class StreamReader(io.RawIOBase):
    """A phone stream (pipe or file) as a Python file object for tarfile's streaming mode."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class StreamWriter(io.RawIOBase):
    def __init__(self, stream):
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._stream.write(bytes(data))
        return len(data)


@applet("tar")
def tar(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if args and not args[0].startswith("-") and args[0]:
        args = ["-" + args[0]] + args[1:]
    try:
        opts = parse(["tar"] + args, "cxtvOopmhP", "fC", {"directory": "C", "file": "f", "to-stdout": "O"})
    except UsageError as exc:
        return ctx.fail(str(exc))
    modes = [m for m in "ctx" if m in opts]
    if len(modes) != 1:
        return ctx.fail('Needs -txc (see "tar --help")')
    archive = opts.get("f", "-")
    cwd = ctx.cwd
    if "C" in opts:
        try:
            cwd = ctx.storage.resolve(opts.get("C"), ctx.cwd).device
            if not st.S_ISDIR(ctx.storage.stat(cwd).st_mode):
                raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        except OSError as exc:
            return ctx.fail(f"{opts.get('C')}: {strerror(exc)}")
    if modes[0] == "c":
        return tar_create(ctx, opts, archive, cwd)
    return tar_read(ctx, opts, archive, cwd, extract=modes[0] == "x")


def tar_create(ctx: Context, opts, archive: str, cwd: str) -> int:
    if not opts.operands:
        return ctx.fail("empty archive")
    storage = ctx.storage
    if archive == "-":
        target = StreamWriter(ctx.stdout)
        writer_handle = None
    else:
        try:
            writer_handle = storage.open_write(archive, ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{archive}: {strerror(exc)}")
        target = StreamWriter(writer_handle)
    status = 0
    try:
        with tarfile.open(fileobj=target, mode="w|", format=tarfile.GNU_FORMAT,
                          encoding="utf-8", errors="surrogateescape") as out:
            for name in opts.operands:
                try:
                    res = storage.resolve(name, cwd, follow="h" in opts)
                    info = storage.info(res, name)
                except OSError as exc:
                    ctx.err(f"{name}: {strerror(exc)}")
                    status = 1
                    continue
                shown = name.lstrip("/") if "P" not in opts else name
                add_to_tar(ctx, out, shown.rstrip("/") or shown, res.host, info, opts)
    except OSError as exc:
        status = ctx.fail(f"{archive}: {strerror(exc)}")
    finally:
        if writer_handle is not None:
            writer_handle.close()
    if status:
        ctx.err("had errors")
    return status


def add_to_tar(ctx: Context, out: tarfile.TarFile, name: str, host: str, info: os.stat_result, opts) -> None:
    member = tarfile.TarInfo(name + ("/" if st.S_ISDIR(info.st_mode) else ""))
    member.mode = st.S_IMODE(info.st_mode)
    member.uid, member.gid = info.st_uid, info.st_gid
    member.uname, member.gname = id_name(info.st_uid), id_name(info.st_gid)
    member.mtime = info.st_mtime
    if "v" in opts:
        # With the archive on stdout the names go to stderr, as toybox does.
        (ctx.stderr.write if opts.get("f", "-") == "-" else ctx.stdout.write)(to_bytes(member.name + "\n"))
    if st.S_ISDIR(info.st_mode):
        member.type = tarfile.DIRTYPE
        out.addfile(member)
        for child, child_host, child_info in entries(host, ctx=ctx):
            add_to_tar(ctx, out, f"{name}/{child}", child_host, child_info, opts)
    elif st.S_ISLNK(info.st_mode):
        member.type = tarfile.SYMTYPE
        member.linkname = link_text(ctx, host)
        out.addfile(member)
    elif st.S_ISCHR(info.st_mode):
        member.type = tarfile.CHRTYPE
        member.devmajor, member.devminor = os.major(info.st_rdev), os.minor(info.st_rdev)
        out.addfile(member)
    elif st.S_ISREG(info.st_mode):
        member.size = info.st_size
        with open_host_read(ctx, host) as source:
            out.addfile(member, source)


def tar_read(ctx: Context, opts, archive: str, cwd: str, extract: bool) -> int:
    storage = ctx.storage
    handle = None
    if archive == "-":
        source = StreamReader(ctx.stdin)
    else:
        try:
            handle = storage.open_read(archive, ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{archive}: {strerror(exc)}")
        source = handle
    wanted = [w.rstrip("/") for w in opts.operands]
    folders: list[tuple[str, float]] = []
    status = 0
    try:
        with tarfile.open(fileobj=source, mode="r|*", encoding="utf-8", errors="surrogateescape") as archive_in:
            for member in archive_in:
                name = member.name
                shown = name + ("/" if member.isdir() and not name.endswith("/") else "")
                if wanted and not any(name.rstrip("/") == w or name.startswith(w + "/") for w in wanted):
                    continue
                if not extract:
                    if "v" in opts:
                        ctx.out(tar_listing(member, shown) + "\n")
                    else:
                        ctx.out(shown + "\n")
                    continue
                if "v" in opts:
                    ctx.out(shown + "\n")
                status |= extract_member(ctx, archive_in, member, cwd, opts, folders)
        # Folder times last: extracting their contents would have changed them again.
        for target, mtime in reversed(folders):
            try:
                os.utime(storage.resolve(target, follow=False).host, (mtime, mtime), follow_symlinks=False)
            except OSError:
                pass
    except tarfile.TarError as exc:
        status = ctx.fail(f"not tar: {exc}")
    finally:
        if handle is not None:
            handle.close()
    return status


def tar_listing(member: tarfile.TarInfo, shown: str) -> str:
    kind = {tarfile.DIRTYPE: st.S_IFDIR, tarfile.SYMTYPE: st.S_IFLNK, tarfile.CHRTYPE: st.S_IFCHR,
            tarfile.BLKTYPE: st.S_IFBLK}.get(member.type, st.S_IFREG)
    owner = f"{member.uname or member.uid}/{member.gname or member.gid}"
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(member.mtime))
    size = f"{member.devmajor},{member.devminor}" if member.ischr() or member.isblk() else f"{member.size:9d}"
    text = f"{mode_string(kind | member.mode)} {owner} {size}  {when} {shown}"
    if member.issym():
        text += f" -> {member.linkname}"
    return text


def extract_member(ctx: Context, archive_in: tarfile.TarFile, member: tarfile.TarInfo, cwd: str, opts,
                   folders: list[tuple[str, float]]) -> int:
    storage = ctx.storage
    name = member.name.lstrip("/")
    if any(part == ".." for part in name.split("/")):
        return ctx.fail(f"'{member.name}': path leaves the extraction folder")
    target = posixpath.join(cwd, name)
    try:
        if member.isdir():
            storage.makedirs(target)
            storage.chmod(target, member.mode or 0o755)
            folders.append((target, member.mtime))
            return 0
        elif member.issym():
            storage.makedirs(posixpath.dirname(target))
            try:
                storage.unlink(target)
            except OSError:
                pass
            storage.symlink(member.linkname, target)
        elif member.isfile():
            data = archive_in.extractfile(member)
            if data is None:
                return 0
            if "O" in opts:
                while chunk := data.read(CHUNK):
                    ctx.stdout.write(chunk)
                return 0
            storage.makedirs(posixpath.dirname(target))
            with storage.open_write(target, mode=member.mode or 0o644) as out:
                while chunk := data.read(CHUNK):
                    out.write(chunk)
            storage.chmod(target, member.mode or 0o644)
        else:
            return 0
        host = storage.resolve(target, follow=False).host
        os.utime(host, (member.mtime, member.mtime), follow_symlinks=False)
    except OSError as exc:
        return ctx.fail(f"{member.name}: {strerror(exc)}")
    return 0
