"""Toybox's mkfifo and mknod on the phone's storage: named pipes anyone may make where they may
write; device nodes only with CAP_MKNOD, which the shell user lacks (toys/posix/mkfifo.c,
toys/lsb/mknod.c of toybox 0.8.9). Not for folders or regular files (`copying`).
"""

from __future__ import annotations

import errno
import os

from ...api import Context, applet
from ..options import UsageError, parse
from .base import strerror, usage_guard
from .perms import new_mode

UMASK = 0o022  # adb shell's umask on Android


@applet("mkfifo")
@usage_guard
def mkfifo(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "", "m")
    if not opts.operands:
        raise UsageError('Needs 1 argument (see "mkfifo --help")')
    mode = 0o666
    if "m" in opts:
        try:
            mode = new_mode(str(opts.get("m")), 0)
        except ValueError:
            return ctx.fail(f"bad mode '{opts.get('m')}'")
    status = 0
    for name in opts.operands:
        try:
            ctx.storage.mkfifo(name, ctx.cwd, mode & 0o7777 & ~UMASK)
        except OSError as exc:
            ctx.err(f"{name}: {strerror(exc)}")
            status = 1
    return status


@applet("mknod")
@usage_guard
def mknod(ctx: Context, argv: list[str]) -> int:
    """Runs with umask 0 (TOYFLAG_UMASK); a device node needs CAP_MKNOD, so as the shell user
    mknod(2) fails with EPERM. Android's toybox has SELinux, so its -m is honoured."""
    opts = parse(argv, "", "mZ", longs={"mode": "m"})
    if not 2 <= len(opts.operands) <= 4:
        raise UsageError(f'{"Need 2" if len(opts.operands) < 2 else "Max 4"} arguments (see "mknod --help")')
    name, kind = opts.operands[:2]
    if kind[:1] not in ("p", "c", "u", "b") or not kind:
        # perror_exit(): the errno left over from toybox's start-up, ENOENT on Android's libc too
        return ctx.fail(f"bad type '{kind[:1]}': No such file or directory")
    if kind[0] != "p" and len(opts.operands) != 4:
        return ctx.fail("need major/minor: No such file or directory")
    mode = 0o660
    if "m" in opts:
        try:
            mode = new_mode(str(opts.get("m")), 0o777, umask=0)
        except ValueError:
            return ctx.fail(f"bad mode '{opts.get('m')}'")
    if kind[0] != "p":
        # no CAP_MKNOD for the shell user; and the phone's storage models no device nodes at all
        code = errno.EEXIST if _taken(ctx, name) else errno.EPERM
        return ctx.fail(f"{name}: {os.strerror(code)}")
    try:
        ctx.storage.mkfifo(name, ctx.cwd, mode & 0o7777)
    except OSError as exc:
        return ctx.fail(f"{name}: {strerror(exc)}")
    return 0


def _taken(ctx: Context, name: str) -> bool:
    try:
        return os.path.lexists(ctx.storage.resolve(name, ctx.cwd, follow=False).host)
    except OSError:
        return False
