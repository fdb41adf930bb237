"""ls and stat on the phone's storage, in toybox 0.8.9's formats (what Android 14 ships).
Not for find (`find.py`) or for sizes of trees (`disk.py`).
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat as st
import time
import unicodedata
from dataclasses import dataclass

from ...api import Context, applet
from ..options import parse
from .base import (
    device_of,
    entries,
    human,
    id_name,
    iso_time,
    link_text,
    lookup,
    mode_string,
    need,
    ns_parts,
    strerror,
    to_bytes,
    usage_guard,
)


# -- ls --------------------------------------------------------------------------------------
@dataclass
class LsEntry:
    name: str  # as shown
    host: str
    info: os.stat_result
    link: str | None = None


@applet("ls")
@usage_guard
def ls(ctx: Context, argv: list[str]) -> int:
    # --full-time (shown as the internal letter T) is -ll; --color only colours a terminal, and adb's
    # non-interactive shell has none, so it changes nothing.
    opts = parse(argv, "1aAdFilnpRrsStuchCxTKQbq", longs={"full-time": "T", "color": "K",
                                                           "show-control-chars": "Q"})
    if "T" in opts:
        opts.values["l"] = [True, True]
    # -t and -S exclude each other (toybox's "[-ftS]"): the one given last wins.
    order = [c for arg in argv[1:] if arg.startswith("-") and arg != "-" for c in arg[1:] if c in "tS"]
    for letter in "tS":
        if order and order[-1] != letter:
            opts.values.pop(letter, None)
    if "d" in opts:
        opts.values.pop("R", None)
    status = 0
    # toybox follows command-line symlinks unless -l, -d or -F (not -n, though -n lists long).
    follow_top = not ("l" in opts or "d" in opts or "F" in opts)
    top: list[LsEntry] = []
    for path in opts.operands or ["."]:
        try:
            host, info = lookup(ctx, path, follow_top)
        except OSError as exc:
            if follow_top and exc.errno == errno.ENOENT:
                try:
                    host, info = lookup(ctx, path, False)
                except OSError:
                    ctx.err(f"{path}: {strerror(exc)}")
                    status = 1
                    continue
            else:
                ctx.err(f"{path}: {strerror(exc)}")
                status = 1
                continue
        top.append(LsEntry(path, host, info, read_link(ctx, host, info)))
    lister = Lister(ctx, opts)
    lister.list_top(top)
    return status | lister.status


C_ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 27: "\\e",
             32: "\\ ", 92: "\\\\"}


def shown_name(name: str, escape: bool, question_marks: bool) -> str:
    """A name as `ls -b` (C escapes, octal for what is not printable) or `ls -q` (`?`) shows it.
    Bytes that are not UTF-8 count one by one; a control character counts as its code point."""
    if not (escape or question_marks):
        return name
    raw = to_bytes(name)
    out: list[str] = []
    i = 0
    while i < len(raw):
        char, length = _utf8_char(raw, i)
        code = ord(char) if char is not None else raw[i]
        printable = char is not None and unicodedata.category(char) != "Cc"
        if escape and code in C_ESCAPES:
            out.append(C_ESCAPES[code])
        elif printable:
            out.append(char or "")
        else:
            out.append(f"\\{code:03o}" if escape else "?")
        i += length
    return "".join(out)


def _utf8_char(raw: bytes, i: int) -> tuple[str | None, int]:
    """The character that starts at raw[i] and its length in bytes, or (None, 1) for a bad byte."""
    first = raw[i]
    length = 1 if first < 0x80 else 2 if first >> 5 == 6 else 3 if first >> 4 == 14 else 4 if first >> 3 == 30 else 0
    if length == 0:
        return None, 1
    try:
        return raw[i:i + length].decode("utf-8"), length
    except UnicodeDecodeError:
        return None, 1


def heading(operand: str) -> str:
    """A folder's name in its `NAME:` heading: toybox drops one trailing slash (`DCIM/` -> `DCIM`)."""
    return operand[:-1] if operand.endswith("/") and operand != "/" else operand


def read_link(ctx: Context, host: str, info: os.stat_result) -> str | None:
    if st.S_ISLNK(info.st_mode):
        try:
            return link_text(ctx, host)
        except (OSError, ValueError):
            return ""
    return None


class Lister:
    def __init__(self, ctx: Context, opts):
        self.ctx = ctx
        self.opts = opts
        self.long = "l" in opts or "n" in opts
        self.full_time = opts.count("l") > 1
        self.titled = False  # toybox's nl_title: a blank line goes before every later header
        self.status = 0

    def when_ns(self, info: os.stat_result) -> int:
        """The time shown and sorted on: modification, or access (-u), or change (-c)."""
        if "u" in self.opts:
            return info.st_atime_ns
        if "c" in self.opts:
            return info.st_ctime_ns
        return info.st_mtime_ns

    def sort(self, items: list[LsEntry]) -> list[LsEntry]:
        """toybox's order: newest first with -t, then biggest first with -S, then by name (bytes)."""
        by_time, by_size = "t" in self.opts, "S" in self.opts

        def key(e: LsEntry) -> tuple[int, int, bytes]:
            return (-self.when_ns(e.info) if by_time else 0, -e.info.st_size if by_size else 0, to_bytes(e.name))

        items = sorted(items, key=key)
        if "r" in self.opts:
            items.reverse()
        return items

    def list_top(self, top: list[LsEntry]) -> None:
        if len(top) == 1 and st.S_ISDIR(top[0].info.st_mode) and not ("d" in self.opts or "R" in self.opts):
            self.list_dir(top[0], heading(top[0].name), title=False)
            return
        items = self.sort(top)
        self.show(items, skip_dirs="d" not in self.opts, total=False)
        if "d" in self.opts:
            return
        for item in items:
            if st.S_ISDIR(item.info.st_mode):
                self.list_dir(item, heading(item.name), title=True)

    def list_dir(self, folder: LsEntry, path: str, title: bool) -> None:
        try:
            found = entries(folder.host, ctx=self.ctx)
        except OSError as exc:
            self.ctx.err(f"{path}: {strerror(exc)}")
            self.status = 1
            return
        items = []
        if "a" in self.opts:
            items.append(LsEntry(".", folder.host, folder.info))
            parent = posixpath.dirname(device_of(self.ctx, folder.host)) or "/"
            try:
                items.append(LsEntry("..", self.ctx.storage.host(parent), self.ctx.storage.lstat(parent)))
            except OSError:
                pass
        for name, host, info in found:
            if name.startswith(".") and not ("a" in self.opts or "A" in self.opts):
                continue
            items.append(LsEntry(name, host, info, read_link(self.ctx, host, info)))
        items = self.sort(items)
        if title or "R" in self.opts:
            if self.titled:
                self.ctx.out("\n")
            self.ctx.out(f"{path}:\n")
        self.titled = True
        self.show(items, skip_dirs=False, total=True)
        if "R" in self.opts:
            for item in items:
                if st.S_ISDIR(item.info.st_mode) and item.name not in (".", ".."):
                    self.list_dir(item, f"{path}/{item.name}", title=True)

    def number(self, value: int, units: int = 1) -> str:
        """A size or block count, human-readable with -h (toybox's print_with_h)."""
        return human(value * units) if "h" in self.opts else str(value)

    def size_cell(self, info: os.stat_result) -> str:
        """The size column; a device shows its major and minor numbers instead (toybox: `1,   3`)."""
        if st.S_ISCHR(info.st_mode) or st.S_ISBLK(info.st_mode):
            return f"{os.major(info.st_rdev)},{os.minor(info.st_rdev):>4}"
        return self.number(info.st_size)

    def show(self, items: list[LsEntry], skip_dirs: bool, total: bool) -> None:
        numeric = "n" in self.opts
        widths = [0] * 8
        blocks = 0
        for item in items:
            info = item.info
            if "i" in self.opts:
                widths[1] = max(widths[1], len(str(info.st_ino)))
            if self.long:
                widths[2] = max(widths[2], len(str(info.st_nlink)))
                widths[3] = max(widths[3], len(str(info.st_uid) if numeric else id_name(info.st_uid)))
                widths[4] = max(widths[4], len(str(info.st_gid) if numeric else id_name(info.st_gid)))
                widths[5] = max(widths[5], len(self.size_cell(info)))
            if "s" in self.opts:
                widths[6] = max(widths[6], len(self.number(info.st_blocks // 2, 1024)))
            blocks += info.st_blocks // 2
        if total and (self.long or "s" in self.opts or "h" in self.opts):
            self.ctx.out(f"total {self.number(blocks, 1024)}\n")
        lines = []
        shown = False
        for index, item in enumerate(items):
            info = item.info
            if skip_dirs and st.S_ISDIR(info.st_mode):
                continue
            parts = ["\n" if index else ""]
            if "i" in self.opts:
                parts.append(f"{info.st_ino:>{widths[1]}} ")
            if "s" in self.opts:
                parts.append(f"{self.number(info.st_blocks // 2, 1024):>{widths[6]}} ")
            if self.long:
                user = str(info.st_uid) if numeric else id_name(info.st_uid)
                group = str(info.st_gid) if numeric else id_name(info.st_gid)
                if self.full_time:
                    when = iso_time(*ns_parts(self.when_ns(info)))
                else:
                    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(self.when_ns(info) // 1_000_000_000))
                parts.append(f"{mode_string(info.st_mode)}{info.st_nlink:>{widths[2] + 1}} "
                             f"{user:<{widths[3]}} {group:<{widths[4]}}{self.size_cell(info):>{widths[5] + 1}} "
                             f"{when} ")
            parts.append(shown_name(item.name, "b" in self.opts, "q" in self.opts))
            if self.long and item.link is not None:
                parts.append(" -> " + item.link)
            mode = info.st_mode
            if ("p" in self.opts or "F" in self.opts) and st.S_ISDIR(mode):
                parts.append("/")
            elif "F" in self.opts:
                if st.S_ISLNK(mode):
                    parts.append("@")
                elif st.S_ISREG(mode) and mode & 0o111:
                    parts.append("*")
            lines.append("".join(parts))
            shown = True
        if shown:
            self.titled = True
            self.ctx.out("".join(lines) + "\n")


# -- stat ------------------------------------------------------------------------------------
FILE_TYPES = {st.S_IFCHR: "character device", st.S_IFDIR: "directory", st.S_IFBLK: "block device",
              st.S_IFREG: "regular file", st.S_IFLNK: "symbolic link", st.S_IFSOCK: "socket",
              st.S_IFIFO: "FIFO (named pipe)"}
STAT_DEFAULT = ("  File: %N\n  Size: %s\t Blocks: %b\t IO Blocks: %B\t %F\n"
                "Device: %Dh/%dd\t Inode: %i\t Links: %h\t Device type: %t,%T\n"
                "Access: (%04a/%A)\tUid: (%5u/%8U)\tGid: (%5g/%8G)\n"
                "Access: %x\nModify: %y\nChange: %z")
STATFS_DEFAULT = ('  File: "%n"\n    ID: %i Namelen: %l    Type: %T\n'
                  "Block Size: %s    Fundamental block size: %S\n"
                  "Blocks: Total: %b\tFree: %f\tAvailable: %a\n"
                  "Inodes: Total: %c\tFree: %d")
FS_BLOCK = 4096
INODE_BYTES = 16 * 1024
EXT4_MAGIC = 0xEF53  # statfs f_type of ext4, which /data is on an emulator
FS_ID = "000000f30000001a"  # statfs f_fsid as toybox prints it (two 32-bit words in hex)


def printf_spec(fmt: str, i: int) -> tuple[str, int]:
    """The flags/width/precision after a `%` at fmt[i]; returns (spec, index of conversion)."""
    j = i + 1
    while j < len(fmt) and fmt[j] in "-+ #0'":
        j += 1
    while j < len(fmt) and (fmt[j].isdigit() or fmt[j] == "."):
        j += 1
    return fmt[i + 1:j], j


def apply_spec(spec: str, value: object, kind: str = "s") -> str:
    """printf-style padding: kind 's' (text), 'd' (decimal), 'o' (octal), 'x' (hex)."""
    spec = spec.replace("'", "")
    try:
        return ("%" + spec + kind) % value
    except (TypeError, ValueError):
        return str(value)


@applet("stat")
@usage_guard
def stat_(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "fLt", "c", {"format": "c"})
    need(ctx, opts.operands, 1)
    if "t" in opts:
        fmt = ("%n %i %l %t %s %S %b %f %a %c %d" if "f" in opts
               else "%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %o")
    else:
        fmt = STATFS_DEFAULT if "f" in opts else STAT_DEFAULT
    fmt = opts.get("c", fmt)
    status = 0
    for name in opts.operands:
        try:
            host, info = lookup(ctx, name, "L" in opts)
        except OSError as exc:
            ctx.err(f"'{name}': {strerror(exc)}")
            status = 1
            continue
        if "f" in opts:
            text = format_stat(fmt, lambda c, spec, name=name: statfs_field(ctx, name, c, spec))
        else:
            text = format_stat(fmt, lambda c, spec, name=name, host=host, info=info:
                               stat_field(ctx, name, host, info, c, spec))
        if text is None:
            return ctx.fail(f"bad {fmt}")
        ctx.out(text + "\n")
    return status


def format_stat(fmt: str, field) -> str | None:
    out = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%" or i + 1 >= len(fmt):
            out.append(c)
            i += 1
            continue
        if fmt[i + 1] == "%":
            out.append("%")
            i += 2
            continue
        spec, j = printf_spec(fmt, i)
        if j >= len(fmt):
            return None
        out.append(field(fmt[j], spec))
        i = j + 1
    return "".join(out)


def stat_field(ctx: Context, name: str, host: str, info: os.stat_result, c: str, spec: str) -> str:
    mode = info.st_mode
    if c == "a":
        return apply_spec(spec, mode & 0o7777, "o")
    if c == "A":
        return apply_spec(spec, mode_string(mode))
    if c == "b":
        return apply_spec(spec, info.st_blocks, "d")
    if c == "B":
        return apply_spec(spec, 512, "d")
    if c == "C":
        return apply_spec(spec, "?")
    if c == "d":
        return apply_spec(spec, info.st_dev, "d")
    if c == "D":
        return apply_spec(spec, info.st_dev, "x")
    if c == "f":
        return apply_spec(spec, mode, "x")
    if c == "F":
        kind = FILE_TYPES.get(st.S_IFMT(mode), "FIFO (named pipe)")
        if st.S_ISREG(mode) and not info.st_size:
            kind = "regular empty file"
        return apply_spec(spec, kind)
    if c in "gu":
        return apply_spec(spec, info.st_gid if c == "g" else info.st_uid, "d")
    if c in "GU":
        return apply_spec(spec, id_name(info.st_gid if c == "G" else info.st_uid))
    if c == "h":
        return apply_spec(spec, info.st_nlink, "d")
    if c == "i":
        return apply_spec(spec, info.st_ino, "d")
    if c == "m":
        return apply_spec(spec, "/")
    if c == "n":
        return apply_spec(spec, name)
    if c == "N":
        if st.S_ISLNK(mode):
            return f"{name} -> '{link_text(ctx, host)}'"
        return name
    if c == "o":
        return apply_spec(spec, info.st_blksize, "d")
    if c == "s":
        return apply_spec(spec, info.st_size, "d")
    if c in "tT":
        dev = info.st_rdev
        return apply_spec(spec, os.major(dev) if c == "t" else os.minor(dev), "x")
    if c in "xyz":
        ns = {"x": info.st_atime_ns, "y": info.st_mtime_ns, "z": info.st_ctime_ns}[c]
        return apply_spec(spec, iso_time(*ns_parts(ns)))
    if c in "XYZ":
        ns = {"X": info.st_atime_ns, "Y": info.st_mtime_ns, "Z": info.st_ctime_ns}[c]
        return apply_spec(spec, ns // 1_000_000_000, "d")
    return "?"


def phone_statfs(ctx: Context) -> tuple[int, int, int]:
    """(total, free, available) 4 KiB blocks of the phone's data partition (its capacity)."""
    storage = ctx.storage
    total = storage.capacity // FS_BLOCK
    free = storage.free // FS_BLOCK
    return total, free, free


def statfs_field(ctx: Context, name: str, c: str, spec: str) -> str:
    total, free, avail = phone_statfs(ctx)
    inodes = total // 4  # ext4's default: one inode per 16 KiB
    used_inodes = ctx.storage.used // INODE_BYTES  # a fair estimate: files are not counted one by one
    values = {"a": avail, "b": total, "c": inodes, "d": max(0, inodes - used_inodes), "f": free,
              "l": 255, "s": FS_BLOCK, "S": FS_BLOCK}
    if c in values:
        return apply_spec(spec, values[c], "d")
    if c == "t":
        return apply_spec(spec, EXT4_MAGIC, "x")
    if c == "T":
        return apply_spec(spec, "ext2/ext3")
    if c == "i":
        return apply_spec(spec, FS_ID)
    if c == "n":
        return apply_spec(spec, name)
    return apply_spec(spec, "?")
