"""Toybox's split on the phone's storage: pieces by lines, bytes or equal parts, named PREFIX plus
aa, ab, ...; messages and limits as toybox 0.8.9's toys/posix/split.c. Not for joining (`cat`).
"""

from __future__ import annotations

import errno
import os
import stat

from ...api import Context, applet
from ..options import CHUNK, Unreadable, UsageError, parse
from .base import FindError, atolx, strerror, usage_guard

# split.c: NEWTOY(split, ">2a#<1=2>9b#<1l#<1n#<1[!bln]") — the ranges each numeric option allows
_RANGES = {"a": (1, 9), "b": (1, None), "l": (1, None), "n": (1, None)}


class _SuffixesUsedUp(Exception):
    """More pieces than the suffix length can name (toybox: "bad suffix")."""


def _number(letter: str, text: str) -> int:
    """A numeric option as toybox's `#` options read it (atolx with suffixes, then the range)."""
    negative = text.startswith("-")
    try:
        value = atolx(text[1:] if negative else text)
    except FindError:
        raise UsageError(f"not integer: {text}") from None
    value = -value if negative else value
    low, high = _RANGES[letter]
    if value < low:
        raise UsageError(f'-{letter} < {low} (see "split --help")')
    if high is not None and value > high:
        raise UsageError(f'-{letter} > {high} (see "split --help")')
    return value


def _suffix(number: int, length: int) -> str:
    letters = []
    for _ in range(length):
        letters.append(chr(ord("a") + number % 26))
        number //= 26
    if number:
        raise _SuffixesUsedUp
    return "".join(reversed(letters))


@applet("split")
@usage_guard
def split(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "", "abln")
    if len(opts.operands) > 2:
        raise UsageError('Max 2 arguments (see "split --help")')
    modes = [letter for letter in opts.values if letter in "bln"]
    if len(modes) > 1:  # toybox names the later option first: "No 'l' with 'b'"
        raise UsageError(f"No '{modes[1]}' with '{modes[0]}' (see \"split --help\")")
    numbers = {letter: _number(letter, str(opts.get(letter))) for letter in "abln" if letter in opts}
    suffix_len = numbers.get("a", 2)
    names = opts.operands or ["-"]
    prefix = opts.operands[1] if len(opts.operands) == 2 else "x"
    # toybox hands every operand to loopfiles; only "no size" returns to try the next one as input
    for name in names:
        size = numbers.get("b", 0)
        lines = 0 if size else numbers.get("l", 0 if "n" in numbers else 1000)
        try:
            stream, mode, length = _open(ctx, name)
        except OSError as exc:
            ctx.err(f"{name}: {strerror(exc)}")
            return 1
        if "n" in numbers:
            size = length // numbers["n"]
            if not size:
                stream.close()
                ctx.err(f"{name}: no size")
                continue
        with stream:
            return _write_pieces(ctx, stream, prefix, suffix_len, size, lines, mode, numbers.get("n", 0))
    return 1


def _open(ctx: Context, name: str):
    """(stream, mode for the pieces, length): pieces get the input's permissions, as split.c does."""
    if name == "-":
        try:
            info = os.fstat(ctx.stdin.fileno())  # type: ignore[attr-defined]
            return _Unclosed(ctx.stdin), info.st_mode & 0o777, info.st_size
        except (AttributeError, OSError, ValueError):
            return _Unclosed(ctx.stdin), 0o600, 0  # a pipe: fstat says 0600 and no size
    info = ctx.storage.stat(name, ctx.cwd)
    if stat.S_ISDIR(info.st_mode):  # open(2) takes a folder; the first read(2) refuses it
        return Unreadable(OSError(errno.EISDIR, os.strerror(errno.EISDIR))), 0o777, info.st_size
    return ctx.storage.open_read(name, ctx.cwd), info.st_mode & 0o777, info.st_size


def _write_pieces(ctx: Context, stream, prefix: str, suffix_len: int, size: int, lines: int,
                  mode: int, parts: int = 0) -> int:
    """With `parts` (-n), the last piece also takes what the division left over."""
    number, out, bytes_left, lines_left = 0, None, 0, 0
    try:
        while True:
            try:
                data = stream.read(CHUNK)
            except OSError as exc:
                if exc.errno == errno.EISDIR:
                    return ctx.fail("xread: Is a directory")
                raise
            if not data:
                return 0
            pos = 0
            while pos < len(data):
                if (size and not bytes_left) or (lines and not lines_left):
                    name = prefix + _suffix(number, suffix_len)
                    number += 1
                    if out is not None:
                        out.close()
                    try:
                        out = ctx.storage.open_write(name, ctx.cwd, mode=mode)
                    except OSError as exc:
                        return ctx.fail(f"{name}: {strerror(exc)}")
                    bytes_left, lines_left = size, lines
                    if parts and number == parts:
                        bytes_left = -1  # never reaches 0: the rest of the input
                if lines:
                    end = pos
                    while end < len(data):
                        end += 1
                        if data[end - 1] == 0x0A:
                            lines_left -= 1
                            if not lines_left:
                                break
                else:
                    end = len(data) if bytes_left < 0 else min(len(data), pos + bytes_left)
                    bytes_left -= end - pos
                out.write(data[pos:end])  # type: ignore[union-attr]
                pos = end
    except _SuffixesUsedUp:
        return ctx.fail("bad suffix")
    finally:
        if out is not None:
            out.close()


class _Unclosed:
    """Standard input as a `with` target that leaves it open for the rest of the shell."""

    def __init__(self, stream):
        self.stream = stream

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(n)

    def close(self) -> None:
        pass

    def __enter__(self) -> _Unclosed:
        return self

    def __exit__(self, *exc: object) -> None:
        pass
