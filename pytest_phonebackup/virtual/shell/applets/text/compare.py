"""diff: unified differences of two files as toybox prints them (labels with nanosecond mtimes,
hunks with -U context, `\\ No newline at end of file`, -q, -s), exit 0 same, 1 different,
2 trouble. Folders are not compared (toybox would walk them). Not for cmp (`hashing`).
"""

from __future__ import annotations

import difflib
import os
from datetime import datetime, tzinfo

from ...api import Context, applet
from ..misc import _zone
from ..options import UsageError, lines, number, parse
from .base import usage


def _label(path: str, mtime_ns: int, zone: tzinfo) -> bytes:
    """`NAME\\tYYYY-MM-DD HH:MM:SS.NNNNNNNNN +ZZZZ` (toybox's format_iso_time), quoted as toybox
    quotes names with spaces or unprintable bytes."""
    name = path.encode("utf-8", "surrogateescape")
    if b" " in name or any(b < 0x20 or b >= 0x80 for b in name) or b'"' in name or b"\\" in name:
        escaped = bytearray(b'"')
        for b in name:
            if b in b'"\\':
                escaped += b"\\" + bytes([b])
            elif b < 0x20 or b >= 0x80:
                escaped += b"\\%03o" % b
            else:
                escaped.append(b)
        name = bytes(escaped + b'"')
    moment = datetime.fromtimestamp(mtime_ns // 1_000_000_000, zone)
    stamp = f"{moment:%Y-%m-%d %H:%M:%S}.{mtime_ns % 1_000_000_000:09d} {moment:%z}"
    return name + b"\t" + stamp.encode()


def _range(start: int, length: int) -> str:
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"


def _body(prefix: bytes, line: bytes) -> bytes:
    return prefix + (line if line.endswith(b"\n") else line + b"\n\\ No newline at end of file\n")


@applet("diff")
def diff(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "qsuaNrBbiwt", "U", longs={"unified": "U="})
        context = number(str(opts.get("U", "3")))
        if len(opts.operands) != 2:
            raise UsageError(f'Need{"s" if len(opts.operands) < 2 else ""} 2 argument'
                             f'{"s" if len(opts.operands) < 2 else ""} (see "diff --help")'
                             if len(opts.operands) < 2 else 'Max 2 arguments (see "diff --help")')
    except UsageError as exc:
        return usage(ctx, exc, 2)
    names = opts.operands
    content, stamps = [], []
    for name in names:
        try:
            if name == "-":
                content.append(list(lines(ctx.stdin)))
                stamps.append(0)
                continue
            host = ctx.host(name)
            info = os.stat(host)
            if os.path.isdir(host):
                return ctx.fail(f"{name}: Is a directory", 2)
            with ctx.storage.open_read(name, ctx.cwd) as stream:
                content.append(list(lines(stream)))
            stamps.append(info.st_mtime_ns)
        except OSError as exc:
            return ctx.fail(f"{name}: {exc.strerror}", 2)
    old, new = content
    if old == new:
        if "s" in opts:
            ctx.out(f"Files {names[0]} and {names[1]} are identical\n")
        return 0
    binary = any(b"\0" in line for line in old + new)
    if "q" in opts or (binary and "a" not in opts):
        ctx.out(f"Files {names[0]} and {names[1]} differ\n")
        return 1
    zone = _zone(ctx, False)
    out = [b"--- " + _label(names[0], stamps[0], zone) + b"\n", b"+++ " + _label(names[1], stamps[1], zone) + b"\n"]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2] - first[1])} +{_range(first[3], last[4] - first[3])} @@\n"
                   .encode())
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [_body(b" ", line) for line in old[i1:i2]]
                continue
            out += [_body(b"-", line) for line in old[i1:i2]]
            out += [_body(b"+", line) for line in new[j1:j2]]
    ctx.out(b"".join(out))
    return 1
