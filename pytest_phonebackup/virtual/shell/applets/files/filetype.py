"""file: what a file holds, from its first bytes, in toybox 0.8.9's words (the media formats a
gallery has, archives, scripts, text). Not a full magic database: other binaries are "data".
"""

from __future__ import annotations

import os
import stat as st
import struct

from ...api import Context, applet
from ..options import UsageError, parse
from .base import strerror, usage_guard

HEAD = 4096  # bytes of a file toybox looks at
_PNG_COLORS = {0: "grayscale", 2: "color RGB", 3: "colormap", 4: "gray+alpha", 6: "color RGBA"}


def _text(data: bytes) -> str | None:
    if all(32 <= b < 127 or b in (9, 10, 12, 13, 8, 27) for b in data):
        return "ASCII text"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 3:  # a character cut off at the end of what was read is fine
            return None
    if any(b < 32 and b not in (9, 10, 12, 13, 8, 27) for b in data):
        return None
    return "UTF-8 text"


def describe(data: bytes) -> str:
    """toybox file's verdict on a regular file that starts with `data` (up to HEAD bytes)."""
    if not data:
        return "empty"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 29:
        width, height = struct.unpack(">II", data[16:24])
        color = _PNG_COLORS.get(data[25], "unknown")
        interlaced = "interlaced" if data[28] else "non-interlaced"
        return f"PNG image data, {width} x {height}, {data[24]}-bit/{color}, {interlaced}"
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return f"GIF image data, version {data[3:6].decode()}, {width} x {height}"
    if data.startswith(b"\xff\xd8"):
        return "JPEG image data"
    if data.startswith(b"BM") and len(data) >= 30:
        width, height = struct.unpack("<ii", data[18:26])
        return f"BMP image, {width} x {height}, {struct.unpack('<H', data[28:30])[0]} bpp"
    if data.startswith(b"\x1f\x8b"):
        return "gzip compressed data"
    if data.startswith(b"PK\x03\x04") and len(data) >= 6:
        needed = struct.unpack("<H", data[4:6])[0]
        return f"Zip archive data, requires at least v{needed // 10}.{needed % 10} to extract"
    if data[257:265] == b"ustar  \0":
        return "POSIX tar archive (GNU)"
    if data[257:263] == b"ustar\0":
        return "POSIX tar archive"
    if data.startswith(b"#!"):
        interpreter = data[2:].split(b"\n", 1)[0].strip().split(b" ", 1)[0]
        return f"{interpreter.decode('utf-8', 'surrogateescape')} script"
    return _text(data) or "data"


@applet("file")
@usage_guard
def file(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "bhL")
    if not opts.operands:
        raise UsageError('Needs 1 argument (see "file --help")')
    width = max(len(name.encode("utf-8", "surrogateescape")) for name in opts.operands)
    for name in opts.operands:
        prefix = "" if "b" in opts else (
            f"{name}: " + " " * (width - len(name.encode("utf-8", "surrogateescape"))))
        ctx.out(prefix + _verdict(ctx, name, "L" in opts) + "\n")
    return 0


def _verdict(ctx: Context, name: str, follow: bool) -> str:
    try:
        host = ctx.storage.resolve(name, ctx.cwd, follow).host
        info = os.lstat(host)
    except OSError as exc:
        return f"cannot open: {strerror(exc)}"
    if st.S_ISLNK(info.st_mode):
        target = os.readlink(host)
        try:
            os.stat(ctx.storage.resolve(name, ctx.cwd, True).host)
            return f"symbolic link to {target}"
        except OSError:
            return f"broken symbolic link to {target}"
    if st.S_ISDIR(info.st_mode):
        return "directory"
    if not st.S_ISREG(info.st_mode):
        return {st.S_IFCHR: "character special", st.S_IFBLK: "block special", st.S_IFIFO: "fifo",
                st.S_IFSOCK: "socket"}.get(st.S_IFMT(info.st_mode), "data")
    try:
        with ctx.storage.open_read(name, ctx.cwd) as stream:
            return describe(stream.read(HEAD))
    except OSError as exc:
        return f"cannot open: {strerror(exc)}"
