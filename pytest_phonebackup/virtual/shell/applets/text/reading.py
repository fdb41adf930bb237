"""cat, head, tail and wc: reading files and stdin as they stream, in toybox 0.8.9's formats.
Not for filters that match or reorder lines (`grep.py`, `sorting.py`).
"""

import re
from collections import deque

from ...api import Context, applet
from ..options import CHUNK, Inputs, UsageError, chunks, lines, number, parse
from .base import usage


# -- cat ------------------------------------------------------------------------------------
def _visible(data: bytes, tabs: bool, ends: bool) -> bytes:
    """cat -v/-t/-e: ^X for control bytes, M- for high bytes, ^I for tabs, $ before newlines."""
    out = bytearray()
    for b in data:
        if b == 10:
            if ends:
                out += b"$"
            out.append(10)
            continue
        if b == 9 and not tabs:
            out.append(9)
            continue
        if b >= 128:
            out += b"M-"
            b -= 128
        if b < 32 or b == 127:
            out += b"^" + bytes([b ^ 0x40])
        else:
            out.append(b)
    return bytes(out)


@applet("cat")
def cat(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "etuv")
    except UsageError as exc:
        return usage(ctx, exc)
    show = "v" in opts or "e" in opts or "t" in opts
    inputs = Inputs(ctx, opts.operands)
    for _name, stream in inputs:
        if not show:
            for data in chunks(stream):
                ctx.stdout.write(data)
        else:
            for line in lines(stream):
                ctx.stdout.write(_visible(line, "t" in opts, "e" in opts))
    return inputs.status


# -- head / tail ------------------------------------------------------------------------------
def _header(ctx: Context, name: str, index: int) -> None:
    ctx.out(("\n" if index else "") + f"==> {'standard input' if name == '-' else name} <==\n")


@applet("head")
def head(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "qv", "nc", {"lines": "n", "bytes": "c", "quiet": "q", "silent": "q",
                                        "verbose": "v"}, unknown_as_operands=True)
        count_lines = number(opts.get("n", "10"))
        count_bytes = number(opts.get("c")) if "c" in opts else None
        for letter, value in (("n", count_lines), ("c", count_bytes)):
            if value is not None and value < 0:
                raise UsageError(f"-{letter} < 0 (see \"head --help\")")
        # the old `head -42 FILE` style: a first operand starting with '-' is the count
        if opts.operands and opts.operands[0].startswith("-") and len(opts.operands[0]) > 1:
            count_lines = number(opts.operands.pop(0)[1:])
    except UsageError as exc:
        return usage(ctx, exc)
    headers = (len(opts.operands) > 1 and "q" not in opts) or "v" in opts
    inputs = Inputs(ctx, opts.operands, directories="defer")
    for index, (name, stream) in enumerate(inputs):
        if headers:
            _header(ctx, name, index)
        try:
            _head_copy(ctx, stream, count_lines, count_bytes)
        except OSError as exc:
            inputs.failed(name, exc)
    return inputs.status


def _head_copy(ctx: Context, stream, count_lines: int, count_bytes: int | None) -> None:
    if count_bytes is not None:
        left = count_bytes
        while left:
            data = stream.read(min(left, 65536))
            if not data:
                break
            ctx.stdout.write(data)
            left -= len(data)
        return
    left = count_lines
    while left:
        data = stream.read(CHUNK)
        if not data:
            break
        pos = 0
        while left:
            cut = data.find(b"\n", pos)
            if cut < 0:
                pos = len(data)
                break
            pos, left = cut + 1, left - 1
        ctx.stdout.write(data[:pos])


@applet("tail")
def tail(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "fF", "ncs", {"lines": "n", "bytes": "c", "follow": "f"},
                     unknown_as_operands=True)
        by_bytes = "c" in opts
        text = opts.get("c" if by_bytes else "n")
        if text is None and opts.operands and opts.operands[0][:1] in ("-", "+") and len(opts.operands[0]) > 1:
            # the old `tail -42 FILE` / `tail +42 FILE` style
            text = opts.operands.pop(0)
        text = str(text or "10")
        from_start = text.startswith("+")
        count = abs(number(text.lstrip("+")))
        if count == 0:  # toybox 0.8.9 prints everything for -n 0
            from_start, count = True, 1
    except UsageError as exc:
        return usage(ctx, exc)
    headers = len(opts.operands) > 1
    inputs = Inputs(ctx, opts.operands, directories="empty")
    for index, (name, stream) in enumerate(inputs):
        if headers:
            _header(ctx, name, index)
        if from_start:
            _tail_from(ctx, stream, by_bytes, max(count, 1))
        elif by_bytes:
            kept = bytearray()
            for data in chunks(stream):
                kept += data
                if len(kept) > count:
                    del kept[: len(kept) - count]
            ctx.stdout.write(bytes(kept))
        else:
            last: deque[bytes] = deque(maxlen=count)
            for line in lines(stream):
                last.append(line)
            for line in last:
                ctx.stdout.write(line)
    return inputs.status


def _tail_from(ctx: Context, stream, by_bytes: bool, start: int) -> None:
    """tail -n +N / -c +N: everything from line (byte) N on."""
    if by_bytes:
        skip = start - 1
        while skip:
            data = stream.read(min(skip, 65536))
            if not data:
                return
            skip -= len(data)
        for data in chunks(stream):
            ctx.stdout.write(data)
        return
    to_skip = start - 1
    for data in chunks(stream):
        pos = 0
        while to_skip:
            cut = data.find(b"\n", pos)
            if cut < 0:
                pos = len(data)
                break
            pos, to_skip = cut + 1, to_skip - 1
        ctx.stdout.write(data[pos:])


# -- wc ---------------------------------------------------------------------------------------
@applet("wc")
def wc(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "lwcm", "", {"lines": "l", "words": "w", "bytes": "c", "chars": "m"})
    except UsageError as exc:
        return usage(ctx, exc)
    shown = [letter for letter in "lwcm" if letter in opts] or ["l", "w", "c"]
    files = opts.operands
    width = 0 if (not files and len(shown) == 1) or len(files) == 1 else 7
    totals = dict.fromkeys("lwcm", 0)

    def show(counts: dict[str, int], name: str | None) -> None:
        cells = [f"{counts[letter]:{width}d}" for letter in shown]
        ctx.out(" ".join(cells) + (f" {name}" if name is not None else "") + "\n")

    inputs = Inputs(ctx, files, directories="report-empty")
    for name, stream in inputs:
        counts = _count(stream, shown)
        for letter in totals:
            totals[letter] += counts[letter]
        show(counts, name if files else None)
    if len(files) > 1:
        show(totals, "total")
    return inputs.status


_SPACE = frozenset(b" \t\n\v\f\r")
_WORD = re.compile(rb"[^ \t\n\v\f\r]+")
_UNICODE_WORD = re.compile(r"\S+")
_INVALID = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def _count(stream, shown: list[str]) -> dict[str, int]:
    """Lines, words, bytes and (with -m) UTF-8 characters, chunk by chunk; with -m words are
    split at Unicode spaces and invalid bytes count as nothing, as toybox's wc does."""
    counts = dict.fromkeys("lwcm", 0)
    chars, words = "m" in shown, "w" in shown
    in_word = False
    pending = b""  # an incomplete UTF-8 sequence at a chunk's end
    for data in chunks(stream):
        counts["l"] += data.count(b"\n")
        counts["c"] += len(data)
        unit: str | bytes
        if chars:
            text = (pending + data).decode("utf-8", "surrogateescape")
            pending = b""
            # a trailing partial sequence decodes to surrogates; hold it for the next chunk
            tail = len(text)
            while tail and 0xDC80 <= ord(text[tail - 1]) <= 0xDCFF and len(text) - tail < 3:
                tail -= 1
            if tail < len(text):
                pending = text[tail:].encode("utf-8", "surrogateescape")
                text = text[:tail]
            invalid = len(_INVALID.findall(text))
            counts["m"] += len(text) - invalid
            unit = _INVALID.sub("", text) if invalid else text
        else:
            unit = data
        if words and unit:
            n, starts_with_space, ends_with_space = _words_in(unit)
            if in_word and not starts_with_space:
                n -= 1  # the word that ended the previous chunk goes on
            counts["w"] += n
            in_word = not ends_with_space
    return counts


def _words_in(unit: str | bytes) -> tuple[int, bool, bool]:
    """Words in a non-empty chunk (Unicode spaces split decoded text, ASCII ones split bytes),
    and whether the chunk starts and ends with a space."""
    if isinstance(unit, str):
        return len(_UNICODE_WORD.findall(unit)), unit[0].isspace(), unit[-1].isspace()
    return len(_WORD.findall(unit)), unit[0] in _SPACE, unit[-1] in _SPACE
