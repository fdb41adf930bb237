"""tac, rev, nl, paste, comm, strings and cksum: line and byte tools in toybox 0.8.9's formats.
Not for filters that match or sort (`grep.py`, `sorting.py`) or plain reading (`reading.py`).
"""

from __future__ import annotations

import re

from ...api import Context, applet
from ..options import Inputs, UsageError, chunks, lines, number, parse
from .base import usage


@applet("tac")
def tac(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv)
    except UsageError as exc:
        return usage(ctx, exc)
    inputs = Inputs(ctx, opts.operands)
    for _name, stream in inputs:
        # A last line without newline stays without one, so it runs into the line before it.
        ctx.out(b"".join(reversed(list(lines(stream)))))
    return inputs.status


@applet("rev")
def rev(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv)
    except UsageError as exc:
        return usage(ctx, exc)
    inputs = Inputs(ctx, opts.operands)
    for _name, stream in inputs:
        for line in lines(stream):
            ctx.out(line.rstrip(b"\n")[::-1] + b"\n")
    return inputs.status


@applet("nl")
def nl(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "E", "lbnsvw")
        width = number(str(opts.get("w", "6")))
        current = number(str(opts.get("v", "1")))
        blank_run = number(str(opts.get("l", "0")))
    except UsageError as exc:
        return usage(ctx, exc)
    mode, style = str(opts.get("b", "t")), str(opts.get("n", "rn"))
    separator = str(opts.get("s", "\t")).encode()
    pattern = re.compile(mode[1:].encode()) if mode.startswith("p") else None
    align = {"ln": "<", "rn": ">", "rz": "0>"}.get(style)
    if align is None or mode[:1] not in "atnp":
        return ctx.fail(f"bad -{'n' if align is None else 'b'} '{style if align is None else mode}'")
    inputs = Inputs(ctx, opts.operands)
    blanks = 0
    for _name, stream in inputs:
        for line in lines(stream):
            numbered = mode != "n"
            if pattern is not None:
                numbered = pattern.search(line) is not None
            if (blank_run or mode == "t") and line == b"\n":
                blanks += 1
                numbered = bool(blank_run) and blanks >= blank_run
            if numbered:
                blanks = 0
                ctx.out(f"{current:{align}{width}}".encode() + separator + line)
                current += 1
            else:
                ctx.out(b" " * (width + len(separator)) + line)
    return inputs.status


def _delimiters(text: str) -> list[bytes]:
    r"""paste -d's list: \n, \t, \\ and \0 (no delimiter) are escapes."""
    out, i = [], 0
    data = text.encode("utf-8", "surrogateescape")
    while i < len(data):
        if data[i:i + 1] == b"\\" and i + 1 < len(data):
            out.append({b"n": b"\n", b"t": b"\t", b"\\": b"\\", b"0": b""}.get(data[i + 1:i + 2], data[i + 1:i + 2]))
            i += 2
        else:
            out.append(data[i:i + 1])
            i += 1
    return out or [b""]


@applet("paste")
def paste(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "s", "d")
    except UsageError as exc:
        return usage(ctx, exc)
    delims = _delimiters(str(opts.get("d", "\t")))
    names = opts.operands or ["-"]
    inputs = Inputs(ctx, names)
    if "s" in opts:
        for _name, stream in inputs:
            parts = [line.rstrip(b"\n") for line in lines(stream)]
            joined = b"".join(p + (delims[i % len(delims)] if i < len(parts) - 1 else b"")
                              for i, p in enumerate(parts))
            ctx.out(joined + b"\n")
        return inputs.status
    streams = []
    stdin_lines = lines(ctx.stdin)  # every "-" reads the same stdin, a line each in turn
    for name in names:
        if name == "-":
            streams.append(stdin_lines)
            continue
        try:
            streams.append(lines(ctx.storage.open_read(name, ctx.cwd)))
        except OSError:
            # toybox 0.8.9 goes on with the failed descriptor and reports what reading it says
            return ctx.fail("Bad file descriptor")
    while True:
        row = [next(s, None) for s in streams]
        if all(part is None for part in row):
            break
        out = b""
        for i, part in enumerate(row):
            out += (part or b"").rstrip(b"\n")
            if i < len(row) - 1:
                out += delims[i % len(delims)]
        ctx.out(out + b"\n")
    return inputs.status


@applet("comm")
def comm(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "123")
        if len(opts.operands) != 2:
            raise UsageError('Need 2 arguments (see "comm --help")' if len(opts.operands) < 2
                             else 'Max 2 arguments (see "comm --help")')
    except UsageError as exc:
        return usage(ctx, exc)
    inputs = Inputs(ctx, opts.operands, label="No file ")
    streams = []
    for name in opts.operands:
        stream = ctx.stdin if name == "-" else inputs.open(name)
        if stream is None:
            return inputs.status
        streams.append(lines(stream))
    shown = [str(n) not in opts for n in (1, 2, 3)]
    prefixes = [b"", b"\t" * shown[0], b"\t" * (shown[0] + shown[1])]

    def emit(column: int, line: bytes | None) -> None:
        if shown[column] and line is not None:
            ctx.out(prefixes[column] + line.rstrip(b"\n") + b"\n")

    left, right = next(streams[0], None), next(streams[1], None)
    while left is not None or right is not None:
        a = left.rstrip(b"\n") if left is not None else None
        b = right.rstrip(b"\n") if right is not None else None
        if b is None or (a is not None and a < b):
            emit(0, left)
            left = next(streams[0], None)
        elif a is None or b < a:
            emit(1, right)
            right = next(streams[1], None)
        else:
            emit(2, left)
            left, right = next(streams[0], None), next(streams[1], None)
    return inputs.status


@applet("strings")
def strings(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "fo", "nt")
        least = number(str(opts.get("n", "4")))
    except UsageError as exc:
        return usage(ctx, exc)
    radix = "d" if "o" in opts else str(opts.get("t", ""))
    offset_format = {"d": "{:7d} ", "o": "{:7o} ", "x": "{:7x} ", "": ""}.get(radix)
    if offset_format is None:
        return ctx.fail(f"-t needs one of o, d or x: {radix}")
    inputs = Inputs(ctx, opts.operands)
    for name, stream in inputs:
        run, offset = bytearray(), 0
        out = bytearray()
        for data in chunks(stream):
            for byte in data:
                if 32 <= byte <= 126 or byte == 9:
                    run.append(byte)
                    if len(run) == least:
                        prefix = f"{name}: " if "f" in opts else ""
                        out += (prefix + offset_format.format(offset - least + 1)).encode() + run
                    elif len(run) > least:
                        out.append(byte)
                else:
                    if len(run) >= least:
                        out += b"\n"
                    run.clear()
                offset += 1
            ctx.out(bytes(out))
            out.clear()
        if len(run) >= least:
            ctx.out(b"\n")
    return inputs.status


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_CRC = _crc_table()


def posix_crc(data_chunks, length_in_crc: bool = True) -> tuple[int, int]:
    """POSIX cksum's CRC-32 (polynomial 0x04C11DB7, MSB first, length appended) and the length."""
    crc, length = 0, 0
    for data in data_chunks:
        length += len(data)
        for byte in data:
            crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[(crc >> 24) ^ byte]
    if length_in_crc:
        n = length
        while n:
            crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[(crc >> 24) ^ (n & 0xFF)]
            n >>= 8
    return crc ^ 0xFFFFFFFF, length


@applet("cksum")
def cksum(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "HN")
    except UsageError as exc:
        return usage(ctx, exc)
    inputs = Inputs(ctx, opts.operands)
    for name, stream in inputs:
        crc, length = posix_crc(chunks(stream), "N" not in opts)
        text = f"{crc:08x}" if "H" in opts else str(crc)
        if "N" not in opts:
            text += f" {length}"
        ctx.out(text + (f" {name}" if opts.operands else "") + "\n")
    return inputs.status
