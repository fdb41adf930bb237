"""Toybox's cpio on the phone's storage: "newc" archives made from a list of names on stdin (-o),
listed (-t), extracted (-i) or copied through (-p DEST), with the records, messages and exit
statuses of toybox 0.8.9's toys/posix/cpio.c. Not for tar archives (`archives`).
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat as st
from typing import Any

from ...api import Context, applet
from ..options import UsageError, chunks, parse
from .base import lookup, strerror, usage_guard
from .disk import mount_device
from .nodes import UMASK

MAGIC = b"070701"  # newc: "070701" then 13 fields of 8 hex digits, 110 bytes in all
HEADER = 110
TRAILER = b"TRAILER!!!"
# -p: the reader (a child) could not start: its status, or SIGPIPE's 141 when the writer still
# writes after it died; which one comes is a race, and on a small list the child's usually wins
READER_FAILED = 1
_CONFLICTS = ("pio", "pot", "pF")  # cpio.c's [!pio][!pot][!pF]
_LONGS = {"ignore-devno": "ignore-devno", "renumber-inodes": "renumber-inodes", "quiet": "quiet",
          "no-preserve-owner": "no-preserve-owner", "make-directories": "d", "verbose": "v"}


# xreadall() of a record cut short; errno is what toybox's start left (ENOENT, on bionic too)
_SHORT = "xreadall: No such file or directory"


class ArchiveError(Exception):
    """A damaged archive: cpio says so and stops (error_exit)."""


def _pad(length: int) -> bytes:
    return b"\0" * (-length % 4)


def _record(name: bytes, fields: list[int], body: bytes) -> bytes:
    header = MAGIC + b"".join(b"%08X" % (value & 0xFFFFFFFF) for value in fields + [len(name) + 1, 0])
    return header + name + b"\0" + _pad(HEADER + len(name) + 1) + body + _pad(len(body))


def _conflict(opts) -> None:
    seen: list[str] = []
    for letter in opts.values:
        for earlier in seen:
            if any(letter in group and earlier in group for group in _CONFLICTS):
                raise UsageError(f"No '{letter}' with '{earlier}' (see \"cpio --help\")")
        seen.append(letter)


@applet("cpio")
@usage_guard
def cpio(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "mduptiov", "HF", _LONGS)
    _conflict(opts)
    if not opts.values.keys() & set("otip"):
        raise UsageError('Needs -otip (see "cpio --help")')
    if "p" in opts:
        return _copy_pass(ctx, opts)
    if "o" in opts:
        archive, status = _create(ctx, opts)
        if "F" in opts:
            try:
                with ctx.storage.open_write(str(opts.get("F")), ctx.cwd) as out:
                    out.write(archive)
            except OSError as exc:
                return ctx.fail(f"{opts.get('F')}: {strerror(exc)}")
        else:
            ctx.out(archive)
        return status
    if "F" in opts:
        try:
            with ctx.storage.open_read(str(opts.get("F")), ctx.cwd) as stream:
                data = b"".join(chunks(stream))
        except OSError as exc:
            return ctx.fail(f"{opts.get('F')}: {strerror(exc)}")
    else:
        data = b"".join(chunks(ctx.stdin))
    return _extract(ctx, opts, data, ctx.cwd)


def _copy_pass(ctx: Context, opts) -> int:
    """-p DEST: the archive -o would write, extracted in DEST as -i would."""
    dest = opts.operands[0] if opts.operands else None
    if "d" in opts:
        if dest is None:
            return ctx.fail("need directory for -p")
        try:
            ctx.storage.mkdir(dest, ctx.cwd, 0o700 & ~UMASK)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                return ctx.fail(f"mkdir {dest}: {strerror(exc)}")
    if dest is None:
        ctx.err("chdir '(null)': Bad address")  # chdir(NULL), as bionic's printf shows NULL
        return READER_FAILED
    try:
        folder = ctx.storage.resolve(dest, ctx.cwd).device
        if not st.S_ISDIR(ctx.storage.stat(folder).st_mode):
            raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
    except OSError as exc:
        ctx.err(f"chdir '{dest}': {strerror(exc)}")
        return READER_FAILED
    archive, status = _create(ctx, opts)
    opts.values["i"] = [True]
    return _extract(ctx, opts, archive, folder) | status


def _create(ctx: Context, opts) -> tuple[bytes, int]:
    out: list[bytes] = []
    status, inode = 0, 0
    while line := ctx.stdin.readline():
        name = line[:-1] if line.endswith(b"\n") else line
        shown = name.decode("utf-8", "surrogateescape")
        body = b""
        try:
            host, info = lookup(ctx, shown, follow=False)
            if st.S_ISLNK(info.st_mode):
                body = ctx.storage.readlink(shown, ctx.cwd).encode("utf-8", "surrogateescape")
            elif st.S_ISREG(info.st_mode) and info.st_size:
                with ctx.storage.open_read(shown, ctx.cwd) as stream:
                    body = b"".join(chunks(stream))
        except OSError as exc:
            ctx.err(f"{shown}: {strerror(exc)}")
            status = 1
            continue
        uid, gid = (0, 0) if "no-preserve-owner" in opts else (info.st_uid, info.st_gid)
        inode = inode + 1 if "renumber-inodes" in opts else info.st_ino
        major, minor = mount_device(ctx.storage.to_device(host))
        fields = [inode, info.st_mode, uid, gid, info.st_nlink, int(info.st_mtime), len(body), major, minor, 0, 0]
        out.append(_record(name, fields, body))
    out.append(_record(TRAILER, [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], b""))
    return b"".join(out), status


def _extract(ctx: Context, opts, data: bytes, folder: str) -> int:
    """-i and -t: each record in turn, as cpio.c's loop reads them (a bad one ends the command)."""
    status, pos, first = 0, 0, True
    listing = "t" in opts
    try:
        while True:
            while pos < len(data) and data[pos] == 0:  # NULs between concatenated archives
                pos += 1
            if pos >= len(data):
                if first:
                    raise ArchiveError("empty archive")
                return status
            header = data[pos:pos + HEADER]
            if len(header) != HEADER or not header.startswith(MAGIC):
                raise ArchiveError("bad header")
            fields = [_hex(header[6 + 8 * i:14 + 8 * i]) for i in range(13)]
            name_end = pos + HEADER + fields[11]
            name = data[pos + HEADER:name_end].split(b"\0", 1)[0]
            pos = name_end + (-(HEADER + fields[11]) % 4)
            if pos > len(data):
                raise ArchiveError(_SHORT)
            first = False
            if name == TRAILER:
                continue
            size = fields[6]
            body = data[pos:pos + size]
            pos += size + (-size % 4)
            shown = name.lstrip(b"/").decode("utf-8", "surrogateescape")
            if listing or "v" in opts:
                ctx.out(shown + "\n")
            if pos > len(data):
                raise ArchiveError(_SHORT)
            if not listing:
                status |= _make(ctx, opts, posixpath.join(folder, shown), shown, fields, body)
    except ArchiveError as exc:
        return ctx.fail(str(exc))


def _hex(text: bytes) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise ArchiveError("bad hex") from None


def _make(ctx: Context, opts, path: str, shown: str, fields: list[int], body: bytes) -> int:
    """One entry, made as the shell user makes it: no chown (not root), the umask applies."""
    storage: Any = ctx.storage
    mode, mtime = fields[1], fields[5]
    if "u" in opts:
        try:
            storage.unlink(path)
        except OSError as exc:
            if exc.errno == errno.EISDIR:
                try:
                    storage.rmdir(path)
                except OSError:
                    pass
    if "d" in opts and "/" in shown:
        try:
            storage.makedirs(posixpath.dirname(path), mode=0o777 & ~UMASK)
        except OSError as exc:
            return ctx.fail(f"mkpath '{shown}': {strerror(exc)}")
    try:
        if st.S_ISDIR(mode):
            try:
                storage.mkdir(path, mode=st.S_IMODE(mode) & ~UMASK)
            except OSError:
                if "u" not in opts:
                    raise
        elif st.S_ISLNK(mode):
            storage.symlink(body.decode("utf-8", "surrogateescape"), path)
        elif st.S_ISREG(mode):
            if storage.exists(path) or os.path.lexists(storage.resolve(path, follow=False).host):
                return ctx.fail(f"create {shown}: {os.strerror(errno.EEXIST)}")  # O_CREAT|O_EXCL
            with storage.open_write(path, mode=st.S_IMODE(mode) & ~UMASK) as out:
                out.write(body)
            storage.chmod(path, st.S_IMODE(mode) & ~UMASK)
        elif st.S_ISFIFO(mode):
            storage.mkfifo(path, mode=st.S_IMODE(mode) & ~UMASK)
        else:
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))  # mknod(2) of a device: CAP_MKNOD
        storage.utime(path, mtime, mtime, follow=False)
    except OSError as exc:
        if exc.errno == errno.EEXIST or exc.errno == errno.EPERM or not st.S_ISREG(mode):
            return ctx.fail(f"{shown}: {strerror(exc)}")
        return ctx.fail(f"create {shown}: {strerror(exc)}")
    return 0
