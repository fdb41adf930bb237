"""Shell wildcard patterns (`*`, `?`, `[...]`) as regular expressions: for glob expansion against
the phone's storage, `case`, `${x%pat}`, and `find -name/-path`. Not for regexes (`grep`, `sed`).
"""

from __future__ import annotations

import re
from functools import lru_cache

GLOB_CHARS = "*?["


def translate(chars: list[tuple[str, bool]], slash_special: bool = False) -> str:
    """Regex source for a pattern given as (character, quoted) pairs; quoted ones are literal."""
    out: list[str] = []
    any_char = "[^/]" if slash_special else "."
    i = 0
    while i < len(chars):
        c, quoted = chars[i]
        if quoted:
            out.append(re.escape(c))
        elif c == "*":
            out.append(any_char + "*")
        elif c == "?":
            out.append(any_char)
        elif c == "\\" and i + 1 < len(chars):
            i += 1
            out.append(re.escape(chars[i][0]))
        elif c == "[":
            end, cls = _bracket(chars, i)
            if end < 0:
                out.append(re.escape(c))
            else:
                out.append(cls)
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _bracket(chars: list[tuple[str, bool]], start: int) -> tuple[int, str]:
    """Parse `[...]` starting at `start`; returns (index of `]`, regex class) or (-1, '')."""
    i = start + 1
    negate = False
    if i < len(chars) and chars[i][0] in "!^" and not chars[i][1]:
        negate, i = True, i + 1
    items: list[str] = []
    first = True
    while i < len(chars):
        c, _quoted = chars[i]
        if c == "]" and not first:
            body = "".join(items)
            return i, f"[{'^' if negate else ''}{body}]"
        first = False
        if c == "[" and i + 1 < len(chars) and chars[i + 1][0] == ":":
            end = "".join(ch for ch, _ in chars[i:]).find(":]")
            if end > 0:
                name = "".join(ch for ch, _ in chars[i + 2:i + end])
                items.append(_CLASSES.get(name, ""))
                i += end + 2
                continue
        if i + 2 < len(chars) and chars[i + 1][0] == "-" and chars[i + 2][0] != "]":
            items.append(f"{re.escape(c)}-{re.escape(chars[i + 2][0])}")
            i += 3
            continue
        items.append(re.escape(c))
        i += 1
    return -1, ""


_CLASSES = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
            "space": r" \t\n\r\f\v", "xdigit": "0-9a-fA-F", "punct": r"!-/:-@\[-`{-~"}


@lru_cache(maxsize=512)
def compile_pattern(pattern: str, casefold: bool = False, slash_special: bool = False) -> re.Pattern[str]:
    """A whole-string matcher for an unquoted pattern (backslash quotes the next character)."""
    source = translate([(c, False) for c in pattern], slash_special)
    return re.compile(source, re.S | (re.I if casefold else 0))


def matches(pattern: str, text: str, casefold: bool = False) -> bool:
    return compile_pattern(pattern, casefold).fullmatch(text) is not None


def has_glob(text: str) -> bool:
    return any(c in text for c in GLOB_CHARS)
