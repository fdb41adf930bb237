"""The pure parts of awk's builtin functions as one-true-awk computes them: substr's clamping,
sub/gsub's replacement and empty-match rules, exponentiation, and rand() on glibc's random().
Not for functions that touch variables, files or commands (`runtime`).
"""

from __future__ import annotations

import math
from typing import Any


def c_int32(number: float) -> int:
    """A double converted to a C int (out of range gives INT_MIN, as on x86-64)."""
    if number != number or math.isinf(number) or not -2.0**31 <= number < 2.0**31:
        return -(2**31)
    return int(number)


def substr(text: bytes, start: float, length: float | None) -> bytes:
    k = len(text) + 1
    if k <= 1:
        return b""
    m = c_int32(start)
    m = 1 if m <= 0 else min(m, k)
    n = k - 1 if length is None else c_int32(length)
    n = 0 if n < 0 else min(n, k - m)
    return text[m - 1:m - 1 + n]


def expand(replacement: bytes, matched: bytes) -> bytes:
    """The replacement text of sub/gsub: & is the match, \\& a literal &, \\\\& a backslash
    and the match, \\\\\\& a backslash and &; other backslashes stay."""
    out = bytearray()
    i = 0
    r = replacement
    while i < len(r):
        c = r[i]
        if c == 92:
            if r[i + 1:i + 2] == b"\\":
                if r[i + 2:i + 4] == b"\\&":
                    out += b"\\&"
                    i += 4
                elif r[i + 2:i + 3] == b"&":
                    out += b"\\"
                    i += 2
                else:
                    out += r[i:i + 2]
                    i += 2
            elif r[i + 1:i + 2] == b"&":
                out += b"&"
                i += 2
            else:
                out.append(92)
                i += 1
        elif c == 38:
            out += matched
            i += 1
        else:
            out.append(c)
            i += 1
    return bytes(out)


def substitute(pattern: Any, replacement: bytes, text: bytes, global_: bool) -> tuple[bytes, int]:
    """(new text, count) of sub (first match) or gsub (every match; an empty match right after
    a non-empty one is not replaced)."""
    out = bytearray()
    pos = 0
    count = 0
    last_end = -1
    while pos <= len(text):
        found = pattern.search(text, pos)
        if found is None:
            break
        start, end = found.span()
        if start == end:
            if start != last_end:
                out += text[pos:start] + expand(replacement, b"")
                count += 1
            else:
                out += text[pos:start]
            if start >= len(text):
                pos = len(text) + 1
                break
            out += text[start:start + 1]
            pos = start + 1
        else:
            out += text[pos:start] + expand(replacement, text[start:end])
            count += 1
            pos = last_end = end
        if not global_:
            break
    out += text[pos:]
    return bytes(out), count


def ipow(x: float, n: int) -> float:
    """run.c ipow(): x**n by halving, with the same roundings."""
    if n <= 0:
        return 1.0
    v = ipow(x, n // 2)
    return v * v if n % 2 == 0 else x * v * v


class Random:
    """glibc's random() (TYPE_3, the additive feedback generator) behind awk's rand()/srand()."""

    def __init__(self, seed: int = 1):
        self.seed(seed)

    def seed(self, seed: int) -> None:
        seed &= 0xFFFFFFFF
        word = seed - 2**32 if seed >= 2**31 else seed
        if word == 0:
            word = 1
        state = [word]
        for _ in range(1, 31):
            hi, lo = int(word / 127773), word - int(word / 127773) * 127773
            word = 16807 * lo - 2836 * hi
            if word < 0:
                word += 2147483647
            state.append(word)
        self.state = [s & 0xFFFFFFFF for s in state]
        self.front, self.rear = 3, 0
        for _ in range(310):
            self.next()

    def next(self) -> int:
        state = self.state
        state[self.front] = (state[self.front] + state[self.rear]) & 0xFFFFFFFF
        result = state[self.front] >> 1
        self.front = (self.front + 1) % 31
        self.rear = (self.rear + 1) % 31
        return result

    def rand(self) -> float:
        return self.next() / (2147483647 + 1.0)
