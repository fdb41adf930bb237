"""`zipinfo`, the other face of system/libziparchive's ziptool (unzip is the first, with the file
applets): one line per entry in ziptool's InfoOne format, with the archive's header and totals.
Not for extracting (`unzip`).
"""

from __future__ import annotations

import fnmatch
import io
import stat
import zipfile

from .shell.api import Context, applet
from .shell.applets.files.base import strerror

USAGE = "usage: zipinfo [-1] ZIP [FILE...] [-x FILE...]\n"
HELP = (USAGE + "\nShow information about FILEs from ZIP archive. Default is all files.\n"
        "Both the include and exclude (-x) lists use shell glob patterns.\n\n"
        "-1\tShow filenames only, one per line\n-x FILE\tExclude files\n")


def _mode(info: zipfile.ZipInfo) -> tuple[str, str]:
    """(mode letters, source file system) as InfoOne derives them from `version made by`."""
    system = info.create_system
    if system == 3:
        mode = info.external_attr >> 16
        kind = "d" if stat.S_ISDIR(mode) else "-" if stat.S_ISREG(mode) else "?"
        bits = "".join(letter if mode & flag else "-" for letter, flag in zip(
            "rwxrwxrwx", (0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1), strict=True))
        return kind + bits, "unx"
    if system == 0:
        attrs = info.external_attr & 0xFF
        executable = info.filename.endswith((".exe", ".com", ".bat", ".cmd"))
        letters = ("d" if attrs & 0x10 else "-") + "r" + ("-" if attrs & 0x01 else "w") + ("x" if executable else "-")
        letters += ("a" if attrs & 0x20 else "-") + ("h" if attrs & 0x02 else "-") + ("s" if attrs & 0x04 else "-")
        return letters + "   ", "fat"
    return "???       ", "???"


def _ratio(uncompressed: int, compressed: int) -> float:
    return 0.0 if not uncompressed else 100 * (uncompressed - compressed) / uncompressed


@applet("zipinfo")
def zipinfo(ctx: Context, argv: list[str]) -> int:
    names_only, excluding = False, False
    archive: str | None = None
    includes: list[str] = []
    excludes: list[str] = []
    for arg in argv[1:]:
        if arg in ("-h", "--help"):
            ctx.out(HELP)
            return 0
        if arg == "-1":
            names_only = True
        elif arg == "-x":
            excluding = True
        elif arg.startswith("-") and len(arg) > 1:
            ctx.stderr.write(f"zipinfo: invalid option -- '{arg[1]}'\n{USAGE}".encode())
            return 1
        elif archive is None:
            archive = arg
        else:
            (excludes if excluding else includes).append(arg)
    if archive is None:
        ctx.stderr.write(b"zipinfo: missing archive filename\n")
        return 1
    try:
        with ctx.storage.open_read(archive, ctx.cwd) as stream:
            data = stream.read()
        zf = zipfile.ZipFile(io.BytesIO(data))
    except OSError as exc:
        ctx.stderr.write(f"zipinfo: couldn't open {archive}: {strerror(exc)}\n".encode())
        return 1
    except zipfile.BadZipFile:
        ctx.stderr.write(f"zipinfo: couldn't open {archive}: Invalid file\n".encode())
        return 1
    members = [i for i in zf.infolist()
               if not any(fnmatch.fnmatchcase(i.filename, p) for p in excludes)
               and (not includes or any(fnmatch.fnmatchcase(i.filename, p) for p in includes))]
    summary = not names_only and not includes and not excludes
    if summary:
        ctx.out(f"Archive:  {archive}\nZip file size: {len(data)} bytes, number of entries: {len(zf.infolist())}\n")
    for info in members:
        if names_only:
            ctx.out(info.filename + "\n")
            continue
        mode, source = _mode(info)
        version = info.create_version & 0xFF
        method = "stor" if info.compress_type == zipfile.ZIP_STORED else "def" + "NXFS"[(info.flag_bits >> 1) & 3]
        text = "t" if info.internal_attr & 1 else "b"
        descriptor = "X" if info.flag_bits & 0x08 else "x"
        year, month, day, hour, minute, _ = info.date_time
        ctx.out(f"{mode} {version // 10:2d}.{version % 10} {source} {info.file_size:8d} {text}{descriptor} {method} "
                f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d} {info.filename}\n")
    if summary:
        total = sum(i.file_size for i in members)
        packed = sum(i.compress_size for i in members)
        ctx.out(f"{len(members)} files, {total} bytes uncompressed, {packed} bytes compressed:  "
                f"{_ratio(total, packed):.1f}%\n")
    return 0
