"""What toybox's file applets share: Android's user names, mode strings, times, errors, usage
handling, the walk over the phone's storage and toybox's number parser. Not an applet itself.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat as st
import time

from ...api import Context
from ..options import UsageError

CHUNK = 1 << 16
XARGS_MAX_BYTES = 128 * 1024  # argument bytes per command (Android's ARG_MAX is larger; batches just split)

# Android's fixed user and group names (bionic's android_ids); app uids are u0_aN.
ANDROID_IDS = {0: "root", 1000: "system", 1001: "radio", 1013: "media", 1015: "sdcard_rw",
               1023: "media_rw", 1028: "sdcard_r", 1077: "external_storage", 2000: "shell",
               3003: "inet", 9997: "everybody"}


def id_name(uid: int) -> str:
    if uid in ANDROID_IDS:
        return ANDROID_IDS[uid]
    if 10000 <= uid < 20000:
        return f"u0_a{uid - 10000}"
    return str(uid)


def mode_string(mode: int) -> str:
    """`-rw-r--r--` (toybox's mode_to_string, with s/S/t/T)."""
    chars = []
    for i in range(8, -1, -1):
        bit = mode & (1 << i)
        kind = i % 3
        special = mode & (1 << (9 + i // 3))
        if kind == 0 and special:
            c = "tss"[i // 3]
            chars.append(c if bit else c.upper())
        else:
            chars.append("xwr"[kind] if bit else "-")
    if st.S_ISDIR(mode):
        first = "d"
    elif st.S_ISBLK(mode):
        first = "b"
    elif st.S_ISCHR(mode):
        first = "c"
    elif st.S_ISLNK(mode):
        first = "l"
    elif st.S_ISFIFO(mode):
        first = "p"
    elif st.S_ISSOCK(mode):
        first = "s"
    else:
        first = "-"
    return first + "".join(chars)


def iso_time(seconds: int, nanos: int) -> str:
    """`2023-11-14 22:13:20.000000000 +0000` (the phone's clock is UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d} +0000"


def ns_parts(ns: int) -> tuple[int, int]:
    return ns // 1_000_000_000, ns % 1_000_000_000


def to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def strerror(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else str(exc)


def usage_guard(func):
    """Report toybox-style usage errors (`ls: Unknown option 'z' (see "ls --help")`)."""

    def run(ctx: Context, argv: list[str]) -> int:
        try:
            return func(ctx, argv)
        except UsageError as exc:
            return ctx.fail(str(exc))

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


def need(ctx: Context, operands: list[str], count: int) -> None:
    if len(operands) < count:
        plural = "s" if count > 1 else ""
        raise UsageError(f'Needs {count} argument{plural} (see "{ctx.argv0} --help")')


class Node:
    """A file seen by a walker: its shown path, host path and lstat/stat result."""

    __slots__ = ("path", "host", "info", "name", "depth", "parent")

    def __init__(self, path: str, host: str, info: os.stat_result, name: str, depth: int,
                 parent: Node | None):
        self.path, self.host, self.info, self.name, self.depth, self.parent = path, host, info, name, depth, parent


def lookup(ctx: Context, path: str, follow: bool) -> tuple[str, os.stat_result]:
    """(host path, stat) of a device path; raises OSError naming the device path."""
    res = ctx.storage.resolve(path, ctx.cwd, follow)
    try:
        return res.host, ctx.storage.info(res, path)
    except OSError as exc:
        raise OSError(exc.errno, os.strerror(exc.errno or errno.EIO), path) from None


def entries(host: str, follow: bool = False, ctx: Context | None = None, device: str = ""
            ) -> list[tuple[str, str, os.stat_result]]:
    """(name, host path, stat) of a folder's entries in directory order (as readdir gives them).

    With `follow`, symlinks are resolved through the phone's storage (never by the host). With
    `ctx`, the folders of /proc and /dev list what the phone's kernel serves."""
    out = []
    if ctx is not None:
        device = device or device_of(ctx, host)
    if ctx is not None:
        # the kernel's under /proc and /dev; refused when this user may not read the folder
        found = ctx.storage.listdir(device, by_name=False)
    else:
        with os.scandir(host) as it:
            found = list(it)
    for entry in found:
        try:
            info = entry.stat(follow_symlinks=False)
            if ctx is not None:  # the owner, group and mode the phone shows
                info = ctx.storage.permissions.present(posixpath.join(device, entry.name), info)
            path = entry.path
            if follow and st.S_ISLNK(info.st_mode) and ctx is not None:
                try:
                    path, info = lookup(ctx, posixpath.join(device, entry.name), True)
                except OSError:
                    path = entry.path
        except OSError:
            continue
        out.append((entry.name, path, info))
    return out


def device_of(ctx: Context, host: str) -> str:
    return ctx.storage.to_device(host)


def link_text(ctx: Context, host: str) -> str:
    """The target of the symlink at a host path, read through the phone (/proc/self is the kernel's)."""
    return ctx.storage.readlink(device_of(ctx, host))


def human(value: int, digits: int = 3) -> str:
    """toybox's human_readable: divide by 1024 (rounding) until at most 3 digits are left; a
    single digit gets one decimal, cut rather than rounded (2004 -> 1.9K, 300000 -> 293K)."""
    num, snap, unit = value, 0, 0
    while len(str(num)) > digits:
        snap = num
        num = (num + 512) // 1024
        unit += 1
    text = str(num)
    if unit and len(text) == 1:
        whole = snap // 1024
        tenths = ((snap - whole * 1024) * 100 + 50) // 1024 // 10
        text = f"{whole}.{tenths}"
    return text + (" KMGTPEZY"[unit] if unit else "")


# -- toybox's numbers (find's -size/-mtime, dd's bs= and count=) ------------------------------
class FindError(Exception):
    """A find expression or a number toybox cannot read (dd reports it too)."""


def numsign(text: str, units: int) -> tuple[str, int]:
    sign = ""
    body = text
    if body[:1] in "+-":
        sign, body = body[0], body[1:]
    elif not body[:1].isdigit():
        raise FindError(f"{text} not [+-]N")
    value = atolx(body)
    if units and body[-1:].isdigit():
        value *= units
    return sign, value


def atolx(text: str) -> int:
    """toybox's number parser: 12, 0x1f, 10k, 2M, 3b (512s), 4c (bytes)."""
    digits = ""
    i = 0
    if text.lower().startswith("0x"):
        i = 2
        while i < len(text) and text[i] in "0123456789abcdefABCDEF":
            i += 1
        value = int(text[:i], 16)
    else:
        while i < len(text) and text[i].isdigit():
            i += 1
        digits = text[:i]
        if not digits:
            raise FindError(f"not integer: {text}")
        value = int(digits)
    rest = text[i:]
    if rest:
        suffix = rest[0].lower()
        table = "cwbkmgtpe"
        if suffix not in table:
            raise FindError(f"not integer: {text}")
        shift = table.index(suffix) - 2
        rest = rest[1:]
        if shift == -1:
            value *= 2
        elif shift == 0:
            value *= 512
        elif shift > 0:
            if rest[:1].lower() == "d":
                rest = rest[1:]
                value *= 1000 ** shift
            else:
                value *= 1 << (shift * 10)
        if rest.strip():
            raise FindError(f"not integer: {text}")
    return value


def compare(value: int, spec: tuple[str, int]) -> bool:
    sign, target = spec
    if sign == "+":
        return value > target
    if sign == "-":
        return value < target
    return value == target
