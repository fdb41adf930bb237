"""Toybox-style command-line parsing and input reading shared by the text and utility applets.

Short flags bundle (`-lwc`), option arguments attach or follow (`-n5`, `-n 5`), options may come
after operands unless the applet stops at the first operand, `--` ends options. Not a general CLI library.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..api import Context
from ..streams import Input

CHUNK = 65536


class UsageError(Exception):
    """A bad command line; the message is what toybox prints after `NAME: `."""


@dataclass
class Options:
    """Parsed options: flag letter -> list of values (True for plain flags), plus operands."""

    values: dict[str, list] = field(default_factory=dict)
    operands: list[str] = field(default_factory=list)

    def __contains__(self, letter: str) -> bool:
        return letter in self.values

    def get(self, letter: str, default=None):
        found = self.values.get(letter)
        return found[-1] if found else default

    def all(self, letter: str) -> list:
        return list(self.values.get(letter, []))

    def count(self, letter: str) -> int:
        return len(self.values.get(letter, []))


def parse(argv: list[str], flags: str = "", with_arg: str = "", longs: dict[str, str] | None = None,
          stop_at_operand: bool = False, optional: str = "", unknown_as_operands: bool = False) -> Options:
    """Parse argv[1:]. `flags` are letters without argument, `with_arg` letters that take one,
    `optional` letters whose argument must be attached (`-Is`); `longs` maps `--name` (or
    `--name=`) to a letter. `unknown_as_operands` keeps `-x` as an operand (toybox's "?")."""
    name = argv[0].rsplit("/", 1)[-1]
    opts = Options()
    args = argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            opts.operands.extend(args[i:])
            break
        if arg.startswith("--") and longs is not None:
            key, eq, value = arg[2:].partition("=")
            letter = longs.get(key)
            if letter is None:
                raise UsageError(f"Unknown option '{key}' (see \"{name} --help\")")
            # a long-only option that takes an argument is named "name=" in `longs`
            takes_arg = letter.endswith("=") or (len(letter) == 1 and letter in with_arg)
            letter = letter.rstrip("=")
            if takes_arg:
                if not eq:
                    if i >= len(args):
                        raise UsageError(f"Missing argument to --{key} (see \"{name} --help\")")
                    value, i = args[i], i + 1
                opts.values.setdefault(letter, []).append(value)
            else:
                opts.values.setdefault(letter, []).append(value if eq else True)
            continue
        if len(arg) < 2 or not arg.startswith("-"):
            opts.operands.append(arg)
            if stop_at_operand:
                opts.operands.extend(args[i:])
                break
            continue
        if unknown_as_operands and any(c not in flags + with_arg + optional for c in arg[1:2]):
            opts.operands.append(arg)
            continue
        pos = 1
        while pos < len(arg):
            letter = arg[pos]
            pos += 1
            if letter in with_arg:
                value = arg[pos:]
                if not value:
                    if i >= len(args):
                        raise UsageError(f"Missing argument to -{letter} (see \"{name} --help\")")
                    value, i = args[i], i + 1
                opts.values.setdefault(letter, []).append(value)
                break
            if letter in optional:
                opts.values.setdefault(letter, []).append(arg[pos:] or True)
                break
            if letter not in flags:
                raise UsageError(f"Unknown option '{letter}' (see \"{name} --help\")")
            opts.values.setdefault(letter, []).append(True)
    return opts


def number(text: str, what: str = "integer") -> int:
    """An integer argument, with toybox's `not integer: X` complaint."""
    try:
        return int(text.strip(), 0 if text.strip().lower().startswith("0x") else 10)
    except ValueError:
        raise UsageError(f"not {what}: {text}") from None


class Inputs:
    """Opens each operand (`-` or none = stdin) through the phone's storage, reporting errors
    the toybox way (`NAME: FILE: No such file or directory`) and remembering the exit status.

    `directories` says what an applet does with a folder operand, as toybox's differ:
    "error" (message, skipped), "empty" (read as empty, silently), "report-empty" (message,
    then read as empty), "defer" (a stream whose first read raises EISDIR).
    """

    def __init__(self, ctx: Context, names: list[str], error_status: int = 1, quiet: bool = False,
                 directories: str = "error", label: str = ""):
        self.ctx = ctx
        self.names = names or ["-"]
        self.error_status = error_status
        self.quiet = quiet
        self.directories = directories
        self.label = label  # text before the name in error messages (uniq says "No file X")
        self.status = 0

    def __iter__(self) -> Iterator[tuple[str, Input]]:
        for name in self.names:
            if name == "-":
                yield name, self.ctx.stdin
                continue
            stream = self.open(name)
            if stream is None:
                continue
            with stream:
                yield name, stream

    def open(self, name: str):
        try:
            return self.ctx.storage.open_read(name, self.ctx.cwd)
        except OSError as exc:
            if exc.errno == errno.EISDIR and self.directories != "error":
                if self.directories == "report-empty":
                    self.failed(name, exc)
                return Unreadable(exc if self.directories == "defer" else None)
            self.failed(name, exc)
            return None

    def failed(self, name: str, exc: OSError) -> None:
        if not self.quiet:
            self.ctx.err(f"{self.label}{name}: {exc.strerror}")
        self.status = self.error_status


class Unreadable:
    """A folder opened as a file: reads as empty, or raises the read error toybox would meet."""

    def __init__(self, error: OSError | None = None):
        self.error = error

    def read(self, n: int = -1) -> bytes:
        if self.error is not None:
            raise self.error
        return b""

    def readline(self) -> bytes:
        return self.read()

    def seek(self, pos: int) -> int:
        return 0

    def close(self) -> None:
        pass

    def __enter__(self) -> Unreadable:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def lines(stream) -> Iterator[bytes]:
    """Lines with their newline (the last one may lack it), split from chunks as they arrive:
    one read per chunk, never one per line (a pipe's readline copies what it keeps)."""
    pending = b""
    while True:
        data = stream.read(CHUNK)
        if not data:
            break
        if pending:
            data = pending + data
        *complete, pending = data.split(b"\n")
        for line in complete:
            yield line + b"\n"
    if pending:
        yield pending


def write_all(out, data: bytes) -> None:
    """Write a big result in pipe-sized pieces, so the reader never slices a huge chunk."""
    for start in range(0, len(data), CHUNK):
        out.write(data[start:start + CHUNK])


def chunks(stream, size: int = CHUNK) -> Iterator[bytes]:
    while True:
        data = stream.read(size)
        if not data:
            return
        yield data


def arg_bytes(text: str) -> bytes:
    """A command-line argument as the bytes the phone received."""
    return text.encode("utf-8", "surrogateescape")
