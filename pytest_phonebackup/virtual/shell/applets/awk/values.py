"""Awk values and their conversions as one-true-awk makes them: numbers, strings, "strnums" read
from input, the uninitialised value; number output through CONVFMT/OFMT, printf formats, and
arrays that iterate in the order of one-true-awk's hash table. No parsing or I/O here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator


class AwkError(Exception):
    """A fatal run-time error: the text after `awk: `; awk stops with status 2."""


class Uninit:
    """The value of a variable never assigned: both "" and 0."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNINIT"


UNINIT = Uninit()


class StrNum(bytes):
    """A string from input (fields, getline, split, ARGV, ENVIRON, -v): it compares as a number
    when it looks like one."""


Value = float | bytes | Uninit

# is_valid_number(): no hex, signed inf/nan only, then strtod.
_NUMBER = re.compile(rb"[ \t\n\f\r\v]*([-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?))")
_SIGNED_SPECIAL = re.compile(rb"[ \t\n\f\r\v]*([-+])(nan|inf)(?=[ \t\n\f\r\v]|\Z)", re.IGNORECASE)
_SPACE = b" \t\n\f\r\v"


def _parse_number(text: bytes) -> tuple[float, int] | None:
    """(value, end) of the number text starts with, as is_valid_number() reads it, or None."""
    special = _SIGNED_SPECIAL.match(text)
    if special:
        sign = -1.0 if special.group(1) == b"-" else 1.0
        value = math.nan if special.group(2).lower() == b"nan" else math.inf
        return math.copysign(value, sign), special.end()
    found = _NUMBER.match(text)
    if not found:
        return None
    value = float(found.group(1))
    if math.isinf(value) or (value == 0 and re.search(rb"[1-9]", found.group(1).split(b"e")[0].split(b"E")[0])):
        return None  # strtod's ERANGE
    # strtod also reads "infinity"/"nan" after a sign and hex; those were handled or refused above
    return value, found.end()


def looks_numeric(text: bytes) -> bool:
    parsed = _parse_number(text)
    return parsed is not None and not text[parsed[1]:].strip(_SPACE)


def to_num(value: Value) -> float:
    if isinstance(value, float):
        return value
    if isinstance(value, Uninit):
        return 0.0
    parsed = _parse_number(value)
    return parsed[0] if parsed is not None else 0.0


def is_numeric(value: Value) -> bool:
    """Whether the value compares as a number."""
    if isinstance(value, StrNum):
        return looks_numeric(value)
    return not isinstance(value, bytes)


def number_text(number: float, fmt: bytes) -> bytes:
    """A number as a string: integral values with %.30g, others with CONVFMT or OFMT."""
    if number != number:
        return b"-nan" if math.copysign(1.0, number) < 0 else b"+nan"
    if math.isinf(number):
        return b"+inf" if number > 0 else b"-inf"
    if number == int(number):
        return b"%.30g" % (number + 0.0 if number else 0.0)
    if fmt == b"%.6g":
        return b"%.6g" % number
    return sprintf(fmt, [number], b"%.6g")


def to_str(value: Value, convfmt: bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, Uninit):
        return b""
    return number_text(value, convfmt)


def to_bool(value: Value) -> bool:
    if isinstance(value, StrNum):
        return to_num(value) != 0 if looks_numeric(value) else value != b""
    if isinstance(value, bytes):
        return value != b""
    if isinstance(value, Uninit):
        return False
    return value != 0


def compare(a: Value, b: Value, convfmt: bytes) -> int:
    """-1, 0 or 1: numerically when both are numeric, otherwise as strings (strcmp)."""
    if is_numeric(a) and is_numeric(b):
        x, y = to_num(a), to_num(b)
        return (x > y) - (x < y)
    s, t = to_str(a, convfmt), to_str(b, convfmt)
    return (s > t) - (s < t)


def c_int(number: float) -> int:
    """A double converted to a C long long (out of range gives LLONG_MIN, as on x86-64)."""
    if number != number or math.isinf(number) or not -2.0**63 <= number < 2.0**63:
        return -(2**63)
    return int(number)


# -- printf ---------------------------------------------------------------------------------
_SPEC = re.compile(rb"%([-+ #0]*)(\*|[0-9]+)?(?:\.(\*|[0-9]*))?([hlLqjzt]*)(.?)", re.DOTALL)


class FormatError(AwkError):
    pass


def sprintf(fmt: bytes, args: list[Value], convfmt: bytes) -> bytes:
    """awk's printf/sprintf: C conversions on awk values; missing arguments are fatal."""
    out = bytearray()
    pos = 0
    queue = list(args)

    def take() -> Value:
        if not queue:
            raise FormatError(f"not enough args in printf({fmt.decode('utf-8', 'surrogateescape')})")
        return queue.pop(0)

    while True:
        cut = fmt.find(b"%", pos)
        if cut < 0:
            out += fmt[pos:]
            return bytes(out)
        out += fmt[pos:cut]
        if fmt[cut + 1:cut + 2] == b"%":
            out += b"%"
            pos = cut + 2
            continue
        spec = _SPEC.match(fmt, cut)
        assert spec is not None
        flags, width, precision, _length, conv = spec.groups()
        pos = spec.end()
        if not conv:
            out += fmt[cut:pos]
            continue
        if width == b"*":
            width = b"%d" % c_int(to_num(take()))
        if precision == b"*":
            precision = b"%d" % c_int(to_num(take()))
        head = b"%" + flags + (width or b"") + (b"." + precision if precision is not None else b"")
        if conv in b"di":
            out += (head + b"d") % c_int(to_num(take()))
        elif conv in b"oxXu":
            number = c_int(to_num(take())) & (2**64 - 1)
            if conv == b"o" and b"#" in flags:
                text = b"%o" % number
                text = text if text.startswith(b"0") else b"0" + text
                out += (head.replace(b"#", b"") + b"s") % text
            else:
                out += (head + (b"d" if conv == b"u" else conv)) % number
        elif conv in b"eEfFgG":
            out += (head + conv) % to_num(take())
        elif conv == b"c":
            value = take()
            if isinstance(value, float):
                char = bytes([c_int(value) & 0xFF])
            else:
                char = to_str(value, convfmt)[:1]
            out += (head + b"s") % char if char else b""
        elif conv == b"s":
            out += (head + b"s") % to_str(take(), convfmt)
        else:
            out += fmt[cut:pos]


# -- arrays ---------------------------------------------------------------------------------
def _hash(key: bytes, size: int) -> int:
    """tran.c hash(): over signed chars, in an unsigned int."""
    value = 0
    for byte in key:
        value = ((byte - 256 if byte > 127 else byte) + 31 * value) & 0xFFFFFFFF
    return value % size


class AwkArray:
    """An associative array that iterates in the order one-true-awk's hash table does:
    50 buckets, new entries at the head of their bucket, four times the buckets when full."""

    def __init__(self) -> None:
        self.values: dict[bytes, Value] = {}
        self._buckets: list[list[bytes]] = [[] for _ in range(50)]

    def __contains__(self, key: bytes) -> bool:
        return key in self.values

    def __len__(self) -> int:
        return len(self.values)

    def get(self, key: bytes) -> Value:
        """The element, created (uninitialised) if missing, as a reference in awk does."""
        if key not in self.values:
            self.set(key, UNINIT)
        return self.values[key]

    def set(self, key: bytes, value: Value) -> None:
        if key not in self.values:
            if len(self.values) + 1 > 2 * len(self._buckets):
                self._grow()
            self._buckets[_hash(key, len(self._buckets))].insert(0, key)
        self.values[key] = value

    def _grow(self) -> None:
        size = 4 * len(self._buckets)
        buckets: list[list[bytes]] = [[] for _ in range(size)]
        for bucket in self._buckets:
            for key in bucket:
                buckets[_hash(key, size)].insert(0, key)
        self._buckets = buckets

    def delete(self, key: bytes) -> None:
        if key in self.values:
            del self.values[key]
            self._buckets[_hash(key, len(self._buckets))].remove(key)

    def clear(self) -> None:
        self.values.clear()
        self._buckets = [[] for _ in range(50)]

    def keys(self) -> Iterator[bytes]:
        for bucket in self._buckets:
            yield from bucket
