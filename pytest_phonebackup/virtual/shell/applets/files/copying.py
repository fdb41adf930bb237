"""cp, mv, rm, mkdir, rmdir and touch on the phone's storage, with toybox's messages.
Not for links and names (`paths.py`) or for dd (`disk.py`).
"""

from __future__ import annotations

import calendar
import errno
import os
import posixpath
import re
import stat as st
import time

from ...api import Context, applet
from ..options import UsageError, parse
from .base import CHUNK, device_of, entries, link_text, lookup, need, strerror, usage_guard


# -- cp / mv ---------------------------------------------------------------------------------
class CopyError(Exception):
    pass


@applet("cp")
@usage_guard
def cp(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "RrpadfHLPnvFiulsT", "t", {"preserve": "p", "parents": "D"})
    if "a" in opts:
        for flag in "dpr":
            opts.values.setdefault(flag, [True])
    recursive = "r" in opts or "R" in opts
    need(ctx, opts.operands, 1)
    return copy_or_move(ctx, opts, recursive, move=False)


@applet("mv")
@usage_guard
def mv(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "vnFfiT", "t")
    need(ctx, opts.operands, 1)
    return copy_or_move(ctx, opts, True, move=True)


def copy_or_move(ctx: Context, opts, recursive: bool, move: bool) -> int:
    operands = list(opts.operands)
    target = opts.get("t")
    if target is None:
        if len(operands) < 2:
            raise UsageError("Needs 2 arguments")
        target = operands.pop()
    storage = ctx.storage
    dest_is_dir = False
    try:
        dest_is_dir = st.S_ISDIR(storage.stat(target, ctx.cwd).st_mode)
    except OSError:
        pass
    if len(operands) > 1 and not dest_is_dir:
        return ctx.fail(f"'{target}' not directory")
    status = 0
    for src in operands:
        clean = src.rstrip("/") or src
        dest = f"{target}/{posixpath.basename(clean)}" if dest_is_dir else target
        try:
            if move:
                status |= move_one(ctx, opts, clean, dest)
            else:
                status |= copy_one(ctx, opts, clean, dest, recursive)
        except CopyError as exc:
            ctx.err(str(exc))
            status = 1
    return status


def move_one(ctx: Context, opts, src: str, dest: str) -> int:
    storage = ctx.storage
    if "n" in opts and storage.exists(dest, ctx.cwd):
        return 0
    try:
        storage.lstat(src, ctx.cwd)
    except OSError as exc:
        return ctx.fail(f"bad '{src}': {strerror(exc)}")
    a = storage.resolve(src, ctx.cwd, follow=False).device
    b = storage.resolve(dest, ctx.cwd, follow=False).device
    if a == b:
        return 0  # rename(2) onto itself succeeds and changes nothing
    if b.startswith(a.rstrip("/") + "/"):
        return ctx.fail(f"bad '{src}': {os.strerror(errno.EINVAL)}")
    try:
        storage.rename(src, dest, ctx.cwd)
    except OSError as exc:
        return ctx.fail(f"bad '{src}': {strerror(exc)}")
    return 0


def copy_one(ctx: Context, opts, src: str, dest: str, recursive: bool) -> int:
    storage = ctx.storage
    # Like toybox, the source itself is not followed unless -H or -L (a link is read through later).
    try:
        src_host, info = lookup(ctx, src, "H" in opts or "L" in opts)
    except OSError as exc:
        return ctx.fail(f"bad '{src}': {strerror(exc)}")
    src_dev = device_of(ctx, src_host)
    dest_dev = storage.resolve(dest, ctx.cwd, follow=False).device
    if dest.endswith("/") and dest_dev != "/":
        dest_dev += "/"  # kept, so a file cannot be created under a name ending in "/" (EISDIR)
    if st.S_ISDIR(info.st_mode) and (dest_dev == src_dev or dest_dev.startswith(src_dev.rstrip("/") + "/")):
        return ctx.fail(f"'{dest}' is under '{src}'" if dest_dev != src_dev else f"'{dest}' is '{src}'")
    return copy_node(ctx, opts, src_host, info, dest_dev, dest, recursive, src, top=True)


def copy_node(ctx: Context, opts, src_host: str, info: os.stat_result, dest_dev: str, shown: str,
              recursive: bool, src_shown: str, top: bool = False) -> int:
    storage = ctx.storage
    mode = info.st_mode
    if st.S_ISLNK(mode) and top and not (recursive or "a" in opts or "P" in opts or "d" in opts):
        # A link named on the command line without -r/-a/-P/-d: its target's contents are copied.
        try:
            src_host, info = lookup(ctx, device_of(ctx, src_host), True)
        except OSError as exc:
            return ctx.fail(f"{shown}: {strerror(exc)}")
        mode = info.st_mode
        if st.S_ISDIR(mode):
            # toybox opens the folder as if it were a file: an empty file with the folder's mode appears.
            try:
                storage.open_write(dest_dev, mode=st.S_IMODE(mode)).close()
            except OSError as exc:
                return ctx.fail(f"{shown}: {strerror(exc)}")
            return 0
    try:
        existing = storage.stat(dest_dev)
    except OSError:
        existing = None
    try:
        if existing is not None and os.path.samestat(existing, info):
            return ctx.fail(f"'{shown}' is '{src_shown}'")
    except OSError:
        pass
    if existing is not None and not st.S_ISDIR(existing.st_mode):
        if st.S_ISDIR(mode):
            return ctx.fail(f"dir at '{src_shown}'")
        if "n" in opts:
            return 0
    if "v" in opts:
        ctx.out(f"{ctx.argv0} '{src_shown}'\n")
    if st.S_ISDIR(mode):
        if not recursive:
            return ctx.fail(f"Skipped dir '{shown}': {os.strerror(errno.ENOENT)}")
        dest_host = storage.resolve(dest_dev, follow=False).host
        if os.path.islink(dest_host):
            return ctx.fail(f"{shown}: {os.strerror(errno.ELOOP)}")  # toybox opens it O_NOFOLLOW
        if existing is None:
            try:
                storage.mkdir(dest_dev, "/", st.S_IMODE(mode) | 0o200)
            except OSError as exc:
                return ctx.fail(f"{shown}: {strerror(exc)}")
        status = 0
        follow = "L" in opts
        for name, host, child in entries(src_host, follow, ctx, device_of(ctx, src_host)):
            status |= copy_node(ctx, opts, host, child, dest_dev.rstrip("/") + "/" + name,
                                shown.rstrip("/") + "/" + name, recursive, f"{src_shown.rstrip('/')}/{name}")
        preserve(ctx, opts, dest_dev, info)
        return status
    if st.S_ISLNK(mode):
        try:
            if os.path.lexists(storage.host(dest_dev, follow=False)):
                storage.unlink(dest_dev)
            storage.symlink(link_text(ctx, src_host), dest_dev)
        except OSError as exc:
            return ctx.fail(f"{shown}: {strerror(exc)}")
        preserve(ctx, opts, dest_dev, info, follow=False)
        return 0
    try:
        with open_host_read(ctx, src_host) as source, storage.open_write(dest_dev, "/", mode=st.S_IMODE(mode)) as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
    except OSError as exc:
        return ctx.fail(f"{shown}: {strerror(exc)}")
    preserve(ctx, opts, dest_dev, info)
    return 0


def open_host_read(ctx: Context, host: str):
    """Open a file the walker already resolved inside the phone (never follows a host symlink);
    what the kernel serves (/proc/version, /dev/null) is read through the phone's storage."""
    device = device_of(ctx, host)
    if ctx.storage.kernel is not None and ctx.storage.kernel.owns(device):
        return ctx.storage.open_read(device)
    fd = os.open(host, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    return os.fdopen(fd, "rb")


def preserve(ctx: Context, opts, dest_dev: str, info: os.stat_result, follow: bool = True) -> None:
    if "p" not in opts:
        return
    try:
        # A copied file may have been written through a link at the destination: its times go
        # to that file; a copied link keeps its own.
        host = ctx.storage.host(dest_dev, follow=follow)
        os.utime(host, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)
        if follow:
            ctx.storage.chmod(dest_dev, st.S_IMODE(info.st_mode))
    except OSError:
        pass


# -- rm / mkdir / rmdir ------------------------------------------------------------------------
@applet("rm")
@usage_guard
def rm(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "fiRrv")
    force = "f" in opts
    if not opts.operands and not force:
        need(ctx, opts.operands, 1)
    recursive = "r" in opts or "R" in opts
    status = 0
    storage = ctx.storage
    for operand in opts.operands:
        path = operand.rstrip("/") or operand  # toybox rm strips the slash: `rm -r link/` removes the link
        try:
            info = storage.lstat(path, ctx.cwd)
        except OSError as exc:
            if not (force and exc.errno == errno.ENOENT):
                status = ctx.fail(f"{path}: {strerror(exc)}")
            continue
        try:
            if st.S_ISDIR(info.st_mode):
                if not recursive:
                    status = ctx.fail(f"{path}: Is a directory")
                    continue
                if storage.resolve(path, ctx.cwd, follow=False).device == "/":
                    status = ctx.fail(f"{path}: {os.strerror(errno.EBUSY)}")
                    continue
                storage.remove_tree(path, ctx.cwd)
            else:
                storage.unlink(path, ctx.cwd)
            if "v" in opts:
                ctx.out(f"rm '{path}'\n")
        except OSError as exc:
            status = ctx.fail(f"{path}: {strerror(exc)}")
    return status


@applet("mkdir")
@usage_guard
def mkdir(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "pv", "m")
    need(ctx, opts.operands, 1)
    mode = int(opts.get("m", "777"), 8) & 0o7777 & ~0o022
    status = 0
    for path in opts.operands:
        try:
            if "p" in opts:
                make_parents(ctx, path, mode)
            else:
                ctx.storage.mkdir(path, ctx.cwd, mode=mode)
        except OSError as exc:  # -p names the folder it could not make, as toybox's mkpathat does
            shown = exc.filename if "p" in opts and exc.filename else path
            status = ctx.fail(f"'{shown}': {strerror(exc)}")
    return status


def make_parents(ctx: Context, path: str, mode: int) -> None:
    """mkdir -p, one component at a time: what already exists (a folder, or any link) is fine."""
    storage = ctx.storage
    parts = [p for p in path.split("/") if p]
    prefix = "/" if path.startswith("/") else ""
    for index, part in enumerate(parts):
        prefix = prefix + part if prefix in ("", "/") else prefix + "/" + part
        try:
            storage.mkdir(prefix, ctx.cwd, mode=mode)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise OSError(exc.errno, os.strerror(exc.errno or errno.EIO), prefix) from None
            if index < len(parts) - 1:
                continue
            try:
                is_dir = st.S_ISDIR(storage.stat(prefix, ctx.cwd).st_mode)
            except OSError:
                is_dir = True  # a dangling link: mkdir says EEXIST and -p accepts it
            if not is_dir:
                raise OSError(errno.EEXIST, os.strerror(errno.EEXIST), path) from None


@applet("rmdir")
@usage_guard
def rmdir(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "p", longs={"ignore-fail-on-non-empty": "i"})
    need(ctx, opts.operands, 1)
    status = 0
    for path in opts.operands:
        targets = [path]
        if "p" in opts:
            parent = posixpath.dirname(path.rstrip("/"))
            while parent and parent not in ("/", "."):
                targets.append(parent)
                parent = posixpath.dirname(parent)
        for target in targets:
            try:
                ctx.storage.rmdir(target, ctx.cwd)
            except OSError as exc:
                status = ctx.fail(f"{target}: {strerror(exc)}")
                break
    return status


# -- touch -----------------------------------------------------------------------------------
def parse_touch_date(text: str) -> float | None:
    """-d: `@EPOCH`, `YYYY-MM-DD[ T]HH:MM[:SS[.frac]]`, `YYYY-MM-DD` (UTC, the phone's zone)."""
    text = text.strip()
    if text.startswith("@"):
        try:
            return float(text[1:])
        except ValueError:
            return None
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?)?Z?", text)
    if not m:
        return None
    year, month, day, hour, minute, second, frac = m.groups()
    try:
        when = calendar.timegm((int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                int(second or 0), 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    return when + (float(frac) if frac else 0.0)


def parse_touch_stamp(text: str) -> float | None:
    """-t: `[[CC]YY]MMDDhhmm[.ss]` in UTC."""
    seconds = 0
    if "." in text:
        text, secs = text.split(".", 1)
        if not secs.isdigit():
            return None
        seconds = int(secs)
    if not text.isdigit() or len(text) not in (8, 10, 12):
        return None
    now = time.gmtime()
    if len(text) == 12:
        year, rest = int(text[:4]), text[4:]
    elif len(text) == 10:
        yy = int(text[:2])
        year, rest = (1900 + yy if yy >= 69 else 2000 + yy), text[2:]
    else:
        year, rest = now.tm_year, text
    try:
        return calendar.timegm((year, int(rest[0:2]), int(rest[2:4]), int(rest[4:6]), int(rest[6:8]),
                                seconds, 0, 0, 0))
    except (ValueError, OverflowError):
        return None


@applet("touch")
@usage_guard
def touch(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "acmh", "dtr")
    need(ctx, opts.operands, 1)
    when: tuple[int, int] | None = None
    if "d" in opts:
        value = parse_touch_date(opts.get("d"))
        if value is None:
            return ctx.fail(f"bad date {opts.get('d')}")
        ns = round(value * 1e9)
        when = (ns, ns)
    elif "t" in opts:
        value = parse_touch_stamp(opts.get("t"))
        if value is None:
            return ctx.fail(f"bad date {opts.get('t')}")
        ns = int(value * 1e9)
        when = (ns, ns)
    elif "r" in opts:
        try:
            _host, ref = lookup(ctx, opts.get("r"), True)
        except OSError as exc:
            return ctx.fail(f"'{opts.get('r')}': {strerror(exc)}")
        when = (ref.st_atime_ns, ref.st_mtime_ns)
    now = time.time_ns()
    atime_ns, mtime_ns = when if when else (now, now)
    only_a, only_m = "a" in opts and "m" not in opts, "m" in opts and "a" not in opts
    status = 0
    for path in opts.operands:
        storage = ctx.storage
        try:
            host, info = lookup(ctx, path, "h" not in opts)
        except OSError:
            if "c" in opts:
                continue
            try:  # as toybox: whatever the lookup said, creating the file tells the error shown
                storage.open_write(path, ctx.cwd, append=True).close()
                host, info = lookup(ctx, path, True)
            except OSError as exc2:
                status = ctx.fail(f"'{path}': {strerror(exc2)}")
                continue
        a = info.st_atime_ns if only_m else atime_ns
        m = info.st_mtime_ns if only_a else mtime_ns
        try:
            os.utime(host, ns=(a, m), follow_symlinks=False)
        except OSError as exc:
            status = ctx.fail(f"'{path}': {strerror(exc)}")
    return status
