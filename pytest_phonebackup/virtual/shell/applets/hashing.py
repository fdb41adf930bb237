"""Toybox's byte-level applets on the virtual phone: md5sum and the sha*sum family (with -c),
base64, cmp, xxd and od. They stream files in chunks through the phone's storage, so hashing a
gigabyte never loads it; output and error texts follow toybox 0.8.9.
"""

from __future__ import annotations

import binascii
import errno
import hashlib
import re
import struct
from typing import BinaryIO

from ..api import Context, applet
from ..streams import Input
from .options import CHUNK, Inputs, UsageError, chunks, lines, number, parse

HASHES = {"md5sum": "md5", "sha1sum": "sha1", "sha224sum": "sha224", "sha256sum": "sha256",
          "sha384sum": "sha384", "sha512sum": "sha512"}


def _digest(algorithm: str, stream, buffer: bytearray | None = None) -> str:
    """The hex digest of what `stream` holds; a file that can `readinto` fills `buffer`, reused
    from file to file, instead of a new bytes object per chunk."""
    hasher = hashlib.new(algorithm)
    readinto = getattr(stream, "readinto", None)
    if readinto is None or buffer is None:
        for data in chunks(stream):
            hasher.update(data)
        return hasher.hexdigest()
    view = memoryview(buffer)
    while True:
        got = readinto(buffer)
        if not got:
            return hasher.hexdigest()
        hasher.update(view[:got])


def _open_for_hash(ctx: Context, name: str):
    """A file to hash; toybox reads a folder as empty rather than refusing it."""
    try:
        return ctx.storage.open_read(name, ctx.cwd, buffered=False)  # read whole into one buffer
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            from ..streams import EmptyInput

            return _Closing(EmptyInput())
        raise


class _Closing:
    def __init__(self, stream):
        self.stream = stream

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def close(self) -> None:
        pass


@applet(*HASHES)
def hashsum(ctx: Context, argv: list[str]) -> int:
    name = argv[0].rsplit("/", 1)[-1]
    algorithm = HASHES.get(name, "md5")
    try:
        opts = parse(argv, "bcs", "", {"check": "c", "status": "s"})
        if "s" in opts and "c" not in opts:
            raise UsageError("-s only with -c")
    except UsageError as exc:
        return ctx.fail(str(exc))
    if "c" in opts:
        return _check(ctx, algorithm, opts.operands, "s" in opts)
    status = 0
    buffer = bytearray(CHUNK)
    for path in opts.operands or ["-"]:
        if path == "-":
            digest = _digest(algorithm, ctx.stdin)
        else:
            try:
                with _open_for_hash(ctx, path) as stream:
                    digest = _digest(algorithm, stream, buffer)
            except OSError as exc:
                status = ctx.fail(f"{path}: {exc.strerror}")
                continue
        ctx.out(digest + "\n" if "b" in opts else f"{digest}  {path}\n")
    return status


def _check(ctx: Context, algorithm: str, lists: list[str], silent: bool) -> int:
    """-c: each line `HASH  NAME` of each list file is checked: `NAME: OK` or `NAME: FAILED`."""
    inputs = Inputs(ctx, lists)
    status = 0
    if not lists:
        return 0
    for list_name, stream in inputs:
        saw_line = False
        for raw in lines(stream):
            line = raw.rstrip(b"\n").decode("utf-8", "surrogateescape")
            expected, _, target = _split_check_line(line)
            if not expected or not target:
                ctx.err(f"bad line {line}")
                status = 1
                continue
            saw_line = True
            actual = ""
            try:
                if target == "-":
                    actual = _digest(algorithm, ctx.stdin)
                else:
                    with _open_for_hash(ctx, target) as data:
                        actual = _digest(algorithm, data)
            except OSError as exc:
                ctx.err(f"{target}: {exc.strerror}")
                status = 1
            failed = actual.lower() != expected.lower()
            if failed:
                status = 1
            if not silent:
                ctx.out(f"{target}: {'FAILED' if failed else 'OK'}\n")
        if not saw_line:
            ctx.err(f"{list_name}: no lines")
            status = 1
    return status or inputs.status


def _split_check_line(line: str) -> tuple[str, str, str]:
    """'HASH<whitespace>NAME' -> (HASH, whitespace, NAME), as toybox splits it."""
    end = 0
    while end < len(line) and not line[end].isspace():
        end += 1
    gap = end
    while gap < len(line) and line[gap].isspace():
        gap += 1
    return line[:end], line[end:gap], line[gap:]


# -- base64 -----------------------------------------------------------------------------------
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_INDEX = {c: i for i, c in enumerate(_B64)}


@applet("base64")
def base64(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "di", "w", {"decode": "d", "ignore-garbage": "i", "wrap": "w"})
        wrap = number(opts.get("w", "76"))
    except UsageError as exc:
        return ctx.fail(str(exc))
    inputs = Inputs(ctx, opts.operands, directories="defer")
    for _name, stream in inputs:
        try:
            if "d" in opts:
                _decode(ctx, stream, "i" in opts)
            else:
                _encode(ctx, stream, wrap)
        except OSError as exc:
            return ctx.fail(f"xread: {exc.strerror}")
    return inputs.status


def _encode(ctx: Context, stream, wrap: int) -> None:
    column = 0
    carry = b""
    for data in chunks(stream):
        data = carry + data
        cut = len(data) - len(data) % 3
        carry = data[cut:]
        column = _write_wrapped(ctx, binascii.b2a_base64(data[:cut], newline=False), wrap, column)
    if carry:
        column = _write_wrapped(ctx, binascii.b2a_base64(carry, newline=False), wrap, column)
    if column and wrap:
        ctx.out(b"\n")


def _write_wrapped(ctx: Context, text: bytes, wrap: int, column: int) -> int:
    if not wrap:
        ctx.stdout.write(text)
        return column + len(text)
    first = min(wrap - column, len(text))
    out = [text[:first]]
    column += first
    if column == wrap:
        out.append(b"\n")
        column = 0
    rest = text[first:]
    whole = len(rest) - len(rest) % wrap
    out.extend(rest[i:i + wrap] + b"\n" for i in range(0, whole, wrap))
    out.append(rest[whole:])
    ctx.stdout.write(b"".join(out))
    return column + len(rest) - whole


_B64_OTHER = bytes(b for b in range(256) if b not in _B64_INDEX)
_B64_STOP = re.compile(rb"[^A-Za-z0-9+/]")


def _decode(ctx: Context, stream, ignore_garbage: bool) -> None:
    """Decode until '=' or (without -i) the first byte outside the alphabet, as toybox does;
    newlines are skipped. Whole groups of four go through binascii, so big files stay fast."""
    pending = b""
    for data in chunks(stream):
        data = data.translate(None, _B64_OTHER.replace(b"=", b"") if ignore_garbage else b"\n")
        stop = _B64_STOP.search(data)
        if stop:
            data = data[:stop.start()]
        pending += data
        whole = len(pending) - len(pending) % 4
        ctx.stdout.write(binascii.a2b_base64(pending[:whole]))
        pending = pending[whole:]
        if stop:
            break
    # a last partial group: 2 chars make 1 byte, 3 make 2, as the bit accumulator gives
    if len(pending) >= 2:
        value = 0
        for c in pending:
            value = (value << 6) | _B64_INDEX[c]
        bits = 6 * len(pending)
        ctx.stdout.write((value >> (bits % 8)).to_bytes(bits // 8, "big"))


# -- cmp --------------------------------------------------------------------------------------
@applet("cmp")
def cmp(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "ls", "n", {"verbose": "l", "silent": "s", "quiet": "s", "bytes": "n"})
        names = opts.operands
        if not 1 <= len(names) <= 4:
            raise UsageError("Needs 1-4 arguments (see \"cmp --help\")")
        if len(names) == 1:
            names = names + ["-"]
        skips = [number(s) for s in names[2:]] + [0, 0]
        limit = number(opts.get("n")) if "n" in opts else None
    except UsageError as exc:
        return ctx.fail(str(exc), 2)
    silent, verbose = "s" in opts, "l" in opts
    streams: list[Input] = []
    opened: list[BinaryIO] = []  # the files among them, which cmp closes
    try:
        for name in names[:2]:
            if name == "-":
                streams.append(ctx.stdin)
                continue
            try:
                file = ctx.storage.open_read(name, ctx.cwd)
                opened.append(file)
                streams.append(file)
            except OSError as exc:
                if silent:
                    return 1
                ctx.err(f"{name}: {exc.strerror}")
                return 2
        for stream, skip in zip(streams, skips[:2], strict=True):
            _skip(stream, skip)
        return _compare(ctx, streams, names[:2], silent, verbose, limit)
    finally:
        for file in opened:
            file.close()


def _skip(stream, count: int) -> None:
    while count > 0:
        data = stream.read(min(count, CHUNK))
        if not data:
            return
        count -= len(data)


def _read_full(stream, size: int) -> bytes:
    parts = []
    while size > 0:
        data = stream.read(size)
        if not data:
            break
        parts.append(data)
        size -= len(data)
    return b"".join(parts)


def _compare(ctx: Context, streams, names, silent: bool, verbose: bool, limit: int | None) -> int:
    byte_no = line_no = 1
    status = 0
    while limit is None or limit > 0:
        size = CHUNK if limit is None else min(CHUNK, limit)
        if limit is not None:
            limit -= size
        a, b = _read_full(streams[0], size), _read_full(streams[1], size)
        common = min(len(a), len(b))
        if a[:common] != b[:common]:
            for i in range(common):
                if a[i] != b[i]:
                    status = 1
                    if verbose:
                        ctx.out(f"{byte_no + i} {a[i]:o} {b[i]:o}\n")
                    else:
                        if not silent:
                            line = line_no + a[:i].count(b"\n")
                            ctx.out(f"{names[0]} {names[1]} differ: char {byte_no + i}, line {line}\n")
                        return 1
        byte_no += common
        line_no += a[:common].count(b"\n")
        if len(a) != len(b):
            if silent:
                return 1
            shorter = names[0] if len(a) < len(b) else names[1]
            where = f"byte {byte_no - 1}" + ("" if verbose else f", line {line_no - 1}")
            ctx.err(f"EOF on {shorter} after {where}")
            return status or 2
        if not a:
            break
    return status


# -- xxd --------------------------------------------------------------------------------------
@applet("xxd")
def xxd(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "pr", "clsg", {})
        columns = number(opts.get("c", "30" if "p" in opts else "16"))
        limit = number(opts.get("l")) if "l" in opts else None
        seek = number(opts.get("s", "0"))
        group = number(opts.get("g", "2"))
        if len(opts.operands) > 1:
            raise UsageError("Max 1 argument (see \"xxd --help\")")
    except UsageError as exc:
        return ctx.fail(str(exc))
    inputs = Inputs(ctx, opts.operands, directories="defer")
    for _name, stream in inputs:
        try:
            _xxd_stream(ctx, stream, seek, limit, columns, group, "p" in opts)
        except OSError as exc:
            return ctx.fail(f"read: {exc.strerror}")
    return inputs.status


def _xxd_stream(ctx: Context, stream, seek: int, limit: int | None, columns: int, group: int,
                plain: bool) -> None:
    _skip(stream, seek)
    offset = seek
    pending = b""
    left = limit
    while True:
        want = CHUNK if left is None else min(CHUNK, left)
        data = stream.read(want) if want else b""
        if left is not None:
            left -= len(data)
        pending += data
        done = not data
        rows = []
        whole = len(pending) - len(pending) % columns if not done else len(pending)
        for start in range(0, whole, columns):
            row = pending[start:start + columns]
            rows.append(_xxd_row(row, offset, columns, group, plain))
            offset += len(row)
        pending = pending[whole:]
        if rows:
            ctx.out("".join(rows))
        if done:
            break


_XXD_TEXT = bytes(b if 32 <= b < 127 else 46 for b in range(256))


def _xxd_row(row: bytes, offset: int, columns: int, group: int, plain: bool) -> str:
    if plain:
        return row.hex() + "\n"
    step = group or columns
    width = 2 * columns + (columns - 1) // step  # hex digits plus the spaces between groups
    hexes = row.hex(" ", -step) if step < len(row) else row.hex()
    return f"{offset:08x}: {hexes.ljust(width)}  {row.translate(_XXD_TEXT).decode('latin-1')}\n"


# -- od ---------------------------------------------------------------------------------------
_OD_ASCII = ("nul soh stx etx eot enq ack bel bs ht nl vt ff cr so si dle dc1 dc2 dc3 dc4 nak syn etb "
             "can em sub esc fs gs rs us sp").split()
_OD_ESCAPES = {8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 7: "\\a", 11: "\\v", 0: "\\0"}
_OD_ADDRESS = {"n": None, "d": "{:07d}", "o": "{:07o}", "x": "{:06x}"}


def _od_types(text: str) -> list[tuple[str, int]]:
    """-t TYPE[SIZE]... -> [(type letter, size)]; sizes as toybox: C S I L, F D for floats."""
    types = []
    i = 0
    while i < len(text):
        kind = text[i]
        i += 1
        if kind not in "acduoxf":
            raise UsageError(f"bad -t {text}")
        digits = re.match(r"\d+", text[i:])
        if digits:
            size = int(digits.group(0))
            i += digits.end()
            if (kind in "ac" and size != 1) or not 1 <= size <= 8 or (kind == "f" and size not in (4, 8)):
                raise UsageError(f"bad -t {text}")
        elif kind == "f":
            size = {"F": 4, "D": 8}.get(text[i:i + 1], 8)
            i += text[i:i + 1] in ("F", "D")
        elif kind in "duox":
            size = {"C": 1, "S": 2, "I": 4, "L": 8}.get(text[i:i + 1], 4)
            i += text[i:i + 1] in ("C", "S", "I", "L")
        else:
            size = 1
        types.append((kind, size))
    return types


def _od_item(kind: str, size: int, data: bytes) -> tuple[str, int]:
    """One value as toybox prints it, and the width it pads to."""
    if kind == "a":
        c = data[0] & 127
        return (_OD_ASCII[c] if c <= 32 else "del" if c == 127 else chr(c)), 4
    if kind == "c":
        c = data[0]
        if c in _OD_ESCAPES:
            return _OD_ESCAPES[c], 4
        return (f"{c:03o}" if c < 32 or c >= 127 else chr(c)), 4
    if kind == "f":
        value = struct.unpack("<f" if size == 4 else "<d", data)[0]
        digits = 8 if size == 4 else 17
        return f"{value:.{digits}e}", digits + (7 if size == 4 else 8)
    value = int.from_bytes(data, "little", signed=kind == "d")
    biggest = (1 << (8 * size)) - 1 if (size < 8 or kind != "d") else (1 << 63) - 1
    base = {"d": "d", "u": "d", "o": "o", "x": "x"}[kind]
    width = len(format(biggest, base)) + (kind == "d")
    text = format(value, f"{width}d") if kind in "du" else format(value, f"0{width}{base}")
    return text, width + 1


@applet("od")
def od(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "bcdosxv", "wNjAt")
        width = number(opts.get("w", "16"))
        limit = number(opts.get("N")) if "N" in opts else None
        skip = number(opts.get("j", "0"))
        address = str(opts.get("A", "o"))[:1]
        if address not in _OD_ADDRESS:
            raise UsageError(f"bad -A '{address}'")
        types = [t for text in opts.all("t") for t in _od_types(text)]
        for letter, alias in (("b", "o1"), ("c", "c"), ("d", "u2"), ("o", "o2"), ("s", "d2"), ("x", "x2")):
            if letter in opts:
                types += _od_types(alias)
        types = types or _od_types("o2")
    except UsageError as exc:
        return ctx.fail(str(exc))
    # the widest value decides the column width, per byte, across all types
    pad = max(-(-_od_item(k, s, bytes(s))[1] // s) for k, s in types)
    address_format = _OD_ADDRESS[address]
    inputs = Inputs(ctx, opts.operands, directories="defer")
    pos = skip
    previous: bytes | None = None
    star = False

    def line(row: bytes) -> None:
        nonlocal pos, previous, star
        padded = row + bytes(width - len(row))
        if "v" not in opts and pos != skip and padded == previous:
            if not star:
                ctx.out("*\n")
                star = True
            pos += len(row)
            return
        star = False
        out = [address_format.format(pos) if address_format else ""]
        for index, (kind, size) in enumerate(types):
            cells = []
            for offset in range(0, len(row), size):
                text, _ = _od_item(kind, size, padded[offset:offset + size])
                cells.append(text.rjust(pad * size + (7 if index and not offset else 0)))
            out.append("".join(cells) + "\n")
        ctx.out("".join(out))
        pos += len(row)
        previous = padded

    pending = b""
    to_skip = skip
    left = limit
    try:
        for _name, stream in inputs:
            while left is None or left > 0:
                data = stream.read(CHUNK)
                if not data:
                    break
                if to_skip:
                    cut = min(to_skip, len(data))
                    data, to_skip = data[cut:], to_skip - cut
                if left is not None:
                    data, left = data[:left], left - min(left, len(data))
                pending += data
                while len(pending) >= width:
                    line(pending[:width])
                    pending = pending[width:]
    except OSError as exc:
        inputs.failed(_name, exc)
    if pending:
        line(pending)
    if address_format:
        ctx.out(address_format.format(pos) + "\n")
    return inputs.status
