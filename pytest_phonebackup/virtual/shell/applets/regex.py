"""POSIX regular expressions (basic and extended, with the GNU extensions bionic and glibc
accept) translated to byte patterns of the `regex` package, for grep, sed and find. They match in
its POSIX mode: leftmost-longest, as regexec() does, so `a|ab` matches `ab` in `abcd`.
"""

from __future__ import annotations

import re

import regex

# [:class:] names of POSIX bracket expressions, as byte ranges in the C locale.
CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "0-9a-zA-Z", "upper": "A-Z", "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "xdigit": "0-9A-Fa-f",
    "punct": "!-/:-@\\[-`{-~", "print": " -~", "graph": "!-~", "cntrl": "\\x00-\\x1f\\x7f",
    "word": "0-9a-zA-Z_",
}
WORD_ESCAPES = {"w": "[0-9a-zA-Z_]", "W": "[^0-9a-zA-Z_]", "s": "[ \\t\\n\\r\\f\\v]",
                "S": "[^ \\t\\n\\r\\f\\v]", "b": "\\b", "B": "\\B", "<": "\\b(?=\\w)", ">": "\\b(?<=\\w)",
                "`": "\\A", "'": "\\Z"}


class RegexError(ValueError):
    """The pattern is not a valid POSIX regular expression."""


def _bracket(pattern: str, i: int) -> tuple[str, int]:
    """Translate the bracket expression starting at pattern[i] == '['; returns (text, next index)."""
    j = i + 1
    out = ["["]
    if j < len(pattern) and pattern[j] == "^":
        out.append("^")
        j += 1
    first = True
    while True:
        if j >= len(pattern):
            raise RegexError("Unmatched [, [^, [:, [., or [=")
        c = pattern[j]
        if c == "]" and not first:
            out.append("]")
            return "".join(out), j + 1
        first = False
        if c == "[" and j + 1 < len(pattern) and pattern[j + 1] in ":.=":
            kind = pattern[j + 1]
            end = pattern.find(kind + "]", j + 2)
            if end < 0:
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            name = pattern[j + 2:end]
            if kind == ":":
                if name not in CLASSES:
                    raise RegexError("Invalid character class name")
                out.append(CLASSES[name])
            else:
                out.append(re.escape(name))
            j = end + 2
            continue
        if c == "-" and len(out) > 1 and j + 1 < len(pattern) and pattern[j + 1] != "]":
            out.append("-")
        elif c in "\\[]^-&~|":
            out.append("\\" + c)
        else:
            out.append(c)
        j += 1


def translate(pattern: str, extended: bool) -> str:
    """A POSIX BRE (or ERE) as a Python pattern string (compile it as bytes with latin-1)."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    depth = 0
    # Where an unescaped `*` is literal in a BRE: at the start, after `\(`, `\|` or `^`;
    # where `^` is an anchor: at the start, after `\(` or `\|`.
    at_start = True
    anchor_ok = True
    while i < n:
        c = pattern[i]
        start_here, caret_here = at_start, anchor_ok
        at_start = anchor_ok = False
        if c == "\\":
            if i + 1 >= n:
                raise RegexError("Trailing backslash")
            d = pattern[i + 1]
            i += 2
            if not extended and d == "(":
                out.append("(")
                depth += 1
                at_start = anchor_ok = True
            elif not extended and d == ")":
                if depth == 0:
                    raise RegexError("Unmatched ) or \\)")
                depth -= 1
                out.append(")")
            elif not extended and d == "|":
                out.append("|")
                at_start = anchor_ok = True
            elif not extended and d in "+?":
                out.append(d)
            elif not extended and d == "{":
                end = pattern.find("\\}", i)
                if end < 0:
                    raise RegexError("Unmatched \\{")
                out.append(_interval(pattern[i:end]))
                i = end + 2
            elif d.isdigit() and d != "0":
                out.append("\\" + d)
            elif d in WORD_ESCAPES:
                out.append(WORD_ESCAPES[d])
            elif d == "n":
                out.append("\\n")
            elif d == "t":
                out.append("\\t")
            else:
                out.append(re.escape(d))
            continue
        if c == "[":
            text, i = _bracket(pattern, i)
            out.append(text)
            continue
        i += 1
        if c == ".":
            out.append("(?s:.)")
        elif c == "*":
            if start_here and not extended:
                out.append("\\*")
            elif start_here:
                raise RegexError("Invalid preceding regular expression")
            else:
                out.append("*")
        elif c == "^":
            if extended or caret_here:
                out.append("^")
                at_start = True
            else:
                out.append("\\^")
        elif c == "$":
            if extended or i == n or pattern.startswith("\\)", i) or pattern.startswith("\\|", i):
                out.append("\\Z")
            else:
                out.append("\\$")
        elif extended and c == "(":
            depth += 1
            out.append("(")
            at_start = anchor_ok = True
        elif extended and c == ")":
            if depth == 0:
                raise RegexError("Unmatched ) or \\)")
            depth -= 1
            out.append(")")
        elif extended and c == "|":
            out.append("|")
            at_start = anchor_ok = True
        elif extended and c in "+?{" and start_here:
            raise RegexError("Invalid preceding regular expression")
        elif extended and c in "+?":
            out.append(c)
        elif extended and c == "{":
            end = pattern.find("}", i)
            if end < 0:
                raise RegexError("Unmatched \\{")
            out.append(_interval(pattern[i:end]))
            i = end + 1
        else:
            out.append(re.escape(c))
    if depth:
        raise RegexError("Unmatched ( or \\(")
    return "".join(out)


def _interval(body: str) -> str:
    if not re.fullmatch(r"\d+(,\d*)?", body):
        raise RegexError("Invalid content of \\{\\}")
    low, _, high = body.partition(",")
    if high and int(high) < int(low):
        raise RegexError("Invalid content of \\{\\}")
    return "{" + body + "}"


FAST_SPECIAL = b"\\.^$[()|*+?{"


def toybox_fast(pattern: bytes, extended: bool) -> str | None:
    """The Python form of a pattern toybox grep matches on its "fast path" without regcomp, or
    None when it needs the regex engine. There `^` and `$` anchor only at the ends, `.` is any
    byte and a backslash makes the next special character literal (so BRE `\\+` is a plus)."""
    if pattern.startswith(b".") or pattern == b"^$":
        return None
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == 92:
            if i + 1 >= len(pattern) or pattern[i + 1] not in FAST_SPECIAL:
                return None
            if not extended and pattern[i + 1] == 40:
                return None
            i += 2
        elif c > 127 or c in FAST_SPECIAL[4:]:
            return None
        else:
            i += 1
    out = []
    i = 0
    if pattern.startswith(b"^"):
        out.append("^")
        i = 1
    while i < len(pattern):
        c = pattern[i]
        if c == 92:
            out.append(re.escape(chr(pattern[i + 1])))
            i += 2
            continue
        if c == 46:
            out.append("(?s:.)")
        elif c == 36 and i == len(pattern) - 1:
            out.append("\\Z")
        else:
            out.append(re.escape(chr(c)))
        i += 1
    return "".join(out)


def compile_posix(pattern: bytes, extended: bool, ignore_case: bool = False) -> regex.Pattern[bytes]:
    """Compile a POSIX pattern (bytes as typed on the phone) to a leftmost-longest byte pattern."""
    text = translate(pattern.decode("latin-1"), extended)
    try:
        re.compile(text.encode("latin-1"))  # the same syntax; its messages map onto regerror()'s
    except re.error as exc:
        raise RegexError(_glibc_message(exc)) from None
    flags = regex.POSIX | regex.V0 | (regex.IGNORECASE if ignore_case else 0)
    try:
        return regex.compile(text.encode("latin-1"), flags)
    except regex.error as exc:
        raise RegexError(str(exc)) from None


def _glibc_message(exc: re.error) -> str:
    """Python's complaint in the words of regerror(), which toybox prints."""
    text = exc.msg
    for python, posix in (("multiple repeat", "Invalid preceding regular expression"),
                          ("nothing to repeat", "Invalid preceding regular expression"),
                          ("missing )", "Unmatched ( or \\("), ("unbalanced parenthesis", "Unmatched ) or \\)"),
                          ("unterminated character set", "Unmatched [, [^, [:, [., or [="),
                          ("invalid group reference", "Invalid back reference"),
                          ("bad character range", "Invalid range end")):
        if text.startswith(python):
            return posix
    return text
