"""expr: POSIX expressions as toybox evaluates them (`|`, `&`, comparisons, arithmetic, `:`).
Integers compare as numbers and strings as bytes; a null or zero result exits 1; errors exit 2.
Not for the shell's own `$((...))` arithmetic.
"""

from __future__ import annotations

import re

from ..api import Context, applet


class ExprError(Exception):
    """Bad syntax or arithmetic; the message is what toybox prints after `expr: `."""


_INT = re.compile(r"-?\d+")


def _is_int(value: str) -> bool:
    return _INT.fullmatch(value) is not None


def _truth(value: str) -> bool:
    return value not in ("", "0") and not (_is_int(value) and int(value) == 0)


class _Parser:
    LEVELS = (("|",), ("&",), ("=", "==", ">", ">=", "<", "<=", "!="), ("+", "-"), ("*", "/", "%"), (":",))

    def __init__(self, tokens: list[str]):
        self.tokens, self.pos = tokens, 0

    def parse(self) -> str:
        value = self.level(0)
        if self.pos != len(self.tokens):
            raise ExprError("syntax error")
        return value

    def level(self, depth: int) -> str:
        if depth == len(self.LEVELS):
            return self.atom()
        left = self.level(depth + 1)
        while self.pos < len(self.tokens) and self.tokens[self.pos] in self.LEVELS[depth]:
            op = self.tokens[self.pos]
            self.pos += 1
            right = self.level(depth + 1)
            left = _apply(op, left, right)
        return left

    def atom(self) -> str:
        if self.pos >= len(self.tokens):
            raise ExprError("syntax error")
        token = self.tokens[self.pos]
        self.pos += 1
        if token == "(":
            value = self.level(0)
            if self.pos >= len(self.tokens) or self.tokens[self.pos] != ")":
                raise ExprError("syntax error")
            self.pos += 1
            return value
        return token


def _bre(pattern: str) -> str:
    r"""A basic regular expression as Python reads it: \( \) group, ( ) are literal."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(nxt if nxt in "(){}" else "\\" + nxt)
            i += 2
            continue
        out.append("\\" + c if c in "(){}+?|" else c)
        i += 1
    return "".join(out)


def _apply(op: str, left: str, right: str) -> str:
    if op == "|":
        return left if _truth(left) else (right if _truth(right) else "0")
    if op == "&":
        return left if _truth(left) and _truth(right) else "0"
    if op == ":":
        try:
            found = re.match(_bre(right), left)
        except re.error:
            raise ExprError(f"bad regex '{right}'") from None
        if found is None:
            return "" if re.compile(_bre(right)).groups else "0"
        return found.group(1) or "" if found.re.groups else str(len(found.group(0)))
    if op in ("+", "-", "*", "/", "%"):
        if not (_is_int(left) and _is_int(right)):
            raise ExprError("non-integer argument")
        a, b = int(left), int(right)
        if op in "/%" and b == 0:
            raise ExprError("division by zero")
        if op == "/":
            return str(abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1))
        if op == "%":
            return str(abs(a) % abs(b) * (1 if a >= 0 else -1))
        return str(a + b if op == "+" else a - b if op == "-" else a * b)
    if _is_int(left) and _is_int(right):
        a, b = int(left), int(right)
        cmp = (a > b) - (a < b)
    else:
        x, y = left.encode("utf-8", "surrogateescape"), right.encode("utf-8", "surrogateescape")
        cmp = (x > y) - (x < y)
    return "1" if {"=": cmp == 0, "==": cmp == 0, "!=": cmp != 0, ">": cmp > 0, ">=": cmp >= 0,
                   "<": cmp < 0, "<=": cmp <= 0}[op] else "0"


@applet("expr")
def expr(ctx: Context, argv: list[str]) -> int:
    try:
        value = _Parser(argv[1:]).parse()
    except ExprError as exc:
        return ctx.fail(str(exc), 2)
    ctx.out(value + "\n")
    return 0 if _truth(value) else 1
