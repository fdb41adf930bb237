"""The one grammar for quantities a user writes: sizes, durations and pixel counts, in command-line
options, media profiles and policies alike. Sizes are decimal (`75MB` = 75,000,000 bytes) with binary
units spelled out (`MiB`, `GiB`); durations take `ms`, `s`, `m`/`min`, `h`, `d`; pixels take `px` and
`MP` (1,000,000 pixels). Units are case-insensitive, and an exact offset may follow (`75MB+1`, `100MP-2`).
Parsing of sizes and durations is humanfriendly's; this module adds pixels, offsets and the error text.
"""

from __future__ import annotations

import re
from typing import Any

import humanfriendly

_WITH_OFFSET = re.compile(r"^\s*(?P<base>.*?\S)\s*(?:(?P<sign>[+-])\s*(?P<delta>\d+))?\s*$")
_NUMBER_UNIT = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]*)\s*$")
# Units a size may carry (lower case); humanfriendly alone would also read '75 parsecs' as petabytes.
SIZE_UNITS = frozenset({"", "b", "k", "m", "g", "t", "kb", "mb", "gb", "tb", "pb", "kib", "mib", "gib", "tib", "pib"})
_SIZE_UNITS_TEXT = "units B, K/KB, M/MB, G/GB, T/TB decimal (MB = 1,000,000 bytes); KiB, MiB, GiB, TiB binary"
PIXEL_UNITS = {"": 1, "p": 1, "px": 1, "kp": 1000, "mp": 1000**2, "gp": 1000**3}
_DURATION_UNITS = {"": 1.0, "ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0,
                   "d": 86400.0}


class QuantityError(ValueError):
    """A size, duration or pixel count that does not follow the grammar; the message shows examples."""


def _split_offset(text: str) -> tuple[str, int]:
    match = _WITH_OFFSET.match(text)
    if not match:
        return text, 0
    delta = int(match.group("delta") or 0)
    return match.group("base"), -delta if match.group("sign") == "-" else delta


def _reject_bool(value: Any, what: str, examples: str) -> None:
    if isinstance(value, bool) or value is None:
        raise QuantityError(f"{what}: expected a number or e.g. {examples}, not {value!r}")


def parse_size(value: Any, what: str = "size") -> int:
    """Bytes: 1234, '75MB' (75,000,000), '10GiB', '2gb', '75MB-1' -> an int."""
    examples = "1234, 75MB, 75MB-1, 10GiB"
    _reject_bool(value, what, examples)
    if isinstance(value, (int, float)):
        return int(value)
    base, offset = _split_offset(str(value))
    match = _NUMBER_UNIT.match(base)
    if match is None or match.group("unit").lower() not in SIZE_UNITS:
        raise QuantityError(f"{what}: cannot read {value!r}; write e.g. {examples} ({_SIZE_UNITS_TEXT})")
    try:
        return int(humanfriendly.parse_size(base)) + offset
    except humanfriendly.InvalidSize:
        raise QuantityError(f"{what}: cannot read {value!r}; write e.g. {examples} ({_SIZE_UNITS_TEXT})") from None


def parse_pixels(value: Any, what: str = "pixel count") -> int:
    """Pixels: 256, '256px', '100MP' (100,000,000), '100MP+1' -> an int."""
    examples = "256, 256px, 100MP, 100MP+1"
    _reject_bool(value, what, examples)
    if isinstance(value, (int, float)):
        return int(value)
    base, offset = _split_offset(str(value))
    match = _NUMBER_UNIT.match(base)
    if not match or match.group("unit").lower() not in PIXEL_UNITS:
        raise QuantityError(f"{what}: cannot read {value!r}; write e.g. {examples} (MP = 1,000,000 pixels)")
    return int(round(float(match.group("number")) * PIXEL_UNITS[match.group("unit").lower()])) + offset


def parse_duration(value: Any, what: str = "duration") -> float:
    """Seconds: 90, '2s', '500ms', '5m' (300), '5min', '1h', '1d' -> a float."""
    examples = "90, 2s, 500ms, 5m, 1h, 1d"
    _reject_bool(value, what, examples)
    if isinstance(value, (int, float)):
        return float(value)
    match = _NUMBER_UNIT.match(str(value))
    if match and match.group("unit").lower() in _DURATION_UNITS:
        return float(match.group("number")) * _DURATION_UNITS[match.group("unit").lower()]
    try:
        return float(humanfriendly.parse_timespan(str(value).strip()))
    except humanfriendly.InvalidTimespan:
        raise QuantityError(f"{what}: cannot read {value!r}; write e.g. {examples}") from None
