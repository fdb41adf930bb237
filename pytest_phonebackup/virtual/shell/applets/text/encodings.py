"""Toybox's iconv over the encodings Android's libc converts (bionic's iconv: UTF-8, US-ASCII,
ISO-8859-1, UTF-16 and UTF-32 of either byte order, WCHAR_T). A byte that cannot be converted is
copied as it is, or dropped with -c, as toys/posix/iconv.c does. Not for other text filters.
"""

from __future__ import annotations

import re

from ...api import Context, applet
from ..options import Inputs, UsageError, chunks, parse
from .base import usage

# bionic's iconv.cpp compares names lower-cased, without '-' or '_'
_CODECS = {"utf8": "utf-8", "ascii": "ascii", "usascii": "ascii", "iso88591": "latin-1", "latin1": "latin-1",
           "utf16be": "utf-16-be", "utf16le": "utf-16-le", "utf16": "utf-16-be", "utf32be": "utf-32-be",
           "utf32le": "utf-32-le", "utf32": "utf-32-be", "wchart": "utf-32-le"}


def _codec(name: str) -> str | None:
    return _CODECS.get(re.sub(r"[-_]", "", name.lower()))


def recode(data: bytes, source: str, target: str, drop: bool) -> bytes:
    """iconv(3) converts all it can; at a sequence it cannot, do_iconv() moves one byte (copied,
    or dropped with -c) and starts again after it."""
    out = bytearray()
    pos = 0
    while pos < len(data):
        rest = data[pos:]
        try:
            text = rest.decode(source)
        except UnicodeDecodeError as exc:
            text = rest[:exc.start].decode(source)
        try:
            encoded = text.encode(target)
            consumed = len(text.encode(source))
        except UnicodeEncodeError as exc:
            encoded = text[:exc.start].encode(target)
            consumed = len(text[:exc.start].encode(source))
        out += encoded
        pos += consumed
        if pos < len(data):
            if not drop:
                out.append(data[pos])
            pos += 1
    return bytes(out)


@applet("iconv")
def iconv(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "cs", "tf")
    except UsageError as exc:
        return usage(ctx, exc)
    to_name, from_name = str(opts.get("t", "UTF-8")), str(opts.get("f", "UTF-8"))
    target, source = _codec(to_name), _codec(from_name)
    if target is None or source is None:
        return ctx.fail(f"{to_name}/{from_name}: Invalid argument")  # iconv_open(): EINVAL
    inputs = Inputs(ctx, opts.operands, directories="defer")
    for name, stream in inputs:
        try:
            data = b"".join(chunks(stream))
        except OSError as exc:
            ctx.err(f"read '{name}': {exc.strerror}")
            inputs.status = 1
            continue
        ctx.out(recode(data, source, target, "c" in opts))
    return inputs.status
