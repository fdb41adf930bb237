"""Toybox's fmt: words refilled into lines narrower than -w (75), paragraphs split at blank lines
and at changes of indentation, as toys/other/fmt.c of toybox 0.8.9 does. Not for folding at
fixed columns or for tabs (`convert`'s expand).
"""

from __future__ import annotations

from ...api import Context, applet
from ..options import Inputs, UsageError, lines, number, parse
from .base import usage

_SPACE = b" \t\n\v\f\r"  # isspace() in the C and UTF-8 locales


class _Filler:
    """fmt.c's state between lines: the indentation of the paragraph and the output column."""

    def __init__(self, ctx: Context, width: int):
        self.ctx, self.width, self.level, self.pos = ctx, width, 0, 0

    def newline(self) -> None:
        if self.pos:
            self.ctx.out(b"\n")
        self.pos = 0

    def line(self, line: bytes) -> None:
        idx = count = 0
        while idx < len(line) and line[idx] in _SPACE:
            if line[idx] == 0x09:
                count += 8 - (count & 7)
            elif line[idx] == 0x20:
                count += 1
            idx += 1
        indent = idx
        if idx == len(line):  # a blank line ends the paragraph
            self.ctx.out(b"\n")
            self.level = 0
            self.newline()
            return
        if count != self.level:
            self.newline()
        self.level = count
        out = bytearray()
        while idx < len(line):
            start = idx
            while idx < len(line) and line[idx] not in _SPACE:
                idx += 1
            word = line[start:idx]
            idx += 1
            size = sum(1 for byte in word if not 0x80 <= byte < 0xC0)  # utf8len(): characters
            if self.pos + size + (1 if self.pos else 0) >= self.width:
                self.ctx.out(bytes(out))
                out.clear()
                self.newline()
            if not self.pos:
                self.pos = self.level
                out += line[:indent]
            else:
                size += 1
            out += (b" " if self.pos != self.level else b"") + word
            self.pos += size
            while idx < len(line) and line[idx] in _SPACE:
                idx += 1
        self.ctx.out(bytes(out))


@applet("fmt")
def fmt(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "", "w")
        width = number(str(opts.get("w", "75")))
        if width < 0:
            raise UsageError('-w < 0 (see "fmt --help")')
    except UsageError as exc:
        return usage(ctx, exc)
    filler = _Filler(ctx, width)
    inputs = Inputs(ctx, opts.operands, directories="empty")  # getdelim() on a folder: nothing
    for _name, stream in inputs:
        for line in lines(stream):
            filler.line(line)
        filler.newline()  # do_lines() ends each file with a flush
    return inputs.status
