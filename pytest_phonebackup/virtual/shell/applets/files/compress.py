"""gzip, gunzip and zcat (toybox) and unzip (Android's ziptool) on the phone's storage: real gzip
and zip data through Python's gzip, zlib and zipfile. Not for tar archives (`archives`).
"""

from __future__ import annotations

import io
import os
import posixpath
import time
import zipfile
import zlib

from ...api import Context, applet
from ..options import UsageError, chunks, parse
from .base import strerror


class NotGzip(Exception):
    """The input is not gzip data (toybox says `not gzip`)."""


def _gunzip_stream(stream, write) -> None:
    """Decompress a gzip stream (several members allowed) to `write`, chunk by chunk."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    seen = inside = False
    for data in chunks(stream):
        while data:
            try:
                write(inflater.decompress(data))
            except zlib.error:
                raise NotGzip from None
            seen, inside = True, not inflater.eof
            data = inflater.unused_data if inflater.eof else b""
            if inflater.eof:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    if not seen or inside:
        raise NotGzip


def _gzip_stream(stream, write, level: int) -> None:
    """zlib's gzip member: no file name, no time in the header."""
    deflater = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for data in chunks(stream):
        write(deflater.compress(data))
    write(deflater.flush())


def _gzip(ctx: Context, argv: list[str], decompress: bool, to_stdout: bool) -> int:
    try:
        opts = parse(argv, "cdfkn123456789")
    except UsageError as exc:
        return ctx.fail(str(exc))
    decompress = decompress or "d" in opts
    to_stdout = to_stdout or "c" in opts
    level = next((int(c) for c in "987654321" if c in opts), 6)
    status = 0
    for name in opts.operands or ["-"]:
        try:
            if name == "-":
                run = _gunzip_stream if decompress else (lambda s, w: _gzip_stream(s, w, level))
                run(ctx.stdin, ctx.stdout.write)
                continue
            if decompress and not to_stdout and not name.endswith(".gz"):
                ctx.err(f"no .gz: {name}")
                status = 1
                continue
            source = ctx.host(name)
            info = os.stat(source)
            with ctx.storage.open_read(name, ctx.cwd) as stream:
                if to_stdout:
                    if decompress:
                        _gunzip_stream(stream, ctx.stdout.write)
                    else:
                        _gzip_stream(stream, ctx.stdout.write, level)
                    continue
                target = name[:-3] if decompress else name + ".gz"
                if os.path.lexists(ctx.host(target)) and "f" not in opts:
                    ctx.err(f"{target}: File exists")
                    status = 1
                    continue
                try:
                    with ctx.storage.open_write(target, ctx.cwd) as out:
                        if decompress:
                            _gunzip_stream(stream, out.write)
                        else:
                            _gzip_stream(stream, out.write, level)
                except NotGzip:
                    ctx.storage.unlink(target, ctx.cwd)
                    raise
            os.utime(ctx.host(target), ns=(info.st_atime_ns, info.st_mtime_ns))
            os.chmod(ctx.host(target), info.st_mode & 0o7777)
            if "k" not in opts:
                ctx.storage.unlink(name, ctx.cwd)
        except NotGzip:
            ctx.err("not gzip")
            status = 1
        except OSError as exc:
            ctx.err(f"{name}: {strerror(exc)}")
            status = 1
    return status


@applet("gzip")
def gzip(ctx: Context, argv: list[str]) -> int:
    return _gzip(ctx, argv, decompress=False, to_stdout=False)


@applet("gunzip")
def gunzip(ctx: Context, argv: list[str]) -> int:
    return _gzip(ctx, argv, decompress=True, to_stdout=False)


@applet("zcat")
def zcat(ctx: Context, argv: list[str]) -> int:
    return _gzip(ctx, argv, decompress=True, to_stdout=True)


# -- unzip (system/libziparchive's ziptool) ----------------------------------------------------
def _zip_time(info: zipfile.ZipInfo) -> str:
    year, month, day, hour, minute, _ = info.date_time
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}"


@applet("unzip")
def unzip(ctx: Context, argv: list[str]) -> int:
    """unzip [-lopqn] [-d DIR] ZIP [FILE...], in ziptool's words."""
    try:
        opts = parse(argv, "lnopqv", "d", stop_at_operand=False)
    except UsageError as exc:
        ctx.stderr.write(f"unzip: {exc}\n".encode())
        return 2
    if not opts.operands:
        ctx.stderr.write(b"unzip: missing archive filename\n")
        return 2
    archive, wanted = opts.operands[0], set(opts.operands[1:])
    try:
        with ctx.storage.open_read(archive, ctx.cwd) as stream:
            data = stream.read()
        zf = zipfile.ZipFile(io.BytesIO(data))
    except OSError as exc:
        ctx.stderr.write(f"unzip: couldn't open {archive}: {strerror(exc)}\n".encode())
        return 1
    except zipfile.BadZipFile:
        ctx.stderr.write(f"unzip: couldn't open {archive}: Invalid file\n".encode())
        return 1
    members = [i for i in zf.infolist() if not wanted or i.filename in wanted]
    if "l" in opts:
        ctx.out(f"Archive:  {archive}\n  Length      Date    Time    Name\n---------  ---------- -----   ----\n")
        for info in members:
            ctx.out(f"{info.file_size:9d}  {_zip_time(info)}   {info.filename}\n")
        total = sum(i.file_size for i in members)
        ctx.out(f"---------                     -------\n{total:9d}"
                f"                     {len(members)} file{'s' if len(members) != 1 else ''}\n")
        return 0
    if "p" in opts:
        for info in members:
            if not info.is_dir():
                ctx.out(zf.read(info))
        return 0
    folder = str(opts.get("d", "."))
    if "q" not in opts:
        ctx.out(f"Archive:  {archive}\n")
    for info in members:
        target = posixpath.normpath(posixpath.join(folder, info.filename))
        if info.filename.startswith("/") or ".." in info.filename.split("/"):
            ctx.stderr.write(f"unzip: bad filename {info.filename}\n".encode())
            return 1
        try:
            if info.is_dir():
                ctx.storage.makedirs(target, ctx.cwd)
                if "q" not in opts:
                    ctx.out(f"   creating: {target}/\n")
                continue
            if os.path.lexists(ctx.host(target)) and "o" not in opts:
                if "n" in opts:
                    continue
                ctx.stderr.write(f"unzip: {target} already exists; use -o to overwrite or -n to skip\n".encode())
                return 1
            ctx.storage.makedirs(posixpath.dirname(target) or ".", ctx.cwd)
            with zf.open(info) as source, ctx.storage.open_write(target, ctx.cwd) as out:
                while True:
                    block = source.read(65536)
                    if not block:
                        break
                    out.write(block)
            when = time.mktime((*info.date_time, 0, 0, -1))
            os.utime(ctx.host(target), (when, when))
            if "q" not in opts:
                ctx.out(f"  inflating: {target}\n")
        except OSError as exc:
            ctx.stderr.write(f"unzip: couldn't write {target}: {strerror(exc)}\n".encode())
            return 1
    return 0
