"""Toybox's chmod, chown, chgrp, truncate and unlink on the phone's storage: modes as octal or symbolic
(`u+x,g=r`), owners by Android's names, sizes with toybox's suffixes. Not for reading modes (`stat`).
"""

from __future__ import annotations

import os
import re
import stat as st

from ...api import Context, applet
from ..options import UsageError, parse
from .base import ANDROID_IDS, atolx, need, strerror, usage_guard

_CLAUSE = re.compile(r"([ugoa]*)([-+=])([rwxXst]*|[ugo])")
_WHO = {"u": 0o4700, "g": 0o2070, "o": 0o1007}
_NAMES = {name: uid for uid, name in ANDROID_IDS.items()}


def new_mode(spec: str, mode: int, umask: int = 0o022) -> int:
    """The mode `spec` (octal or symbolic, as chmod(1) reads it) makes of `mode`; ValueError if bad."""
    if re.fullmatch(r"[0-7]{1,4}", spec):
        return int(spec, 8)
    is_dir = st.S_ISDIR(mode)
    mode = st.S_IMODE(mode)
    for clause in spec.split(","):
        found = _CLAUSE.fullmatch(clause)
        if not found:
            raise ValueError(spec)
        who, op, perms = found.groups()
        mask = 0o7777 if not who or "a" in who else sum(_WHO[w] for w in set(who))
        if perms in ("u", "g", "o"):
            shift = {"u": 6, "g": 3, "o": 0}[perms]
            bits = (mode >> shift) & 7
            value = bits << 6 | bits << 3 | bits
        else:
            value = 0
            for p in perms:
                if p == "r":
                    value |= 0o444
                elif p == "w":
                    value |= 0o222
                elif p == "x" or (p == "X" and (is_dir or mode & 0o111)):
                    value |= 0o111
                elif p == "s":
                    value |= 0o6000
                elif p == "t":
                    value |= 0o1000
        value &= mask
        if not who:
            value &= ~umask | 0o7000
        if op == "+":
            mode |= value
        elif op == "-":
            mode &= ~value
        else:
            mode = (mode & ~mask) | value
    return mode


def _walk(ctx: Context, path: str, recursive: bool):
    """(device path, host path) of `path` and, with -R, everything below it (links not followed)."""
    host = ctx.host(path)
    yield path, host
    if recursive and os.path.isdir(host) and not os.path.islink(host):
        for root, dirs, files in os.walk(host):
            for name in sorted(dirs + files):
                full = os.path.join(root, name)
                yield path.rstrip("/") + "/" + os.path.relpath(full, host), full


@applet("chmod")
@usage_guard
def chmod(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    recursive = bool(args) and args[0] == "-R"
    if recursive:
        args = args[1:]
    if len(args) < 2:
        raise UsageError('Need 2 arguments (see "chmod --help")')
    spec, status = args[0], 0
    for operand in args[1:]:
        try:
            for _device, host in _walk(ctx, operand, recursive):
                info = os.lstat(host)
                if st.S_ISLNK(info.st_mode):
                    continue  # Linux has no mode of a symlink; toybox leaves them
                try:
                    mode = new_mode(spec, info.st_mode)
                except ValueError:
                    return ctx.fail(f"bad mode '{spec}'")
                os.chmod(host, mode)
        except OSError as exc:
            ctx.err(f"{operand}: {strerror(exc)}")
            status = 1
    return status


def _owner_ids(ctx: Context, text: str, tool: str) -> None:
    """Check the user[:group] names exist on Android, as toybox does before changing anything."""
    user, _, group = text.partition(":") if tool == "chown" else ("", "", text)
    for kind, name in (("user", user), ("group", group)):
        if name and not name.isdigit() and name not in _NAMES and not re.fullmatch(r"u0_a\d+", name):
            raise UsageError(f"bad {kind} '{name}'")


def _change_owner(ctx: Context, argv: list[str], tool: str) -> int:
    opts = parse(argv, "RhHLPfv", stop_at_operand=True)
    need(ctx, opts.operands, 2)
    owner, paths = opts.operands[0], opts.operands[1:]
    _owner_ids(ctx, owner, tool)
    status = 0
    for path in paths:
        try:
            for device, _host in _walk(ctx, path, "R" in opts):
                if not ctx.phone.root:
                    # Only root may give a file away (Linux's CAP_CHOWN); the shell user is not root.
                    raise PermissionError(1, "Operation not permitted", device)
        except OSError as exc:
            if "f" not in opts:
                user, _, group = owner.partition(":") if tool == "chown" else ("", "", owner)
                ctx.err(f"'{exc.filename or path}' to '{user}:{group}': {strerror(exc)}"
                        if exc.errno == 1 else f"{path}: {strerror(exc)}")
            status = 1
    return status


@applet("chown")
@usage_guard
def chown(ctx: Context, argv: list[str]) -> int:
    """As root the phone accepts the change (its storage keeps no per-file owner); as the shell
    user it fails with EPERM, as Linux does."""
    return _change_owner(ctx, argv, "chown")


@applet("chgrp")
@usage_guard
def chgrp(ctx: Context, argv: list[str]) -> int:
    return _change_owner(ctx, argv, "chgrp")


@applet("truncate")
@usage_guard
def truncate(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "c", "s")
    need(ctx, opts.operands, 1)
    if "s" not in opts:
        raise UsageError('Needs -s (see "truncate --help")')
    text = str(opts.get("s"))
    sign = text[0] if text[:1] in "+-<>/%" else ""
    size = atolx(text[1:] if sign else text)
    status = 0
    for path in opts.operands:
        host = ctx.host(path)
        if not os.path.exists(host):
            if "c" in opts:
                continue
            try:
                ctx.storage.open_write(path, ctx.cwd).close()
            except OSError as exc:
                ctx.err(f"{path}: {strerror(exc)}")
                status = 1
                continue
        old = os.path.getsize(host)
        new = {"+": old + size, "-": max(0, old - size), "<": min(old, size), ">": max(old, size),
               "/": old // size * size if size else old, "%": -(-old // size) * size if size else old}.get(sign, size)
        if new > old and ctx.storage.reserve(new - old, path) < new - old:
            ctx.err(f"{path}: No space left on device")
            status = 1
            continue
        if new < old:
            ctx.storage.release(old - new)
        try:
            os.truncate(host, new)
        except OSError as exc:
            ctx.err(f"{path}: {strerror(exc)}")
            status = 1
    return status


@applet("unlink")
@usage_guard
def unlink(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv)
    if len(opts.operands) != 1:
        raise UsageError('Needs 1 argument (see "unlink --help")' if not opts.operands
                         else 'Max 1 argument (see "unlink --help")')
    path = opts.operands[0]
    try:
        ctx.storage.unlink(path, ctx.cwd)
    except OSError as exc:
        return ctx.fail(f"couldn't unlink '{path}': {strerror(exc)}")
    return 0
