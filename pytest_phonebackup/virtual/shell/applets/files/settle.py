"""Toybox's fallocate, fsync, flock and chattr on the phone's storage: space reserved against
its capacity, syncs (the phone writes through), advisory locks (no other process contends on
the virtual phone) and inode flags as Linux gives them to the shell user (toys/other/fallocate.c,
fsync.c, flock.c, lsattr.c of toybox 0.8.9). Not for permissions (`perms`).
"""

from __future__ import annotations

import errno
import os
import stat as st

from ...api import Context, applet
from ..options import UsageError, parse
from .base import FindError, atolx, strerror, usage_guard


def _size(text: str) -> int:
    try:
        return atolx(text)
    except FindError:
        raise UsageError(f"not integer: {text}") from None


@applet("fallocate")
@usage_guard
def fallocate(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "", "lo")
    if len(opts.operands) > 1:
        raise UsageError('Max 1 argument (see "fallocate --help")')
    if "l" not in opts:
        raise UsageError('Needs -l (see "fallocate --help")')
    length, offset = _size(str(opts.get("l"))), _size(str(opts.get("o", "0")))
    if not opts.operands:
        raise UsageError('Needs 1 argument (see "fallocate --help")')
    path = opts.operands[0]
    try:
        ctx.storage.open_write(path, ctx.cwd, append=True, mode=0o644).close()
    except OSError as exc:
        return ctx.fail(f"{path}: {strerror(exc)}")
    if length <= 0 or offset < 0:  # posix_fallocate(3): EINVAL
        return ctx.fail(f"fallocate: {os.strerror(errno.EINVAL)}")
    host = ctx.storage.host(path, ctx.cwd)
    old = os.path.getsize(host)
    new = max(old, offset + length)
    if new > old and ctx.storage.reserve(new - old, path) < new - old:
        return ctx.fail(f"fallocate: {os.strerror(errno.ENOSPC)}")
    os.truncate(host, new)
    return 0


@applet("fsync")
@usage_guard
def fsync(ctx: Context, argv: list[str]) -> int:
    """The phone's files are written through to the host as they are written: syncing succeeds
    for whatever opens."""
    opts = parse(argv, "d")
    if not opts.operands:
        raise UsageError('Needs 1 argument (see "fsync --help")')
    status = 0
    for path in opts.operands:
        try:
            ctx.storage.stat(path, ctx.cwd)
        except OSError as exc:
            status = ctx.fail(f"{path}: {strerror(exc)}")
    return status


@applet("flock")
@usage_guard
def flock(ctx: Context, argv: list[str]) -> int:
    """flock(2) on a descriptor the shell opened (`flock 9 9>lock`): granted at once, since no
    other process of the virtual phone takes locks."""
    opts = parse(argv, "nsux")
    if not opts.operands:
        raise UsageError('Needs 1 argument (see "flock --help")')
    if len(opts.operands) > 1:
        raise UsageError('Max 1 argument (see "flock --help")')
    return 0


# -- chattr (toys/other/lsattr.c) ---------------------------------------------------------------
# lsattr's flag letters in its output order (FS_*_FL bits of linux/fs.h)
_FLAGS = {"s": 0x1, "u": 0x2, "S": 0x8, "D": 0x10000, "i": 0x10, "a": 0x20, "d": 0x40, "A": 0x80,
          "c": 0x4, "E": 0x800, "j": 0x4000, "I": 0x1000, "t": 0x8000, "T": 0x20000, "e": 0x80000,
          "C": 0x800000, "F": 0x40000000, "N": 0x10000000, "P": 0x20000000, "V": 0x100000}
_PRIVILEGED = 0x10 | 0x20 | 0x4000  # i and a need CAP_LINUX_IMMUTABLE, j CAP_SYS_RESOURCE
_EXTENTS = 0x80000  # every file and folder of the phone's ext4 /data
_NO_FLAGS = ("/storage", "/sdcard", "/mnt", "/proc", "/dev")  # FUSE, proc, tmpfs: no FS_IOC_GETFLAGS


def _letters(flags: int) -> str:
    return "".join(letter for letter, bit in _FLAGS.items() if flags & bit)


@applet("chattr")
@usage_guard
def chattr(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "R", "pv", unknown_as_operands=True)
    for letter in "pv":
        if letter in opts:
            _size(str(opts.get(letter)))
    args = list(opts.operands)
    add = remove = assign = 0
    assigning = False
    while args and args[0][:1] in ("-", "+", "="):
        arg = args.pop(0)
        bits = 0
        for letter in arg[1:]:
            if letter not in _FLAGS:
                raise UsageError(f"bad '{letter}' (see \"chattr --help\")")
            bits |= _FLAGS[letter]
        if arg[0] == "-":
            remove |= bits
        elif arg[0] == "+":
            add |= bits
        else:
            assigning, assign = True, assign | bits
    if not args:
        raise UsageError('no file (see "chattr --help")')
    if assigning and (add or remove):
        return ctx.fail("no '=' with '-' or '+'")
    if add & remove:
        return ctx.fail("set/unset same flag")
    if not (add or remove or assigning or "p" in opts or "v" in opts):
        return ctx.fail("need '-p', '-v', '=', '-', or '+'")
    status = 0
    for path in args:
        try:
            info = ctx.storage.lstat(path, ctx.cwd)
        except OSError as exc:
            status = ctx.fail(f"{path}: {strerror(exc)}")
            continue
        if not (st.S_ISREG(info.st_mode) or st.S_ISDIR(info.st_mode)):
            continue  # links, pipes and devices are skipped
        device = ctx.storage.resolve(path, ctx.cwd, follow=False).device
        if any(device == top or device.startswith(top + "/") for top in _NO_FLAGS):
            status = ctx.fail(f"read flags of '{path}': {os.strerror(errno.ENOTTY)}")
            continue
        old = _EXTENTS
        new = assign if assigning else (old & ~remove) | add
        if not st.S_ISDIR(info.st_mode):
            new &= ~_FLAGS["D"]
        if new == old:
            continue
        owner = ctx.phone.root or ctx.storage.permissions.is_owner(ctx.storage.user, device, info)  # type: ignore[attr-defined]
        if not ctx.phone.root and (not owner or (new ^ old) & _PRIVILEGED):
            status = ctx.fail(f"{path}: setting flags to ={_letters(new)} failed: "
                              f"{os.strerror(errno.EPERM)}")
    return status
