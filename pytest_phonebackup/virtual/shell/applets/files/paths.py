"""ln, readlink, realpath, basename and dirname, the way toybox resolves and prints paths.
Not for copying or removing files (`copying.py`).
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat as st

from ...api import Context, applet
from ..options import parse
from .base import need, strerror, usage_guard


# -- ln / readlink / realpath / basename / dirname --------------------------------------------
@applet("ln")
@usage_guard
def ln(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "sfnvTr", "t")
    need(ctx, opts.operands, 1)
    operands = list(opts.operands)
    storage = ctx.storage
    if len(operands) == 1:
        operands.append(".")
    dest = operands.pop()
    dest_is_dir = False
    if "n" not in opts and "T" not in opts:
        try:
            dest_is_dir = st.S_ISDIR(storage.stat(dest, ctx.cwd).st_mode)
        except OSError:
            pass
    if len(operands) > 1 and not dest_is_dir:
        return ctx.fail(f"'{dest}' not directory")
    status = 0
    for src in operands:
        link = f"{dest}/{posixpath.basename(src.rstrip('/'))}" if dest_is_dir else dest
        try:
            if "f" in opts:
                try:
                    storage.unlink(link, ctx.cwd)  # a folder there refuses with EISDIR, as unlink(2)
                except OSError as exc:
                    if exc.errno != errno.ENOENT:
                        raise
            if "s" in opts:
                storage.symlink(src, link, ctx.cwd)
            else:
                source = storage.resolve(src, ctx.cwd, follow=False).host
                os.link(source, storage.resolve(link, ctx.cwd, follow=False).host, follow_symlinks=False)
            if "v" in opts:
                ctx.out(f"'{link}' -> '{src}'\n")
        except OSError as exc:
            kind = "symbolic link" if "s" in opts else "hard link"
            status = ctx.fail(f"cannot create {kind} from '{src}' to '{link}': {strerror(exc)}")
    return status


def canonical(ctx: Context, path: str, must_exist: str) -> str | None:
    """Resolve every symlink in device space. must_exist: 'all' (-e), 'parent' (-f), 'none' (-m)."""
    storage = ctx.storage
    full = path if path.startswith("/") else posixpath.join(ctx.cwd, path)
    parent = posixpath.dirname(full.rstrip("/")) or "/"
    base = posixpath.basename(full.rstrip("/"))
    if must_exist == "all":
        try:
            storage.stat(full)
        except OSError:
            return None
        return storage.resolve(full).device
    try:
        resolved_parent = storage.resolve(parent)
        parent_info = os.lstat(resolved_parent.host)
        if not st.S_ISDIR(parent_info.st_mode):
            return None if must_exist == "parent" else None
    except OSError:
        if must_exist == "parent":
            return None
        return posixpath.normpath(full)
    if base in ("", ".", ".."):
        return storage.resolve(full).device
    return storage.resolve(posixpath.join(resolved_parent.device, base)).device


@applet("readlink")
@usage_guard
def readlink(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "fenqmvz")
    need(ctx, opts.operands, 1)
    end = "" if "n" in opts else ("\0" if "z" in opts else "\n")
    status = 0
    for path in opts.operands:
        if "f" in opts or "e" in opts or "m" in opts:
            mode = "all" if "e" in opts else ("none" if "m" in opts else "parent")
            result = canonical(ctx, path, mode)
        else:
            try:
                result = ctx.storage.readlink(path, ctx.cwd)
            except OSError:
                result = None
        if result is None:
            status = 1
            continue
        ctx.out(result + end)
    return status


@applet("realpath")
@usage_guard
def realpath(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "eLPmqsz", "R")
    need(ctx, opts.operands, 1)
    status = 0
    for path in opts.operands:
        result = canonical(ctx, path, "all" if "e" in opts else ("none" if "m" in opts else "parent"))
        if result is None:
            status = ctx.fail(f"{path}: {os.strerror(errno.ENOENT)}")
            continue
        ctx.out(result + ("\0" if "z" in opts else "\n"))
    return status


@applet("basename")
@usage_guard
def basename(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "az", "s", stop_at_operand=True)
    need(ctx, opts.operands, 1)
    names = opts.operands
    suffix = opts.get("s")
    if "a" not in opts and suffix is None and len(names) == 2:
        names, suffix = names[:1], names[1]
    for name in names if ("a" in opts or suffix is not None) else names[:1]:
        stripped = name.rstrip("/")
        base = stripped.rsplit("/", 1)[-1] if stripped else ("/" if name else "")
        if suffix and base != suffix and base.endswith(suffix):
            base = base[:-len(suffix)]
        ctx.out(base + ("\0" if "z" in opts else "\n"))
    return 0


@applet("dirname")
@usage_guard
def dirname(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "")
    need(ctx, opts.operands, 1)
    for name in opts.operands:
        stripped = name.rstrip("/")
        if not stripped:
            ctx.out("/\n" if name else ".\n")
            continue
        if "/" not in stripped:
            ctx.out(".\n")
            continue
        head = stripped.rsplit("/", 1)[0].rstrip("/")
        ctx.out((head or "/") + "\n")
    return 0
