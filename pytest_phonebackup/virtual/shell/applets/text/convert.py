"""Toybox's converters of text: dos2unix and unix2dos (in place, or stdin to stdout) and expand
(tabs to spaces), in toybox 0.8.9's formats and messages. Not for filters that select lines.
"""

from __future__ import annotations

import random
import re
import string

from ...api import Context, applet
from ..options import Inputs, UsageError, lines, parse
from .base import usage


def _convert_newlines(ctx: Context, argv: list[str], convert) -> int:
    """toybox's dos2unix.c: each FILE is rewritten through a temporary copy beside it; no FILE
    (or "-") means stdin to stdout."""
    status = 0
    for name in argv[1:] or ["-"]:  # dos2unix.c takes no options: "-x" names a file
        if name == "-":
            ctx.out(convert(ctx.stdin.read()))
            continue
        try:
            with ctx.storage.open_read(name, ctx.cwd) as stream:
                data = stream.read()
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
