"""cut and tr: selecting fields, characters and bytes, and translating, deleting and
squeezing characters as toybox does (tr as Android's toybox, Debian's has none).
"""

import re

from ...api import Context, applet
from ..options import Inputs, UsageError, arg_bytes, chunks, lines, parse
from .base import usage


# -- cut --------------------------------------------------------------------------------------
def _cut_ranges(text: str, letter: str) -> list[list[int]]:
    pairs = []
    for piece in text.split(","):
        found = re.fullmatch(r"(\d*)(-?)(\d*)", piece)
        prefix = f"bad -{letter} '{piece}'"
        indent = len(f"cut: bad -{letter} '")  # the caret line points into the list, as toybox's does
        if not found or piece in ("", "-"):
            raise UsageError(prefix)
        low = int(found.group(1)) if found.group(1) else 0
        high = int(found.group(3)) if found.group(3) else (low if not found.group(2) else 1 << 32)
        if found.group(1) and low < 1:
            raise UsageError(f"{prefix}\n{' ' * (indent + len(found.group(1)))}^")
        if found.group(3) and high < 1:
            raise UsageError(f"{prefix}\n{' ' * (indent + len(piece))}^")
        if low > high:
            raise UsageError(f"{prefix}\n{' ' * indent}^")
        pairs.append([low, high])
    return pairs


@applet("cut")
def cut(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "sDn", "bcfdO", {"output-delimiter": "O"})
        kinds = [letter for letter in "bcf" if letter in opts]
        if len(kinds) != 1:
            raise UsageError("Needs -CFfcb (see \"cut --help\")" if not kinds
                             else f"No '{kinds[0]}' with '{kinds[1]}' (see \"cut --help\")")
        if "s" in opts and "f" not in opts:
            raise UsageError("-s needs -Ff")
        if "d" in opts and "f" not in opts:
            raise UsageError("-d needs -Ff")
        kind = kinds[0]
        pairs = []
        for text in opts.all(kind):
            pairs += _cut_ranges(text, kind)
    except UsageError as exc:
        return usage(ctx, exc)
    if "D" not in opts:
        pairs.sort()
        merged: list[list[int]] = []
        for pair in pairs:
            if merged and pair[0] <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], pair[1])
            else:
                merged.append(list(pair))
        pairs = merged
    delim = arg_bytes(opts.get("d", "\t"))
    joiner = arg_bytes(opts.get("O")) if "O" in opts else (delim if kind == "f" else b"")
    inputs = Inputs(ctx, opts.operands, directories="empty")
    for _name, stream in inputs:
        for raw in lines(stream):
            line = raw[:-1] if raw.endswith(b"\n") else raw
            picked, newline = _cut_line(line, kind, pairs, delim, joiner, "s" in opts, "D" in opts)
            ctx.stdout.write(picked + b"\n" if newline else picked)
    return inputs.status


def _cut_line(line: bytes, kind: str, pairs: list[list[int]], delim: bytes, joiner: bytes,
              only_delimited: bool, no_collate: bool) -> tuple[bytes, bool]:
    """One output line and whether it ends with a newline (-s stops a line short without one).

    This follows toybox 0.8.9's cut_line() step by step, quirks included: a selection starting
    past the line's length in bytes is skipped even for fields, field 1 of a line without
    delimiter is the whole line even with -s, and a later selection of such a line repeats it.
    """
    units = None
    if kind == "c":
        units = [ch.encode("utf-8", "surrogateescape") for ch in line.decode("utf-8", "surrogateescape")]
    out = bytearray()
    n = len(line)
    for index, (low, high) in enumerate(pairs):
        start = low - 1 if low else 0
        if start >= n:
            continue
        end = n if high > n else high
        count = end - start
        if kind != "f":
            if units is not None:
                if start >= len(units):
                    continue
                piece = b"".join(units[start:start + count])
            else:
                piece = line[start:end]
            out += (joiner if index and joiner else b"") + piece
            continue
        # skip `start` delimiters, then take `count` fields
        pos = 0
        skip = start
        while pos < n and skip:
            pos += 1
            if line[pos - 1] in delim:
                skip -= 1
        if pos >= n:
            if skip == start:  # no delimiter at all in the line
                if no_collate:
                    break
                if only_delimited:
                    return bytes(out), False
                out += line
                break
            continue
        first = pos
        take = count
        while pos < n and take:
            pos += 1
            if line[pos - 1] in delim:
                take -= 1
                if not take:
                    pos -= 1
        out += (joiner if index and joiner else b"") + line[first:pos]
    return bytes(out), True


# -- tr ---------------------------------------------------------------------------------------
_TR_CLASSES = {
    "alpha": bytes(b for b in range(256) if chr(b).isalpha() and b < 128),
    "digit": b"0123456789",
    "alnum": bytes(b for b in range(128) if chr(b).isalnum()),
    "upper": bytes(range(65, 91)), "lower": bytes(range(97, 123)),
    "space": b"\t\n\v\f\r ", "blank": b"\t ", "xdigit": b"0123456789ABCDEFabcdef",
    "punct": bytes(b for b in range(33, 127) if not chr(b).isalnum()),
    "print": bytes(range(32, 127)), "graph": bytes(range(33, 127)),
    "cntrl": bytes(list(range(32)) + [127]),
}
_TR_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}


def _tr_set(text: bytes) -> bytes:
    """Expand a tr SET: escapes, ranges, [:class:], [=c=] and [c*n]."""
    items: list[int] = []
    i = 0
    n = len(text)

    def one(pos: int) -> tuple[int, int]:
        if text[pos] == 92 and pos + 1 < n:
            nxt = chr(text[pos + 1])
            if nxt in "01234567":
                end = pos + 1
                while end < n and end < pos + 4 and chr(text[end]) in "01234567":
                    end += 1
                return int(text[pos + 1:end], 8) & 0xFF, end
            return _TR_ESCAPES.get(nxt, text[pos + 1]), pos + 2
        return text[pos], pos + 1

    while i < n:
        if text[i] == 91 and i + 1 < n and text[i + 1] in b":=":
            kind = text[i + 1:i + 2]
            end = text.find(kind + b"]", i + 2)
            if end > 0:
                name = text[i + 2:end].decode("latin-1")
                if kind == b":" and name in _TR_CLASSES:
                    items.extend(_TR_CLASSES[name])
                    i = end + 2
                    continue
                if kind == b"=" and end == i + 3:
                    items.append(text[i + 2])
                    i = end + 2
                    continue
        if text[i] == 91:
            found = re.match(rb"\[(\\?.)\*(\d*)\]", text[i:], re.S)
            if found:
                char, _ = one(i + 1)
                items.extend([char] * (int(found.group(2), 8 if found.group(2).startswith(b"0") else 10)
                                       if found.group(2) else 0) or [char])
                i += found.end()
                continue
        char, i = one(i)
        if i + 1 < n and text[i] == 45:
            high, after = one(i + 1)
            if high < char:
                raise UsageError(f"range '{chr(char)}-{chr(high)}' is backwards")
            items.extend(range(char, high + 1))
            i = after
            continue
        items.append(char)
    return bytes(items)


@applet("tr")
def tr(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "cCds", "", {"complement": "c", "delete": "d", "squeeze-repeats": "s"})
        sets = opts.operands
        if not sets or len(sets) > 2:
            raise UsageError("Needs 1-2 arguments")
        set1 = _tr_set(arg_bytes(sets[0]))
        set2 = _tr_set(arg_bytes(sets[1])) if len(sets) > 1 else b""
        if len(sets) == 1 and "d" not in opts and "s" not in opts:
            raise UsageError("Needs 2 arguments")
    except UsageError as exc:
        return usage(ctx, exc)
    if "c" in opts or "C" in opts:
        set1 = bytes(b for b in range(256) if b not in set1)
    delete = "d" in opts
    squeeze_set = set2 if (delete or len(sets) > 1) else set1
    table = list(range(256))
    if not delete and set2:
        for index, b in enumerate(set1):
            table[b] = set2[min(index, len(set2) - 1)]
    mapping = bytes(table)
    dropped = set1 if delete else b""
    squeeze = frozenset(squeeze_set) if "s" in opts else frozenset()
    last = -1
    for data in chunks(ctx.stdin):
        data = data.translate(mapping, dropped)
        if squeeze:
            out = bytearray()
            for b in data:
                if b == last and b in squeeze:
                    continue
                out.append(b)
                last = b
            data = bytes(out)
        ctx.stdout.write(data)
    return 0
