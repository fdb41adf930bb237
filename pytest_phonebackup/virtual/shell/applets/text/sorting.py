"""sort and uniq: toybox's keys, comparisons (numeric, general, human, month, version) and
repeat counting. sort reads everything first; uniq streams.
"""

import functools
import re

from ....storage import CountedWriter
from ...api import Context, applet
from ...streams import Output
from ..options import Inputs, UsageError, arg_bytes, chunks, number, parse, write_all
from .base import usage
from .reading import _SPACE


# -- sort -------------------------------------------------------------------------------------
class _Key:
    def __init__(self, start_field: int, start_char: int = 0, end_field: int = 0, end_char: int = 0,
                 flags: str = ""):
        self.range = [start_field, start_char, end_field, end_char]
        self.flags = flags


def _isspace(b: int) -> bool:
    return b in _SPACE


def _key_data(line: bytes, key: _Key, flags: str, sep: bytes | None) -> bytes:
    """The part of a line a sort key covers (toybox's field and character arithmetic)."""
    rng = key.range
    if rng == [1, 0, 0, 0] and not any(f in flags for f in "bdiB"):
        return line
    n = len(line)
    start = end = 0
    for j in range(2):
        if not rng[2 * j]:
            end = n
        else:
            end = 0
            for _ in range(1, rng[2 * j] + j):
                if end < n and sep is None:
                    while end < n and _isspace(line[end]):
                        end += 1
                while end < n:
                    if sep is not None:
                        if line[end] == sep[0]:
                            end += 1
                            break
                    elif _isspace(line[end]):
                        break
                    end += 1
        if not j:
            start = end
    if sep is not None and start < n and line[start] == sep[0]:
        start += 1
    if "b" in flags or (sep is None and not rng[3]):
        while start < n and _isspace(line[start]):
            start += 1
    if "B" in flags:  # trailing blanks (b after the comma)
        while end > start and _isspace(line[end - 1]):
            end -= 1
    if rng[3]:
        end = min(end + rng[3] - 1, n)
    if rng[1]:
        start = min(start + rng[1] - 1, n)
    end = max(end, start)
    data = line[start:end]
    if "d" in flags:
        data = bytes(b for b in data if _isspace(b) or chr(b).isalnum() and b < 128)
    if "i" in flags:
        data = bytes(b for b in data if 32 <= b < 127)
    return data


_LEADING_INT = re.compile(rb"[ \t\n\v\f\r]*([+-]?\d+)")


def _atoll(data: bytes) -> int:
    found = _LEADING_INT.match(data)
    return int(found.group(1)) if found else 0


def _cmp(a, b) -> int:
    return (a > b) - (a < b)


_LEADING_FLOAT = re.compile(rb"[ \t\n\v\f\r]*([+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan))",
                            re.IGNORECASE)
_LEADING_HEX = re.compile(rb"[ \t\n\v\f\r]*([+-]?)(?:0[xX])?([0-9a-fA-F]+)")
_MONTHS = [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"]


def _month(data: bytes) -> int | None:
    """strptime("%b"): a month name (abbreviated or full) at the start, after blanks."""
    text = data.lstrip(b" \t\n\v\f\r").lower()
    for index, abbrev in enumerate(_MONTHS):
        if text.startswith(abbrev):
            return index
    return None


def _compare_version(x: bytes, y: bytes) -> int:
    """sort -V: runs of digits compare as numbers; `-rc`/`-pre` suffixes sort first."""
    i = j = 0
    while i < len(x) and j < len(y):
        while i < len(x) and j < len(y) and x[i] == y[j]:
            i, j = i + 1, j + 1
        if i < len(x) and j < len(y) and chr(x[i]).isdigit() and chr(y[j]).isdigit():
            digits_x = re.match(rb"\d+", x[i:])
            digits_y = re.match(rb"\d+", y[j:])
            assert digits_x is not None and digits_y is not None  # both start with a digit (checked above)
            a, b = digits_x.group(0), digits_y.group(0)
            if int(a) != int(b):
                return -1 if int(a) < int(b) else 1
            i, j = i + len(a), j + len(b)
        else:
            xx = x[i] if i < len(x) else x[i - 1]
            yy = y[j] if j < len(y) else y[j - 1]
            if xx != yy:
                if xx < yy and not y[j:].startswith((b"-rc", b"-pre")):
                    return -1
                return 1
    return (1 if j < len(y) else 0) if i < len(x) else -1


def _compare_values(flags: str, x: bytes, y: bytes) -> int:
    """toybox's compare_values(): -g, -M, -x, -V, -n, -f or plain bytes."""
    if "g" in flags:
        fx, fy = _LEADING_FLOAT.match(x), _LEADING_FLOAT.match(y)
        if not fx:
            return 0 if not fy else -1
        if not fy:
            return 1
        dx, dy = float(fx.group(1)), float(fy.group(1))
        if dx != dx:
            return 0 if dy != dy else -1
        if dy != dy:
            return 1
        return _cmp(dx, dy)
    if "M" in flags:
        mx, my = _month(x), _month(y)
        if mx is None:
            return 0 if my is None else -1
        if my is None:
            return 1
        return mx - my
    if "V" in flags:
        return _compare_version(x, y)
    return _cmp(_sort_value(flags, x), _sort_value(flags, y))


def _hexval(data: bytes) -> int:
    found = _LEADING_HEX.match(data)
    if not found:
        return 0
    value = int(found.group(2), 16)
    return -value if found.group(1) == b"-" else value


def _sort_value(flags: str, data: bytes):
    """What -x, -n, -f and plain keys compare (computed once per line when sorting)."""
    if "x" in flags:
        return _hexval(data)
    if "n" in flags:
        return _atoll(data)
    if "f" in flags:
        return data.lower()
    return data


def _prepare(flags: str, data: bytes):
    """A key ready for comparing: -g, -M and -V keys stay raw, others become plain values."""
    return data if any(f in flags for f in "gMV") else _sort_value(flags, data)


@applet("sort")
def sort(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "bcdfinrsuzCgMVx", "ktoST", {
            "reverse": "r", "unique": "u", "numeric-sort": "n", "ignore-case": "f", "key": "k",
            "field-separator": "t", "output": "o", "stable": "s", "general-numeric-sort": "g",
            "month-sort": "M", "version-sort": "V", "dictionary-order": "d", "ignore-nonprinting": "i",
            "ignore-leading-blanks": "b", "zero-terminated": "z", "check": "c"})
        global_flags = "".join(letter for letter in "bdfinrgMVx" if letter in opts)
        if "b" in opts:
            global_flags += "B"
        sep = arg_bytes(opts.get("t"))[:1] if "t" in opts else None
        keys = [_parse_key(text) for text in opts.all("k")] or [_Key(1)]
    except UsageError as exc:
        return usage(ctx, exc, 2)
    stable = "s" in opts or "u" in opts
    delim = b"\0" if "z" in opts else b"\n"

    key_flags = [key.flags or global_flags for key in keys]
    raw = [any(f in flags for f in "gMV") for flags in key_flags]

    def prepared(record: bytes) -> tuple[bytes, list]:
        return record, [_prepare(flags, _key_data(record, key, flags, sep))
                        for key, flags in zip(keys, key_flags, strict=True)]

    def compare_prepared(a: tuple[bytes, list], b: tuple[bytes, list]) -> int:
        result = 0
        flags = global_flags
        for index, flags in enumerate(key_flags):
            x, y = a[1][index], b[1][index]
            result = _compare_values(flags, x, y) if raw[index] else _cmp(x, y)
            if result:
                break
        if not result and not stable:
            flags = global_flags
            result = _cmp(a[0], b[0])
        return -result if "r" in flags else result

    def compare(x: bytes, y: bytes) -> int:
        return compare_prepared(prepared(x), prepared(y))

    inputs = Inputs(ctx, opts.operands, error_status=2, directories="empty")
    records: list[bytes] = []
    check = "c" in opts or "C" in opts
    for name, stream in inputs:
        parts = b"".join(chunks(stream)).split(delim)
        if parts and parts[-1] == b"":
            parts.pop()
        if delim == b"\n":
            parts = [part.split(b"\0", 1)[0] for part in parts]  # toybox's lines are C strings
        for part in parts:
            # -c checks as it reads, so the message names the file holding the first disorder
            if check and records and compare(records[-1], part) > (-1 if "u" in opts else 0):
                if "C" not in opts:
                    ctx.err(f"{name}: Check line {len(records) + 1}")
                return 1
            records.append(part)
    if check:
        return inputs.status
    items = [prepared(record) for record in records]
    items.sort(key=functools.cmp_to_key(compare_prepared))
    if "u" in opts:
        unique: list[tuple[bytes, list]] = []
        for item in items:
            if not unique or compare_prepared(unique[-1], item):
                unique.append(item)
        items = unique
    records = [item[0] for item in items]
    body = b"".join(record + delim for record in records)
    if "o" in opts:
        try:
            ctx.storage.write_bytes(opts.get("o"), body, ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{opts.get('o')}: {exc.strerror}", 2)
    else:
        write_all(ctx.stdout, body)
    return inputs.status


def _parse_key(text: str) -> _Key:
    """-k F[.C][flags][,F[.C][flags]]"""
    key = _Key(0)
    index = 0
    rest = text
    while rest:
        found = re.match(r"(\d*)(?:\.(\d*))?", rest)
        assert found is not None  # every part of the pattern is optional: it matches any text
        key.range[2 * index] = int(found.group(1) or 0)
        if found.group(2) is not None:
            key.range[2 * index + 1] = int(found.group(2) or 0)
        rest = rest[found.end():]
        while rest:
            c, rest = rest[0], rest[1:]
            if c == "," and index == 0:
                index = 1
                break
            if c not in "xVbMCdfirn":  # the flags toybox lets a key carry
                raise UsageError("Unknown key option.")
            key.flags += "B" if (index and c == "b") else c
    return key


# -- uniq -------------------------------------------------------------------------------------
@applet("uniq")
def uniq(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "cduiz", "wfs", {"count": "c", "repeated": "d", "unique": "u",
                                            "ignore-case": "i"})
        width = number(opts.get("w")) if "w" in opts else None
        skip_fields = number(opts.get("f", "0"))
        skip_chars = number(opts.get("s", "0"))
        if len(opts.operands) > 2:
            raise UsageError("Max 2 arguments")
    except UsageError as exc:
        return usage(ctx, exc)
    delim = b"\0" if "z" in opts else b"\n"

    def key(line: bytes) -> bytes:
        # toybox compares whole records with their newline, and -f counts it as a blank
        pos = 0
        for _ in range(skip_fields):
            while pos < len(line) and line[pos] in _SPACE:
                pos += 1
            while pos < len(line) and line[pos] not in _SPACE:
                pos += 1
        data = line[pos + skip_chars:]
        if width is not None:
            data = data[:width]
        return data.lower() if "i" in opts else data

    names = opts.operands[:1]
    out: Output = ctx.stdout
    out_file: CountedWriter | None = None
    if len(opts.operands) == 2 and opts.operands[1] != "-":
        try:
            out = out_file = ctx.storage.open_write(opts.operands[1], ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{opts.operands[1]}: {exc.strerror}")
    inputs = Inputs(ctx, names, directories="empty", label="No file ")
    try:
        for _name, stream in inputs:
            current = None
            ending = delim
            repeats = 0
            for record, end in _records_with_ends(stream, delim):
                if current is not None and key(record + end) == key(current + ending):
                    repeats += 1
                    continue
                _uniq_line(out, opts, current, repeats, ending)
                current, ending, repeats = record, end, 0
            _uniq_line(out, opts, current, repeats, ending)
    finally:
        if out_file is not None:
            out_file.close()
    return inputs.status


def _uniq_line(out, opts, line: bytes | None, repeats: int, delim: bytes) -> None:
    if line is None or ("d" in opts and not repeats) or ("u" in opts and repeats):
        return
    out.write((f"{repeats + 1:7d} ".encode() if "c" in opts else b"") + line + delim)


def _records_with_ends(stream, delim: bytes):
    """(record, its delimiter) pairs; the last record may have none, and uniq keeps it so."""
    pending = b""
    for data in chunks(stream):
        pending += data
        *done, pending = pending.split(delim)
        for record in done:
            yield record, delim
    if pending:
        yield pending, b""


def _records(stream, delim: bytes):
    """Records without their delimiter, split from chunks as they arrive (a slow writer's lines
    still come out one by one)."""
    pending = b""
    for data in chunks(stream):
        pending += data
        *done, pending = pending.split(delim)
        yield from done
    if pending:
        yield pending
