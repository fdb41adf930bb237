"""Toybox's converters of text: dos2unix and unix2dos (in place, or stdin to stdout), expand
(tabs to spaces), uuencode and uudecode, in toybox 0.8.9's formats and messages. Not for filters that select lines.
"""

from __future__ import annotations

import random
import re
import string
from typing import Any

from ...api import Context, applet
from ..files.perms import new_mode
from ..options import Inputs, UsageError, chunks, lines, parse
from .base import usage


def _convert_newlines(ctx: Context, argv: list[str], convert) -> int:
    """toybox's dos2unix.c: each FILE is rewritten through a temporary copy beside it; no FILE
    (or "-") means stdin to stdout."""
    status = 0
    for name in argv[1:] or ["-"]:  # dos2unix.c takes no options: "-x" names a file
        if name == "-":
            ctx.out(convert(b"".join(chunks(ctx.stdin))))
            continue
        try:
            with ctx.storage.open_read(name, ctx.cwd) as stream:
                data = b"".join(chunks(stream))
        except OSError as exc:
            ctx.err(f"{name}: {exc.strerror}")
            if ctx.storage.exists(name, ctx.cwd):
                # copy_tempfile() made NAMEXXXXXX; renaming it over a folder ends the command
                temp = name + "".join(random.choices(string.ascii_letters + string.digits, k=6))
                return ctx.fail(f"rename {temp} -> {name}: {exc.strerror}")
            status = 1
            continue
        try:
            with ctx.storage.open_write(name, ctx.cwd) as out:
                out.write(convert(data))
        except OSError as exc:
            return ctx.fail(f"{name}: {exc.strerror}")
    return status


@applet("dos2unix")
def dos2unix(ctx: Context, argv: list[str]) -> int:
    return _convert_newlines(ctx, argv, lambda data: data.replace(b"\r\n", b"\n"))


_LONE_NEWLINE = re.compile(rb"(?<!\r)\n")


@applet("unix2dos")
def unix2dos(ctx: Context, argv: list[str]) -> int:
    return _convert_newlines(ctx, argv, lambda data: _LONE_NEWLINE.sub(b"\r\n", data))


def _tab_stops(specs: list[str]) -> list[int]:
    """-t lists (commas or blanks, every -t adds to the list), increasing; ValueError if bad."""
    stops: list[int] = []
    for spec in specs:
        for part in re.split(r"[ ,]", spec):
            if not part:
                continue
            if not part.isdigit():
                raise ValueError(part)
            stops.append(int(part))
    if any(b <= a for a, b in zip(stops, stops[1:], strict=False)):
        raise ValueError(specs)
    return stops


def _expand_line(line: bytes, stops: list[int]) -> bytes:
    out = bytearray()
    column = 0
    for byte in line:
        if byte == 0x09:
            if len(stops) == 1:
                width = stops[0] - column % stops[0]
            else:
                width = next((stop - column for stop in stops if stop > column), 1)
            out += b" " * width
            column += width
            continue
        out.append(byte)
        if byte == 0x08:
            column = max(0, column - 1)
        elif byte == 0x0A:
            column = 0
        elif not 0x80 <= byte < 0xC0:
            column += 1  # control characters too; a UTF-8 sequence counts once, by its lead byte
    return bytes(out)


@applet("expand")
def expand(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "", "t")
        stops = _tab_stops([str(t) for t in opts.all("t")]) or [8]
    except UsageError as exc:
        return usage(ctx, exc)
    except ValueError:
        return ctx.fail("bad tablist")
    if 0 in stops[:1] and len(stops) == 1:
        return ctx.fail("bad tablist")
    inputs = Inputs(ctx, opts.operands)
    for _name, stream in inputs:
        for line in lines(stream):
            ctx.out(_expand_line(line, stops))
    return inputs.status


# -- uuencode and uudecode (toys/posix/uuencode.c, uudecode.c) ------------------------------------
_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@applet("uuencode")
def uuencode(ctx: Context, argv: list[str]) -> int:
    """`uuencode [-m] [FILE] NAME`: 45 bytes a line (57 with -m, base64), mode 744 in the header."""
    try:
        opts = parse(argv, "m")
        if not opts.operands:
            raise UsageError('Needs 1 argument (see "uuencode --help")')
        if len(opts.operands) > 2:
            raise UsageError('Max 2 arguments (see "uuencode --help")')
    except UsageError as exc:
        return usage(ctx, exc)
    base64 = "m" in opts
    stream: Any = ctx.stdin
    if len(opts.operands) == 2:
        try:
            stream = ctx.storage.open_read(opts.operands[0], ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{opts.operands[0]}: {exc.strerror}")
    out = [f"begin{'-base64' if base64 else ''} 744 {opts.operands[-1]}\n".encode()]
    try:
        while data := stream.read(57 if base64 else 45):
            line = bytearray() if base64 else bytearray([len(data) + 32])
            for start in range(0, len(data), 3):
                group = data[start:start + 3]
                value = int.from_bytes(group.ljust(3, b"\0"), "big")
                for j in range(4):
                    six = (value >> (18 - 6 * j)) & 0x3F
                    if base64:
                        line.append(ord("=") if j > len(group) else _BASE64[six])
                    else:
                        line.append(six + 0x20 if six else 0x60)
            out.append(bytes(line) + b"\n")
    except OSError as exc:
        return ctx.fail(f"xread: {exc.strerror}")
    finally:
        if stream is not ctx.stdin:
            stream.close()
    ctx.out(b"".join(out) + (b"====\n" if base64 else b"end\n"))
    return 0


# sscanf("begin%*[ ]%15s%*[ ]%n"): blanks after the mode are needed for the header to count
_BEGIN = (re.compile(rb"begin +(\S{1,15}) +"), re.compile(rb"begin-base64 +(\S{1,15}) +"))


def _uudecode_line(line: bytes, base64: bool) -> tuple[bytes, bool]:
    """The bytes one line holds, and False when a group breaks off (uudecode.c: "bad LINE")."""
    out = bytearray()
    chars = iter(line[1:] if not base64 else line)
    left = (line[0] - 32) & 0x3F if line and not base64 else 0
    while True:
        if not base64 and left < 1:
            return bytes(out), True
        want = left + 1 if not base64 and left < 3 else 4
        i = value = 0
        while i < want:
            c = next(chars, None)
            if c is None:
                return bytes(out), True
            if base64:
                if c == ord("="):
                    want -= 1
                    continue
                if want != 4:
                    break
                six = _BASE64.find(bytes([c]))
                if six < 0:
                    continue
            else:
                six = (c - 32) & 0x3F
            value |= six << (6 * (3 - i))
            if i and i < want:
                out.append((value >> (8 * (3 - i))) & 0xFF)
                left -= 1
            i += 1
        if i and i != want:
            return bytes(out), False


@applet("uudecode")
def uudecode(ctx: Context, argv: list[str]) -> int:
    """Writes the file the begin line names (or -o FILE, `-o -` for stdout) with its mode."""
    try:
        opts = parse(argv, "", "o")
        if len(opts.operands) > 1:
            raise UsageError('Max 1 argument (see "uudecode --help")')
    except UsageError as exc:
        return usage(ctx, exc)
    if opts.operands:
        try:
            with ctx.storage.open_read(opts.operands[0], ctx.cwd) as stream:
                text = b"".join(chunks(stream))
        except OSError as exc:  # xfopen(): "No file NAME"
            return ctx.fail(f"No file {opts.operands[0]}: {exc.strerror}")
    else:
        text = b"".join(chunks(ctx.stdin))
    # getline() then line[n-1] = 0: the last character goes, newline or not
    rows = [row[:-1] for row in text.splitlines(keepends=True)]
    header = None
    while rows and header is None:
        row = rows.pop(0)
        for base64, pattern in enumerate(_BEGIN):
            found = pattern.match(row)
            if found:
                header = (bool(base64), found.group(1), row[found.end():])
                break
    if header is None:
        return ctx.fail("no begin line")
    base64, mode_text, name = header
    target = str(opts.get("o")) if "o" in opts else name.decode("utf-8", "surrogateescape")
    try:
        mode = new_mode(mode_text.decode(), 0o777 ^ 0o022, umask=0) & 0o7777
    except ValueError:
        mode = 0o644
    data = bytearray()
    status = 0
    for row in rows:
        if row == (b"====" if base64 else b"end"):
            break
        decoded, whole = _uudecode_line(row, base64)
        if not whole:  # the message shows the line as decoding left it: overwritten in place
            shown = decoded + row[len(decoded):]
            ctx.err(f"bad {shown.decode('utf-8', 'surrogateescape')}")
            status = 1
            break
        data += decoded
    if target == "-":
        ctx.out(bytes(data))
        return status
    try:
        created = not ctx.storage.exists(target, ctx.cwd)
        with ctx.storage.open_write(target, ctx.cwd, mode=mode) as out:
            out.write(bytes(data))
        if created:  # O_CREAT's mode, under uudecode's umask of 0; an old file keeps its own
            ctx.storage.chmod(target, mode, ctx.cwd)
    except OSError as exc:
        return ctx.fail(f"{target}: {exc.strerror}")
    return status
