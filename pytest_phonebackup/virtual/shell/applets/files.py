"""Toybox's file applets on the phone's storage: ls, stat, find, xargs, cp, mv, rm, mkdir, rmdir,
touch, ln, readlink, realpath, basename, dirname, du, df, dd, tar, and `sh` itself. Output
formats and messages follow toybox 0.8.9 (what Android 14 ships). Not for text filters
(`text.py`) or Android tools; every path goes through `Storage` (never the host's own lookup).
"""

from __future__ import annotations

import calendar
import errno
import io
import os
import posixpath
import re
import stat as st
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...storage import CountedWriter
from ..api import Context, applet
from ..interp import FileOutput, Interp, open_special_input, open_special_output
from ..patterns import compile_pattern
from ..streams import EmptyInput
from .options import UsageError, parse

CHUNK = 1 << 16
XARGS_MAX_BYTES = 128 * 1024  # argument bytes per command (Android's ARG_MAX is larger; batches just split)

# Android's fixed user and group names (bionic's android_ids); app uids are u0_aN.
ANDROID_IDS = {0: "root", 1000: "system", 1001: "radio", 1013: "media", 1015: "sdcard_rw",
               1023: "media_rw", 1028: "sdcard_r", 1077: "external_storage", 2000: "shell",
               3003: "inet", 9997: "everybody"}


def id_name(uid: int) -> str:
    if uid in ANDROID_IDS:
        return ANDROID_IDS[uid]
    if 10000 <= uid < 20000:
        return f"u0_a{uid - 10000}"
    return str(uid)


def mode_string(mode: int) -> str:
    """`-rw-r--r--` (toybox's mode_to_string, with s/S/t/T)."""
    chars = []
    for i in range(8, -1, -1):
        bit = mode & (1 << i)
        kind = i % 3
        special = mode & (1 << (9 + i // 3))
        if kind == 0 and special:
            c = "tss"[i // 3]
            chars.append(c if bit else c.upper())
        else:
            chars.append("xwr"[kind] if bit else "-")
    if st.S_ISDIR(mode):
        first = "d"
    elif st.S_ISBLK(mode):
        first = "b"
    elif st.S_ISCHR(mode):
        first = "c"
    elif st.S_ISLNK(mode):
        first = "l"
    elif st.S_ISFIFO(mode):
        first = "p"
    elif st.S_ISSOCK(mode):
        first = "s"
    else:
        first = "-"
    return first + "".join(chars)


def iso_time(seconds: int, nanos: int) -> str:
    """`2023-11-14 22:13:20.000000000 +0000` (the phone's clock is UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d} +0000"


def ns_parts(ns: int) -> tuple[int, int]:
    return ns // 1_000_000_000, ns % 1_000_000_000


def to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def strerror(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else str(exc)


def usage_guard(func):
    """Report toybox-style usage errors (`ls: Unknown option 'z' (see "ls --help")`)."""

    def run(ctx: Context, argv: list[str]) -> int:
        try:
            return func(ctx, argv)
        except UsageError as exc:
            return ctx.fail(str(exc))

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


def need(ctx: Context, operands: list[str], count: int) -> None:
    if len(operands) < count:
        plural = "s" if count > 1 else ""
        raise UsageError(f'Needs {count} argument{plural} (see "{ctx.argv0} --help")')


class Node:
    """A file seen by a walker: its shown path, host path and lstat/stat result."""

    __slots__ = ("path", "host", "info", "name", "depth", "parent")

    def __init__(self, path: str, host: str, info: os.stat_result, name: str, depth: int,
                 parent: Node | None):
        self.path, self.host, self.info, self.name, self.depth, self.parent = path, host, info, name, depth, parent


def lookup(ctx: Context, path: str, follow: bool) -> tuple[str, os.stat_result]:
    """(host path, stat) of a device path; raises OSError naming the device path."""
    res = ctx.storage.resolve(path, ctx.cwd, follow)
    try:
        return res.host, os.lstat(res.host)
    except OSError as exc:
        raise OSError(exc.errno, os.strerror(exc.errno or errno.EIO), path) from None


def entries(host: str, follow: bool = False, ctx: Context | None = None, device: str = ""
            ) -> list[tuple[str, str, os.stat_result]]:
    """(name, host path, stat) of a folder's entries in directory order (as readdir gives them).

    With `follow`, symlinks are resolved through the phone's storage (never by the host)."""
    out = []
    with os.scandir(host) as it:
        for entry in it:
            try:
                info = entry.stat(follow_symlinks=False)
                path = entry.path
                if follow and st.S_ISLNK(info.st_mode) and ctx is not None:
                    try:
                        path, info = lookup(ctx, posixpath.join(device, entry.name), True)
                    except OSError:
                        path = entry.path
            except OSError:
                continue
            out.append((entry.name, path, info))
    return out


def device_of(ctx: Context, host: str) -> str:
    return ctx.storage.to_device(host)


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
    opts = parse(argv, "1aAdFilnpRrsStuchCxTKQ", longs={"full-time": "T", "color": "K",
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
        top.append(LsEntry(path, host, info, read_link(host, info)))
    lister = Lister(ctx, opts)
    lister.list_top(top)
    return status | lister.status


def read_link(host: str, info: os.stat_result) -> str | None:
    if st.S_ISLNK(info.st_mode):
        try:
            return os.readlink(host)
        except OSError:
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
            self.list_dir(top[0], top[0].name, title=False)
            return
        items = self.sort(top)
        self.show(items, skip_dirs="d" not in self.opts, total=False)
        if "d" in self.opts:
            return
        for item in items:
            if st.S_ISDIR(item.info.st_mode):
                self.list_dir(item, item.name, title=True)

    def list_dir(self, folder: LsEntry, path: str, title: bool) -> None:
        try:
            found = entries(folder.host)
        except OSError as exc:
            self.ctx.err(f"{path}: {strerror(exc)}")
            self.status = 1
            return
        items = []
        if "a" in self.opts:
            items.append(LsEntry(".", folder.host, folder.info))
            parent_host = self.ctx.storage.host(posixpath.dirname(device_of(self.ctx, folder.host)) or "/")
            try:
                items.append(LsEntry("..", parent_host, os.lstat(parent_host)))
            except OSError:
                pass
        for name, host, info in found:
            if name.startswith(".") and not ("a" in self.opts or "A" in self.opts):
                continue
            items.append(LsEntry(name, host, info, read_link(host, info)))
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
                widths[5] = max(widths[5], len(self.number(info.st_size)))
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
                             f"{user:<{widths[3]}} {group:<{widths[4]}}{self.number(info.st_size):>{widths[5] + 1}} "
                             f"{when} ")
            parts.append(item.name)
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
                               stat_field(name, host, info, c, spec))
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


def stat_field(name: str, host: str, info: os.stat_result, c: str, spec: str) -> str:
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
            return f"{name} -> '{os.readlink(host)}'"
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


# -- find ------------------------------------------------------------------------------------
class FindError(Exception):
    pass


@dataclass
class Test:
    """One primary of a find expression; `arg` holds what its kind needs (pattern, numbers...)."""

    kind: str
    arg: Any = None
    extra: Any = None


class FindExpr:
    """find's expression: parsed into a tree of ('and'|'or'|'not', ...) and Test leaves."""

    def __init__(self, args: list[str], ctx: Context):
        self.args = args
        self.i = 0
        self.ctx = ctx
        self.has_action = False
        self.depth_first = False
        self.execs: list[Test] = []
        self.now = time.time()
        self.tree = self.parse_or() if args else None
        if self.i < len(args):
            raise FindError(f"bad arg '{args[self.i]}'")

    def peek(self) -> str | None:
        return self.args[self.i] if self.i < len(self.args) else None

    def parse_or(self):
        left = self.parse_and()
        while self.peek() in ("-o", "-or"):
            self.i += 1
            left = ("or", left, self.parse_and())
        return left

    def parse_and(self):
        left = self.parse_not()
        while True:
            tok = self.peek()
            if tok is None or tok in ("-o", "-or", ")"):
                return left
            if tok in ("-a", "-and"):
                self.i += 1
            left = ("and", left, self.parse_not())

    def parse_not(self):
        tok = self.peek()
        if tok in ("!", "-not"):
            self.i += 1
            return ("not", self.parse_not())
        if tok == "(":
            self.i += 1
            inner = self.parse_or()
            if self.peek() != ")":
                raise FindError(f"bad arg '{self.peek()}'" if self.peek() else "bad arg '('")
            self.i += 1
            return inner
        return self.parse_test()

    def take_arg(self, name: str) -> str:
        if self.i >= len(self.args):
            raise FindError(f"'{name}' needs 1 arg")
        value = self.args[self.i]
        self.i += 1
        return value

    def parse_test(self):
        tok = self.args[self.i]
        self.i += 1
        if not tok.startswith("-"):
            raise FindError(f"bad arg '{tok}'")
        name = tok[1:]
        if name in ("print", "print0"):
            self.has_action = True
            return Test(name)
        if name in ("prune", "true", "false", "empty", "depth", "d", "xdev", "quit"):
            if name in ("depth", "d"):
                self.depth_first = True
            return Test(name)
        if name == "delete":
            self.depth_first = True
            return Test("delete")
        if name in ("name", "iname", "path", "ipath", "wholename", "iwholename", "lname", "ilname"):
            pattern = self.take_arg(tok)
            fold = name.startswith("i")
            return Test("path" if "path" in name or "wholename" in name else
                        ("lname" if "lname" in name else "name"), compile_pattern(pattern, fold))
        if name == "type":
            arg = self.take_arg(tok)
            for c in arg:
                if c != "," and c not in "bcdlpfs":
                    raise FindError(f"bad -type '{c}'")
            return Test("type", arg)
        if name in ("size", "links", "inum"):
            return Test(name, numsign(self.take_arg(tok), 512 if name == "size" else 0))
        if name in ("mtime", "atime", "ctime", "mmin", "amin", "cmin"):
            arg = self.take_arg(tok)
            units = 60 if name.endswith("min") else 86400
            if arg and arg[-1].lower() in "dhms" and not arg[-1].isdigit():
                units = {"d": 86400, "h": 3600, "m": 60, "s": 1}[arg[-1].lower()]
                arg = arg[:-1]
            return Test("time", (name[0], numsign(arg, units)))
        if name in ("maxdepth", "mindepth"):
            arg = self.take_arg(tok)
            try:
                return Test(name, int(arg))
            except ValueError:
                raise FindError(f"not integer: {arg}") from None
        if name == "newer":
            arg = self.take_arg(tok)
            try:
                _host, info = lookup(self.ctx, arg, True)
            except OSError as exc:
                raise FindError(f"Can't stat {arg}: {strerror(exc)}") from None
            return Test("newer", info.st_mtime_ns)
        if name in ("user", "group"):
            arg = self.take_arg(tok)
            names = {v: k for k, v in ANDROID_IDS.items()}
            ident = names.get(arg, int(arg) if arg.isdigit() else None)
            if ident is None:
                raise FindError(f"bad {name} '{arg}'")
            return Test(name, ident)
        if name == "perm":
            arg = self.take_arg(tok)
            return Test("perm", arg)
        if name == "printf":
            self.has_action = True
            return Test("printf", self.take_arg(tok))
        if name in ("exec", "execdir", "ok", "okdir"):
            self.has_action = True
            start = self.i
            curly = -1
            plus = False
            while self.i < len(self.args):
                arg = self.args[self.i]
                if arg == ";":
                    break
                if arg == "{}":
                    curly = self.i - start
                    if self.i + 1 < len(self.args) and self.args[self.i + 1] == "+":
                        plus = True
                        self.i += 1
                        break
                self.i += 1
            if self.i == start or (self.i == start and self.i < len(self.args)):
                raise FindError(f"'{name}' needs 1 arg")
            if self.i >= len(self.args):
                raise FindError("-exec without " + ("\\;" if curly != -1 else "{}"))
            words = self.args[start:self.i - (1 if plus else 0)]
            self.i += 1
            test = Test("exec", (words, curly, plus, name.endswith("dir")), [])
            self.execs.append(test)
            return test
        # Unknown: toybox consumes what would be the argument and names it.
        value = self.args[self.i] if self.i < len(self.args) else "(null)"
        raise FindError(f"bad arg '{value}'")


def numsign(text: str, units: int) -> tuple[str, int]:
    sign = ""
    body = text
    if body[:1] in "+-":
        sign, body = body[0], body[1:]
    elif not body[:1].isdigit():
        raise FindError(f"{text} not [+-]N")
    value = atolx(body)
    if units and body[-1:].isdigit():
        value *= units
    return sign, value


def atolx(text: str) -> int:
    """toybox's number parser: 12, 0x1f, 10k, 2M, 3b (512s), 4c (bytes)."""
    digits = ""
    i = 0
    if text.lower().startswith("0x"):
        i = 2
        while i < len(text) and text[i] in "0123456789abcdefABCDEF":
            i += 1
        value = int(text[:i], 16)
    else:
        while i < len(text) and text[i].isdigit():
            i += 1
        digits = text[:i]
        if not digits:
            raise FindError(f"not integer: {text}")
        value = int(digits)
    rest = text[i:]
    if rest:
        suffix = rest[0].lower()
        table = "cwbkmgtpe"
        if suffix not in table:
            raise FindError(f"not integer: {text}")
        shift = table.index(suffix) - 2
        rest = rest[1:]
        if shift == -1:
            value *= 2
        elif shift == 0:
            value *= 512
        elif shift > 0:
            if rest[:1].lower() == "d":
                rest = rest[1:]
                value *= 1000 ** shift
            else:
                value *= 1 << (shift * 10)
        if rest.strip():
            raise FindError(f"not integer: {text}")
    return value


def compare(value: int, spec: tuple[str, int]) -> bool:
    sign, target = spec
    if sign == "+":
        return value > target
    if sign == "-":
        return value < target
    return value == target


class Finder:
    def __init__(self, ctx: Context, expr: FindExpr, follow: str):
        self.ctx = ctx
        self.expr = expr
        self.follow = follow  # '', 'H', 'L'
        self.status = 0
        self.start_name = ""

    def emit(self, text: str | bytes) -> None:
        self.ctx.out(text)

    def run(self, start: str) -> None:
        try:
            host, info = lookup(self.ctx, start, bool(self.follow))
        except OSError as exc:
            if self.follow and exc.errno == errno.ENOENT:
                try:
                    host, info = lookup(self.ctx, start, False)
                except OSError as exc2:
                    self.ctx.err(f"'{start}': {strerror(exc2)}")
                    self.status = 1
                    return
            else:
                self.ctx.err(f"'{start}': {strerror(exc)}")
                self.status = 1
                return
        self.start_name = start
        self.visit(Node(start, host, info, start, 0, None))

    def visit(self, node: Node) -> None:
        if self.ctx.cancelled.is_set():
            return
        is_dir = st.S_ISDIR(node.info.st_mode)
        if is_dir:
            ancestor = node.parent
            while ancestor is not None:
                if (ancestor.info.st_dev, ancestor.info.st_ino) == (node.info.st_dev, node.info.st_ino):
                    self.ctx.err(f"'{node.path}': loop detected")
                    return
                ancestor = ancestor.parent
        recurse = is_dir
        if not (is_dir and self.expr.depth_first):
            recurse = self.evaluate(node) and is_dir
        if recurse:
            try:
                children = entries(node.host, self.follow == "L", self.ctx, device_of(self.ctx, node.host))
            except OSError as exc:
                self.ctx.err(f"'{node.path}': {strerror(exc)}")
                self.status = 1
                children = []
            base = node.path if node.path.endswith("/") else node.path + "/"
            for name, host, info in children:
                self.visit(Node(base + name, host, info, name, node.depth + 1, node))
        if is_dir and self.expr.depth_first:
            self.evaluate(node)

    def evaluate(self, node: Node) -> bool:
        """Run the expression on one file; returns whether to descend into it."""
        self.recurse = True
        self.node = node
        if self.expr.tree is None:
            self.emit(to_bytes(node.path) + b"\n")
            return True
        result = self.check(self.expr.tree, negated=False)
        if result and not self.expr.has_action:
            self.emit(to_bytes(node.path) + b"\n")
        return self.recurse

    def check(self, tree, negated: bool) -> bool:
        if isinstance(tree, tuple):
            op = tree[0]
            if op == "and":
                return self.check(tree[1], negated) and self.check(tree[2], negated)
            if op == "or":
                return self.check(tree[1], negated) or self.check(tree[2], negated)
            return not self.check(tree[1], not negated)
        return self.test(tree, negated)

    def test(self, t: Test, negated: bool) -> bool:
        node = self.node
        info = node.info
        kind = t.kind
        if kind == "print":
            self.emit(to_bytes(node.path) + b"\n")
            return True
        if kind == "print0":
            self.emit(to_bytes(node.path) + b"\0")
            return True
        if kind in ("true", "depth", "d", "xdev"):
            return True
        if kind == "false":
            return False
        if kind == "prune":
            if st.S_ISDIR(info.st_mode) and not self.expr.depth_first:
                self.recurse = False
            return True
        if kind == "name":
            return t.arg.fullmatch(node.name) is not None
        if kind == "path":
            return t.arg.fullmatch(node.path) is not None
        if kind == "lname":
            return st.S_ISLNK(info.st_mode) and t.arg.fullmatch(os.readlink(node.host)) is not None
        if kind == "type":
            kinds = {"b": st.S_IFBLK, "c": st.S_IFCHR, "d": st.S_IFDIR, "l": st.S_IFLNK, "p": st.S_IFIFO,
                     "f": st.S_IFREG, "s": st.S_IFSOCK}
            return any(c != "," and st.S_IFMT(info.st_mode) == kinds[c] for c in t.arg)
        if kind == "size":
            return compare(info.st_size, t.arg)
        if kind == "links":
            return compare(info.st_nlink, t.arg)
        if kind == "inum":
            return compare(info.st_ino, t.arg)
        if kind == "time":
            which, spec = t.arg
            when = {"a": info.st_atime, "c": info.st_ctime, "m": info.st_mtime}[which]
            return compare(int(self.expr.now) - int(when), spec)
        if kind == "maxdepth":
            if node.depth == t.arg and not negated:
                self.recurse = False
            return node.depth <= t.arg
        if kind == "mindepth":
            if node.depth == t.arg and negated:
                self.recurse = False
            return node.depth >= t.arg
        if kind == "newer":
            return info.st_mtime_ns > t.arg
        if kind == "user":
            return info.st_uid == t.arg
        if kind == "group":
            return info.st_gid == t.arg
        if kind == "perm":
            return perm_matches(t.arg, info.st_mode & 0o7777)
        if kind == "empty":
            if st.S_ISDIR(info.st_mode):
                with os.scandir(node.host) as it:
                    return next(it, None) is None
            return st.S_ISREG(info.st_mode) and info.st_size == 0
        if kind == "delete":
            try:
                if st.S_ISDIR(info.st_mode):
                    self.ctx.storage.rmdir(device_of(self.ctx, node.host))
                else:
                    self.ctx.storage.unlink(device_of(self.ctx, node.host))
                return True
            except OSError:
                return False
        if kind == "printf":
            self.emit(find_printf(t.arg, node, self.start_name))
            return True
        if kind == "exec":
            words, curly, plus, in_dir = t.arg
            name = node.name if in_dir else node.path
            if plus:
                t.extra.append(name)
                if sum(len(n) + 9 for n in t.extra) > XARGS_MAX_BYTES:
                    self.flush(t)
                return True
            argv = [name if w == "{}" else w.replace("{}", name) for w in words]
            cwd = posixpath.dirname(device_of(self.ctx, node.host)) if in_dir else None
            return self.ctx.shell.run_argv(argv, EmptyInput(), self.ctx.stdout, self.ctx.stderr, cwd) == 0
        if kind == "quit":
            raise StopIteration
        return True

    def flush(self, t: Test) -> None:
        words, curly, _plus, _in_dir = t.arg
        if not t.extra:
            return
        argv = words[:curly] + list(t.extra) + words[curly + 1:]
        t.extra.clear()
        if self.ctx.shell.run_argv(argv, EmptyInput(), self.ctx.stdout, self.ctx.stderr):
            self.status = 1

    def finish(self) -> None:
        for t in self.expr.execs:
            if t.arg[2]:
                self.flush(t)


def perm_matches(arg: str, mode: int) -> bool:
    prefix = arg[:1] if arg[:1] in "-/" else ""
    try:
        want = int(arg[len(prefix):], 8)
    except ValueError:
        raise FindError(f"bad mode '{arg}'") from None
    if prefix == "-":
        return mode & want == want
    if prefix == "/":
        return not want or bool(mode & want)
    return mode == want


def find_printf(fmt: str, node: Node, start: str) -> bytes:
    out: list[str] = []
    info = node.info
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "\\" and i + 1 < len(fmt):
            nxt = fmt[i + 1]
            if nxt == "c":
                break
            mapping = {"n": "\n", "t": "\t", "\\": "\\", "0": "\0", "a": "\a", "b": "\b", "f": "\f",
                       "r": "\r", "v": "\v", "e": "\x1b"}
            out.append(mapping.get(nxt, "\\" + nxt))
            i += 2
            continue
        if c != "%":
            out.append(c)
            i += 1
            continue
        if fmt[i + 1:i + 2] == "%":
            out.append("%")
            i += 2
            continue
        spec, j = printf_spec(fmt, i)
        if j >= len(fmt):
            raise FindError(f"bad {fmt[i:]}")
        conv = fmt[j]
        if conv in "is":
            out.append(apply_spec(spec, info.st_ino if conv == "i" else info.st_size, "d"))
        elif conv in "GU":
            out.append(apply_spec(spec, info.st_gid if conv == "G" else info.st_uid, "d"))
        elif conv == "m":
            out.append(apply_spec(spec, info.st_mode & 0o7777, "o"))
        elif conv == "f":
            out.append(apply_spec(spec, node.name if node.parent else node.path))
        elif conv in "gu":
            out.append(apply_spec(spec, id_name(info.st_gid if conv == "g" else info.st_uid)))
        elif conv == "l":
            out.append(apply_spec(spec, os.readlink(node.host) if st.S_ISLNK(info.st_mode) else ""))
        elif conv == "M":
            out.append(apply_spec(spec, mode_string(info.st_mode)))
        elif conv == "p":
            out.append(apply_spec(spec, node.path))
        elif conv == "P":
            out.append(apply_spec(spec, node.path[len(start):].lstrip("/") if node.parent else ""))
        elif conv == "T":
            if fmt[j + 1:j + 2] != "@":
                raise FindError(f"bad -printf %T: %T{fmt[j + 1:j + 2]}")
            j += 1
            secs, nanos = ns_parts(info.st_mtime_ns)
            out.append(apply_spec(spec, f"{secs}.{nanos}"))
        elif conv == "b":
            out.append(apply_spec(spec, info.st_blocks, "d"))
        elif conv == "Z":
            out.append(apply_spec(spec, "?"))
        else:
            raise FindPrintfError(to_bytes("".join(out)), f"bad -printf %{conv}")
        i = j + 1
    return to_bytes("".join(out))


class FindPrintfError(FindError):
    """A bad -printf conversion: toybox prints what it had, then the error."""

    def __init__(self, done: bytes, message: str):
        super().__init__(message)
        self.done = done


@applet("find")
def find(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    follow = ""
    while args and args[0] in ("-H", "-L"):
        follow = args.pop(0)[1]
    paths = []
    while args and not (args[0] and args[0][0] in "-!("):
        paths.append(args.pop(0))
    try:
        expr = FindExpr(args, ctx)
    except FindError as exc:
        return ctx.fail(str(exc))
    finder = Finder(ctx, expr, follow)
    try:
        for path in paths or ["."]:
            finder.run(path)
        finder.finish()
    except FindPrintfError as exc:
        ctx.out(exc.done)
        return ctx.fail(str(exc))
    except FindError as exc:
        return ctx.fail(str(exc))
    except StopIteration:
        finder.finish()
    return finder.status


# -- xargs -----------------------------------------------------------------------------------
def xargs_items(ctx: Context, nul: bool, lines: bool) -> Iterator[str]:
    """Arguments from stdin as they arrive (whitespace-separated, NUL-separated, or lines)."""
    pending = b""
    sep = b"\0" if nul else b"\n"
    while True:
        chunk = ctx.stdin.read(CHUNK)
        if chunk:
            pending += chunk
        if nul or lines:
            while True:
                cut = pending.find(sep)
                if cut < 0:
                    break
                item, pending = pending[:cut], pending[cut + 1:]
                if lines:
                    item = item.lstrip(b" \t")
                if item or nul:
                    yield item.decode("utf-8", "surrogateescape")
        else:
            parts = pending.split()
            if chunk and pending and not pending[-1:].isspace():
                pending = parts.pop() if parts else b""
            else:
                pending = b""
            for part in parts:
                yield part.decode("utf-8", "surrogateescape")
        if not chunk:
            if pending and (nul or lines):
                tail = pending.lstrip(b" \t") if lines else pending
                if tail:
                    yield tail.decode("utf-8", "surrogateescape")
            elif pending:
                yield pending.decode("utf-8", "surrogateescape")
            return


@applet("xargs")
@usage_guard
def xargs(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "0rtp", "nIsEL", stop_at_operand=True)
    command = opts.operands or ["echo"]
    per_command = int(opts.get("n", "0") or 0)
    replace = opts.get("I")
    status = 0
    ran = False

    def run(args: list[str]) -> bool:
        nonlocal status, ran
        ran = True
        if replace is not None:
            full = [word.replace(replace, args[0]) for word in command]
        else:
            full = command + args
        if "t" in opts:
            ctx.stderr.write(to_bytes("".join(word + " " for word in full) + "\n"))  # toybox's spacing
        if ctx.shell.lookup_applet(full[0]) is None and full[0] not in ctx.shell.functions:
            ctx.err(f"exec {full[0]}: No such file or directory")
            status = 127
            return False
        rc = ctx.shell.run_argv(full, EmptyInput(), ctx.stdout, ctx.stderr)
        if rc == 255:
            status = 124
            return False
        if rc:
            status = 123
        return True

    batch: list[str] = []
    size = 0
    eof = opts.get("E")
    for item in xargs_items(ctx, "0" in opts, replace is not None):
        if ctx.cancelled.is_set() or (eof is not None and item == eof):
            break
        if replace is not None:
            if not run([item]):
                return status
            continue
        batch.append(item)
        size += len(item) + 1
        if (per_command and len(batch) >= per_command) or size >= XARGS_MAX_BYTES:
            if not run(batch):
                return status
            batch, size = [], 0
    if batch or (not ran and replace is None and "r" not in opts):
        run(batch)
    return status


# -- cp / mv ---------------------------------------------------------------------------------
class CopyError(Exception):
    pass


@applet("cp")
@usage_guard
def cp(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "RrpadfHLPnvFiulsT", "t", {"preserve": "p", "parents": "D"})
    if "a" in opts:
        for flag in "dpr":
            opts.values.setdefault(flag, [True])
    recursive = "r" in opts or "R" in opts
    need(ctx, opts.operands, 1)
    return copy_or_move(ctx, opts, recursive, move=False)


@applet("mv")
@usage_guard
def mv(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "vnFfiT", "t")
    need(ctx, opts.operands, 1)
    return copy_or_move(ctx, opts, True, move=True)


def copy_or_move(ctx: Context, opts, recursive: bool, move: bool) -> int:
    operands = list(opts.operands)
    target = opts.get("t")
    if target is None:
        if len(operands) < 2:
            raise UsageError("Needs 2 arguments")
        target = operands.pop()
    storage = ctx.storage
    dest_is_dir = False
    try:
        dest_is_dir = st.S_ISDIR(storage.stat(target, ctx.cwd).st_mode)
    except OSError:
        pass
    if len(operands) > 1 and not dest_is_dir:
        return ctx.fail(f"'{target}' not directory")
    status = 0
    for src in operands:
        clean = src.rstrip("/") or src
        dest = f"{target}/{posixpath.basename(clean)}" if dest_is_dir else target
        try:
            if move:
                status |= move_one(ctx, opts, clean, dest)
            else:
                status |= copy_one(ctx, opts, clean, dest, recursive)
        except CopyError as exc:
            ctx.err(str(exc))
            status = 1
    return status


def move_one(ctx: Context, opts, src: str, dest: str) -> int:
    storage = ctx.storage
    if "n" in opts and storage.exists(dest, ctx.cwd):
        return 0
    try:
        storage.lstat(src, ctx.cwd)
    except OSError as exc:
        return ctx.fail(f"bad '{src}': {strerror(exc)}")
    a = storage.resolve(src, ctx.cwd, follow=False).device
    b = storage.resolve(dest, ctx.cwd, follow=False).device
    if a == b:
        return 0  # rename(2) onto itself succeeds and changes nothing
    if b.startswith(a.rstrip("/") + "/"):
        return ctx.fail(f"bad '{src}': {os.strerror(errno.EINVAL)}")
    try:
        storage.rename(src, dest, ctx.cwd)
    except OSError as exc:
        return ctx.fail(f"bad '{src}': {strerror(exc)}")
    return 0


def copy_one(ctx: Context, opts, src: str, dest: str, recursive: bool) -> int:
    storage = ctx.storage
    # Like toybox, the source itself is not followed unless -H or -L (a link is read through later).
    try:
        src_host, info = lookup(ctx, src, "H" in opts or "L" in opts)
    except OSError as exc:
        return ctx.fail(f"bad '{src}': {strerror(exc)}")
    src_dev = device_of(ctx, src_host)
    dest_dev = storage.resolve(dest, ctx.cwd, follow=False).device
    if st.S_ISDIR(info.st_mode) and (dest_dev == src_dev or dest_dev.startswith(src_dev.rstrip("/") + "/")):
        return ctx.fail(f"'{dest}' is under '{src}'" if dest_dev != src_dev else f"'{dest}' is '{src}'")
    return copy_node(ctx, opts, src_host, info, dest_dev, dest, recursive, src, top=True)


def copy_node(ctx: Context, opts, src_host: str, info: os.stat_result, dest_dev: str, shown: str,
              recursive: bool, src_shown: str, top: bool = False) -> int:
    storage = ctx.storage
    mode = info.st_mode
    if st.S_ISLNK(mode) and top and not (recursive or "a" in opts or "P" in opts or "d" in opts):
        # A link named on the command line without -r/-a/-P/-d: its target's contents are copied.
        try:
            src_host, info = lookup(ctx, device_of(ctx, src_host), True)
        except OSError as exc:
            return ctx.fail(f"{shown}: {strerror(exc)}")
        mode = info.st_mode
        if st.S_ISDIR(mode):
            # toybox opens the folder as if it were a file: an empty file with the folder's mode appears.
            try:
                storage.open_write(dest_dev, mode=st.S_IMODE(mode)).close()
            except OSError as exc:
                return ctx.fail(f"{shown}: {strerror(exc)}")
            return 0
    try:
        existing = storage.stat(dest_dev)
    except OSError:
        existing = None
    try:
        if existing is not None and os.path.samestat(existing, info):
            return ctx.fail(f"'{shown}' is '{src_shown}'")
    except OSError:
        pass
    if existing is not None and not st.S_ISDIR(existing.st_mode):
        if st.S_ISDIR(mode):
            return ctx.fail(f"dir at '{src_shown}'")
        if "n" in opts:
            return 0
    if "v" in opts:
        ctx.out(f"{ctx.argv0} '{src_shown}'\n")
    if st.S_ISDIR(mode):
        if not recursive:
            return ctx.fail(f"Skipped dir '{shown}': {os.strerror(errno.ENOENT)}")
        dest_host = storage.resolve(dest_dev, follow=False).host
        if os.path.islink(dest_host):
            return ctx.fail(f"{shown}: {os.strerror(errno.ELOOP)}")  # toybox opens it O_NOFOLLOW
        if existing is None:
            try:
                storage.mkdir(dest_dev, "/", st.S_IMODE(mode) | 0o200)
            except OSError as exc:
                return ctx.fail(f"{shown}: {strerror(exc)}")
        status = 0
        follow = "L" in opts
        for name, host, child in entries(src_host, follow, ctx, device_of(ctx, src_host)):
            status |= copy_node(ctx, opts, host, child, dest_dev.rstrip("/") + "/" + name,
                                shown.rstrip("/") + "/" + name, recursive, f"{src_shown.rstrip('/')}/{name}")
        preserve(ctx, opts, dest_dev, info)
        return status
    if st.S_ISLNK(mode):
        try:
            if os.path.lexists(storage.host(dest_dev, follow=False)):
                storage.unlink(dest_dev)
            storage.symlink(os.readlink(src_host), dest_dev)
        except OSError as exc:
            return ctx.fail(f"{shown}: {strerror(exc)}")
        preserve(ctx, opts, dest_dev, info, follow=False)
        return 0
    try:
        with open_host_read(src_host) as source, storage.open_write(dest_dev, "/", mode=st.S_IMODE(mode)) as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
    except OSError as exc:
        return ctx.fail(f"{shown}: {strerror(exc)}")
    preserve(ctx, opts, dest_dev, info)
    return 0


def open_host_read(host: str):
    """Open a file the walker already resolved inside the phone (never follows a host symlink)."""
    fd = os.open(host, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    return os.fdopen(fd, "rb")


def preserve(ctx: Context, opts, dest_dev: str, info: os.stat_result, follow: bool = True) -> None:
    if "p" not in opts:
        return
    try:
        # A copied file may have been written through a link at the destination: its times go
        # to that file; a copied link keeps its own.
        host = ctx.storage.host(dest_dev, follow=follow)
        os.utime(host, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)
        if follow:
            ctx.storage.chmod(dest_dev, st.S_IMODE(info.st_mode))
    except OSError:
        pass


# -- rm / mkdir / rmdir ------------------------------------------------------------------------
@applet("rm")
@usage_guard
def rm(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "fiRrv")
    force = "f" in opts
    if not opts.operands and not force:
        need(ctx, opts.operands, 1)
    recursive = "r" in opts or "R" in opts
    status = 0
    storage = ctx.storage
    for path in opts.operands:
        try:
            info = storage.lstat(path, ctx.cwd)
        except OSError as exc:
            if not (force and exc.errno == errno.ENOENT):
                status = ctx.fail(f"{path}: {strerror(exc)}")
            continue
        try:
            if st.S_ISDIR(info.st_mode):
                if not recursive:
                    status = ctx.fail(f"{path}: Is a directory")
                    continue
                if storage.resolve(path, ctx.cwd, follow=False).device == "/":
                    status = ctx.fail(f"{path}: {os.strerror(errno.EBUSY)}")
                    continue
                storage.remove_tree(path, ctx.cwd)
            else:
                storage.unlink(path, ctx.cwd)
            if "v" in opts:
                ctx.out(f"rm '{path}'\n")
        except OSError as exc:
            status = ctx.fail(f"{path}: {strerror(exc)}")
    return status


@applet("mkdir")
@usage_guard
def mkdir(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "pv", "m")
    need(ctx, opts.operands, 1)
    mode = int(opts.get("m", "777"), 8) & 0o7777 & ~0o022
    status = 0
    for path in opts.operands:
        try:
            if "p" in opts:
                make_parents(ctx, path, mode)
            else:
                ctx.storage.mkdir(path, ctx.cwd, mode=mode)
        except OSError as exc:
            status = ctx.fail(f"'{path}': {strerror(exc)}")
    return status


def make_parents(ctx: Context, path: str, mode: int) -> None:
    """mkdir -p, one component at a time: what already exists (a folder, or any link) is fine."""
    storage = ctx.storage
    parts = [p for p in path.split("/") if p]
    prefix = "/" if path.startswith("/") else ""
    for index, part in enumerate(parts):
        prefix = prefix + part if prefix in ("", "/") else prefix + "/" + part
        try:
            storage.mkdir(prefix, ctx.cwd, mode=mode)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise OSError(exc.errno, os.strerror(exc.errno or errno.EIO), path) from None
            if index < len(parts) - 1:
                continue
            try:
                is_dir = st.S_ISDIR(storage.stat(prefix, ctx.cwd).st_mode)
            except OSError:
                is_dir = True  # a dangling link: mkdir says EEXIST and -p accepts it
            if not is_dir:
                raise OSError(errno.EEXIST, os.strerror(errno.EEXIST), path) from None


@applet("rmdir")
@usage_guard
def rmdir(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "p", longs={"ignore-fail-on-non-empty": "i"})
    need(ctx, opts.operands, 1)
    status = 0
    for path in opts.operands:
        targets = [path]
        if "p" in opts:
            parent = posixpath.dirname(path.rstrip("/"))
            while parent and parent not in ("/", "."):
                targets.append(parent)
                parent = posixpath.dirname(parent)
        for target in targets:
            try:
                ctx.storage.rmdir(target, ctx.cwd)
            except OSError as exc:
                status = ctx.fail(f"{target}: {strerror(exc)}")
                break
    return status


# -- touch -----------------------------------------------------------------------------------
def parse_touch_date(text: str) -> float | None:
    """-d: `@EPOCH`, `YYYY-MM-DD[ T]HH:MM[:SS[.frac]]`, `YYYY-MM-DD` (UTC, the phone's zone)."""
    text = text.strip()
    if text.startswith("@"):
        try:
            return float(text[1:])
        except ValueError:
            return None
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?)?Z?", text)
    if not m:
        return None
    year, month, day, hour, minute, second, frac = m.groups()
    try:
        when = calendar.timegm((int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                int(second or 0), 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    return when + (float(frac) if frac else 0.0)


def parse_touch_stamp(text: str) -> float | None:
    """-t: `[[CC]YY]MMDDhhmm[.ss]` in UTC."""
    seconds = 0
    if "." in text:
        text, secs = text.split(".", 1)
        if not secs.isdigit():
            return None
        seconds = int(secs)
    if not text.isdigit() or len(text) not in (8, 10, 12):
        return None
    now = time.gmtime()
    if len(text) == 12:
        year, rest = int(text[:4]), text[4:]
    elif len(text) == 10:
        yy = int(text[:2])
        year, rest = (1900 + yy if yy >= 69 else 2000 + yy), text[2:]
    else:
        year, rest = now.tm_year, text
    try:
        return calendar.timegm((year, int(rest[0:2]), int(rest[2:4]), int(rest[4:6]), int(rest[6:8]),
                                seconds, 0, 0, 0))
    except (ValueError, OverflowError):
        return None


@applet("touch")
@usage_guard
def touch(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "acmh", "dtr")
    need(ctx, opts.operands, 1)
    when: tuple[int, int] | None = None
    if "d" in opts:
        value = parse_touch_date(opts.get("d"))
        if value is None:
            return ctx.fail(f"bad date {opts.get('d')}")
        ns = round(value * 1e9)
        when = (ns, ns)
    elif "t" in opts:
        value = parse_touch_stamp(opts.get("t"))
        if value is None:
            return ctx.fail(f"bad date {opts.get('t')}")
        ns = int(value * 1e9)
        when = (ns, ns)
    elif "r" in opts:
        try:
            _host, ref = lookup(ctx, opts.get("r"), True)
        except OSError as exc:
            return ctx.fail(f"'{opts.get('r')}': {strerror(exc)}")
        when = (ref.st_atime_ns, ref.st_mtime_ns)
    now = time.time_ns()
    atime_ns, mtime_ns = when if when else (now, now)
    only_a, only_m = "a" in opts and "m" not in opts, "m" in opts and "a" not in opts
    status = 0
    for path in opts.operands:
        storage = ctx.storage
        try:
            host, info = lookup(ctx, path, "h" not in opts)
        except OSError as exc:
            if exc.errno != errno.ENOENT or "c" in opts:
                if "c" not in opts:
                    status = ctx.fail(f"'{path}': {strerror(exc)}")
                continue
            try:
                storage.open_write(path, ctx.cwd, append=True).close()
                host, info = lookup(ctx, path, True)
            except OSError as exc2:
                status = ctx.fail(f"'{path}': {strerror(exc2)}")
                continue
        a = info.st_atime_ns if only_m else atime_ns
        m = info.st_mtime_ns if only_a else mtime_ns
        try:
            os.utime(host, ns=(a, m), follow_symlinks=False)
        except OSError as exc:
            status = ctx.fail(f"'{path}': {strerror(exc)}")
    return status


# -- ln / readlink / realpath / basename / dirname --------------------------------------------
@applet("ln")
@usage_guard
def ln(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "sfnvTr", "t")
    need(ctx, opts.operands, 1)
    operands = list(opts.operands)
    storage = ctx.storage
    if len(operands) == 1:
        operands.append(".")
    dest = operands.pop()
    dest_is_dir = False
    if "n" not in opts and "T" not in opts:
        try:
            dest_is_dir = st.S_ISDIR(storage.stat(dest, ctx.cwd).st_mode)
        except OSError:
            pass
    if len(operands) > 1 and not dest_is_dir:
        return ctx.fail(f"'{dest}' not directory")
    status = 0
    for src in operands:
        link = f"{dest}/{posixpath.basename(src.rstrip('/'))}" if dest_is_dir else dest
        try:
            if "f" in opts:
                try:
                    storage.unlink(link, ctx.cwd)  # a folder there refuses with EISDIR, as unlink(2)
                except OSError as exc:
                    if exc.errno != errno.ENOENT:
                        raise
            if "s" in opts:
                storage.symlink(src, link, ctx.cwd)
            else:
                source = storage.resolve(src, ctx.cwd, follow=False).host
                os.link(source, storage.resolve(link, ctx.cwd, follow=False).host, follow_symlinks=False)
            if "v" in opts:
                ctx.out(f"'{link}' -> '{src}'\n")
        except OSError as exc:
            kind = "symbolic link" if "s" in opts else "hard link"
            status = ctx.fail(f"cannot create {kind} from '{src}' to '{link}': {strerror(exc)}")
    return status


def canonical(ctx: Context, path: str, must_exist: str) -> str | None:
    """Resolve every symlink in device space. must_exist: 'all' (-e), 'parent' (-f), 'none' (-m)."""
    storage = ctx.storage
    full = path if path.startswith("/") else posixpath.join(ctx.cwd, path)
    parent = posixpath.dirname(full.rstrip("/")) or "/"
    base = posixpath.basename(full.rstrip("/"))
    if must_exist == "all":
        try:
            storage.stat(full)
        except OSError:
            return None
        return storage.resolve(full).device
    try:
        resolved_parent = storage.resolve(parent)
        parent_info = os.lstat(resolved_parent.host)
        if not st.S_ISDIR(parent_info.st_mode):
            return None if must_exist == "parent" else None
    except OSError:
        if must_exist == "parent":
            return None
        return posixpath.normpath(full)
    if base in ("", ".", ".."):
        return storage.resolve(full).device
    return storage.resolve(posixpath.join(resolved_parent.device, base)).device


@applet("readlink")
@usage_guard
def readlink(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "fenqmvz")
    need(ctx, opts.operands, 1)
    end = "" if "n" in opts else ("\0" if "z" in opts else "\n")
    status = 0
    for path in opts.operands:
        if "f" in opts or "e" in opts or "m" in opts:
            mode = "all" if "e" in opts else ("none" if "m" in opts else "parent")
            result = canonical(ctx, path, mode)
        else:
            try:
                result = ctx.storage.readlink(path, ctx.cwd)
            except OSError:
                result = None
        if result is None:
            status = 1
            continue
        ctx.out(result + end)
    return status


@applet("realpath")
@usage_guard
def realpath(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "eLPmqsz", "R")
    need(ctx, opts.operands, 1)
    status = 0
    for path in opts.operands:
        result = canonical(ctx, path, "all" if "e" in opts else ("none" if "m" in opts else "parent"))
        if result is None:
            status = ctx.fail(f"{path}: {os.strerror(errno.ENOENT)}")
            continue
        ctx.out(result + ("\0" if "z" in opts else "\n"))
    return status


@applet("basename")
@usage_guard
def basename(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "az", "s", stop_at_operand=True)
    need(ctx, opts.operands, 1)
    names = opts.operands
    suffix = opts.get("s")
    if "a" not in opts and suffix is None and len(names) == 2:
        names, suffix = names[:1], names[1]
    for name in names if ("a" in opts or suffix is not None) else names[:1]:
        stripped = name.rstrip("/")
        base = stripped.rsplit("/", 1)[-1] if stripped else ("/" if name else "")
        if suffix and base != suffix and base.endswith(suffix):
            base = base[:-len(suffix)]
        ctx.out(base + ("\0" if "z" in opts else "\n"))
    return 0


@applet("dirname")
@usage_guard
def dirname(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "")
    need(ctx, opts.operands, 1)
    for name in opts.operands:
        stripped = name.rstrip("/")
        if not stripped:
            ctx.out("/\n" if name else ".\n")
            continue
        if "/" not in stripped:
            ctx.out(".\n")
            continue
        head = stripped.rsplit("/", 1)[0].rstrip("/")
        ctx.out((head or "/") + "\n")
    return 0


# -- du / df ---------------------------------------------------------------------------------
def human(value: int, digits: int = 3) -> str:
    """toybox's human_readable: divide by 1024 (rounding) until at most 3 digits are left; a
    single digit gets one decimal, cut rather than rounded (2004 -> 1.9K, 300000 -> 293K)."""
    num, snap, unit = value, 0, 0
    while len(str(num)) > digits:
        snap = num
        num = (num + 512) // 1024
        unit += 1
    text = str(num)
    if unit and len(text) == 1:
        whole = snap // 1024
        tenths = ((snap - whole * 1024) * 100 + 50) // 1024 // 10
        text = f"{whole}.{tenths}"
    return text + (" KMGTPEZY"[unit] if unit else "")


@applet("du")
@usage_guard
def du(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "aLlHhkKmsxbc", "d")
    scale = 1024
    if "m" in opts:
        scale = 1024 * 1024
    if "b" in opts:
        scale = 1
    max_depth = int(opts.get("d")) if "d" in opts else (0 if "s" in opts else None)
    seen: set[tuple[int, int]] = set()
    status = 0
    grand = 0

    def size_of(info: os.stat_result) -> int:
        return info.st_size if "b" in opts else info.st_blocks * 512

    def show(total: int, path: str) -> None:
        if "h" in opts:
            text = human(total)
        elif "b" in opts:
            text = str(total)
        else:
            text = str((total + scale - 1) // scale)
        ctx.out(f"{text}\t{path}\n")

    def walk(path: str, host: str, info: os.stat_result, depth: int) -> int:
        key = (info.st_dev, info.st_ino)
        if info.st_nlink > 1 and not st.S_ISDIR(info.st_mode):
            if key in seen:
                return 0
            seen.add(key)
        total = size_of(info)
        if st.S_ISDIR(info.st_mode):
            try:
                children = entries(host, "L" in opts, ctx, device_of(ctx, host))
            except OSError as exc:
                ctx.err(f"{path}: {strerror(exc)}")
                return total
            for name, child_host, child in children:
                total += walk(f"{path.rstrip('/')}/{name}" if path != "/" else "/" + name, child_host,
                              child, depth + 1)
            if max_depth is None or depth <= max_depth:
                show(total, path)
        elif ("a" in opts and (max_depth is None or depth <= max_depth)) or depth == 0:
            show(total, path)
        return total

    for path in opts.operands or ["."]:
        try:
            host, info = lookup(ctx, path, "L" in opts or "H" in opts)
        except OSError as exc:
            status = ctx.fail(f"{path}: {strerror(exc)}")
            continue
        grand += walk(path, host, info, 0)
    if "c" in opts:
        show(grand, "total")
    return status


@applet("df")
@usage_guard
def df(ctx: Context, argv: list[str]) -> int:
    """The phone's partitions; /data (and the shared storage on it) shows the phone's capacity."""
    opts = parse(argv, "HPkhia", "t")
    total_blocks, free_blocks, _avail = phone_statfs(ctx)
    data_total = total_blocks * FS_BLOCK
    data_free = free_blocks * FS_BLOCK
    mounts = [
        ("tmpfs", "/dev", 2 * 1024**3, 2 * 1024**3),
        ("/dev/block/dm-0", "/", 2 * 1024**3, 0),
        ("/dev/block/dm-1", "/system", 1 * 1024**3, 0),
        ("/dev/block/vdc", "/data", data_total, data_free),
        ("/dev/fuse", "/storage/emulated", data_total, data_free),
    ]
    if opts.operands:
        chosen = []
        status = 0
        for path in opts.operands:
            try:
                device = ctx.storage.resolve(path, ctx.cwd).device
                ctx.storage.stat(device)
            except OSError as exc:
                status = ctx.fail(f"{path}: {strerror(exc)}")
                continue
            best = max((m for m in mounts if device == m[1] or device.startswith(m[1].rstrip("/") + "/")),
                       key=lambda m: len(m[1]))
            chosen.append(best)
        if not chosen:
            return status
    else:
        status = 0
        chosen = mounts
    rows = []
    for source, target, size, free in chosen:
        used = size - free
        if "h" in opts:
            cells = [human(size), human(used), human(free)]
        else:
            cells = [str(size // 1024), str(used // 1024), str(free // 1024)]
        # toybox: used / (used + available), rounded up
        percent = (used * 100 + used + free - 1) // (used + free) if used + free else 0
        rows.append([source] + cells + [f"{percent}%", target])
    header = (["Filesystem", "Size", "Used", "Avail", "Use%", "Mounted on"] if "h" in opts
              else ["Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on"])
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]
    widths[0] = max(widths[0], 14) if "h" not in opts else max(widths[0], 15)
    for row in [header] + rows:
        ctx.out(f"{row[0]:<{widths[0]}} " + " ".join(f"{row[i]:>{widths[i]}}" for i in range(1, 5))
                + f" {row[5]}\n")
    return status


# -- dd --------------------------------------------------------------------------------------
def dd_number(text: str) -> int:
    try:
        return atolx(text)
    except FindError as exc:
        raise UsageError(str(exc)) from None


@applet("dd")
def dd(ctx: Context, argv: list[str]) -> int:
    """toybox dd: if= of= bs= ibs= obs= count= skip= seek= conv=notrunc,sync,noerror status=none."""
    settings: dict[str, str] = {}
    for arg in argv[1:]:
        key, eq, value = arg.partition("=")
        if not eq or key not in ("if", "of", "bs", "ibs", "obs", "count", "skip", "seek", "conv",
                                 "status", "iflag", "oflag"):
            return ctx.fail(f"bad arg {arg}")
        settings[key] = value
    try:
        ibs = dd_number(settings.get("ibs", settings.get("bs", "512")))
        obs = dd_number(settings.get("obs", settings.get("bs", "512")))
        count = dd_number(settings["count"]) if "count" in settings else None
        skip = dd_number(settings.get("skip", "0"))
        seek = dd_number(settings.get("seek", "0"))
    except UsageError as exc:
        return ctx.fail(str(exc))
    conv = set(filter(None, settings.get("conv", "").split(",")))
    storage = ctx.storage
    started = time.monotonic()
    source = None
    close_source = None
    if "if" in settings:
        path = settings["if"]
        full = path if path.startswith("/") else posixpath.join(ctx.cwd, path)
        source = open_special_input(full)
        if source is None:
            try:
                close_source = source = storage.open_read(path, ctx.cwd)
            except OSError as exc:
                return ctx.fail(f"{path}: {strerror(exc)}")
    else:
        source = ctx.stdin
    sink = ctx.stdout
    writer = None
    if "of" in settings:
        path = settings["of"]
        full = path if path.startswith("/") else posixpath.join(ctx.cwd, path)
        special = open_special_output(full)
        if special is not None:
            sink = special
        else:
            try:
                writer = open_for_dd(storage, path, ctx.cwd, "notrunc" in conv)
            except OSError as exc:
                if close_source:
                    close_source.close()
                return ctx.fail(f"{path}: {strerror(exc)}")
            if seek:
                os.lseek(writer.fileno(), seek * obs, os.SEEK_SET)
            sink = FileOutput(writer)
    full_in = part_in = full_out = part_out = 0
    total = 0
    status = 0
    pending = b""
    try:
        if skip:
            if close_source is not None:
                close_source.seek(skip * ibs)
            else:
                left = skip * ibs
                while left > 0:
                    chunk = source.read(min(left, CHUNK))
                    if not chunk:
                        break
                    left -= len(chunk)
        while count is None or full_in + part_in < count:
            if ctx.cancelled.is_set():
                break
            block = read_full(source, ibs)
            if not block:
                break
            if len(block) == ibs:
                full_in += 1
            else:
                part_in += 1
                if "sync" in conv:
                    block += bytes(ibs - len(block))
            pending += block
            while len(pending) >= obs:
                sink.write(pending[:obs])
                total += obs
                full_out += 1
                pending = pending[obs:]
        if pending:
            sink.write(pending)
            total += len(pending)
            part_out += 1
    except OSError as exc:
        status = ctx.fail(f"{settings.get('of', 'standard output')}: {strerror(exc)}")
    finally:
        if writer is not None:
            writer.close()
            if isinstance(writer, InPlaceWriter):
                settle_overwrite(storage, writer)
        if close_source is not None:
            close_source.close()
    if settings.get("status") != "none":
        elapsed = max(time.monotonic() - started, 1e-9)
        ctx.stderr.write(to_bytes(
            f"{full_in}+{part_in} records in\n{full_out}+{part_out} records out\n"
            f"{total} bytes ({human_si(total)}) copied, {elapsed:f} s, {human_si(total / elapsed)}/s\n"
            if settings.get("status") != "noxfer" else
            f"{full_in}+{part_in} records in\n{full_out}+{part_out} records out\n"))
    return status


class InPlaceWriter(CountedWriter):
    """dd conv=notrunc: writes over existing bytes; remembers the size it started from."""

    def __init__(self, storage, fd: int, device_path: str):
        super().__init__(storage, fd, device_path)
        self.size_before = os.fstat(fd).st_size


def open_for_dd(storage, path: str, cwd: str, keep: bool) -> CountedWriter:
    """dd's output: truncated, or (conv=notrunc) opened in place so seek= can overwrite the middle."""
    if not keep:
        return storage.open_write(path, cwd)
    res = storage.resolve(path, cwd)
    fd = os.open(res.host, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    return InPlaceWriter(storage, fd, res.device)


def settle_overwrite(storage, writer: InPlaceWriter) -> None:
    """Bytes written over existing data took no new space: give back what was reserved for them."""
    try:
        grown = os.lstat(storage.host(writer.device_path)).st_size - writer.size_before
    except OSError:
        return
    storage.release(max(0, writer.written - max(0, grown)))


def human_si(value: float) -> str:
    """dd's transfer figures: `5.0 K`-style decimal units as toybox prints them."""
    units = ["B", "kB", "MB", "GB", "TB"]
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value /= 1000
        unit += 1
    if unit == 0:
        return f"{int(value)} B"
    return f"{value:.1f} {units[unit]}"


def read_full(source, size: int) -> bytes:
    parts = []
    want = size
    while want > 0:
        chunk = source.read(want)
        if not chunk:
            break
        parts.append(chunk)
        want -= len(chunk)
    return b"".join(parts)


# -- tar -------------------------------------------------------------------------------------
class StreamReader(io.RawIOBase):
    """A phone stream (pipe or file) as a Python file object for tarfile's streaming mode."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class StreamWriter(io.RawIOBase):
    def __init__(self, stream):
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._stream.write(bytes(data))
        return len(data)


@applet("tar")
def tar(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if args and not args[0].startswith("-") and args[0]:
        args = ["-" + args[0]] + args[1:]
    try:
        opts = parse(["tar"] + args, "cxtvOopmhP", "fC", {"directory": "C", "file": "f", "to-stdout": "O"})
    except UsageError as exc:
        return ctx.fail(str(exc))
    modes = [m for m in "ctx" if m in opts]
    if len(modes) != 1:
        return ctx.fail('Needs -txc (see "tar --help")')
    archive = opts.get("f", "-")
    cwd = ctx.cwd
    if "C" in opts:
        try:
            cwd = ctx.storage.resolve(opts.get("C"), ctx.cwd).device
            if not st.S_ISDIR(ctx.storage.stat(cwd).st_mode):
                raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        except OSError as exc:
            return ctx.fail(f"{opts.get('C')}: {strerror(exc)}")
    if modes[0] == "c":
        return tar_create(ctx, opts, archive, cwd)
    return tar_read(ctx, opts, archive, cwd, extract=modes[0] == "x")


def tar_create(ctx: Context, opts, archive: str, cwd: str) -> int:
    if not opts.operands:
        return ctx.fail("empty archive")
    storage = ctx.storage
    if archive == "-":
        target = StreamWriter(ctx.stdout)
        writer_handle = None
    else:
        try:
            writer_handle = storage.open_write(archive, ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{archive}: {strerror(exc)}")
        target = StreamWriter(writer_handle)
    status = 0
    try:
        with tarfile.open(fileobj=target, mode="w|", format=tarfile.GNU_FORMAT,
                          encoding="utf-8", errors="surrogateescape") as out:
            for name in opts.operands:
                try:
                    res = storage.resolve(name, cwd, follow="h" in opts)
                    info = os.lstat(res.host)
                except OSError as exc:
                    ctx.err(f"{name}: {strerror(exc)}")
                    status = 1
                    continue
                shown = name.lstrip("/") if "P" not in opts else name
                add_to_tar(ctx, out, shown.rstrip("/") or shown, res.host, info, opts)
    except OSError as exc:
        status = ctx.fail(f"{archive}: {strerror(exc)}")
    finally:
        if writer_handle is not None:
            writer_handle.close()
    if status:
        ctx.err("had errors")
    return status


def add_to_tar(ctx: Context, out: tarfile.TarFile, name: str, host: str, info: os.stat_result, opts) -> None:
    member = tarfile.TarInfo(name + ("/" if st.S_ISDIR(info.st_mode) else ""))
    member.mode = st.S_IMODE(info.st_mode)
    member.uid, member.gid = info.st_uid, info.st_gid
    member.uname, member.gname = id_name(info.st_uid), id_name(info.st_gid)
    member.mtime = info.st_mtime
    if "v" in opts:
        # With the archive on stdout the names go to stderr, as toybox does.
        (ctx.stderr.write if opts.get("f", "-") == "-" else ctx.stdout.write)(to_bytes(member.name + "\n"))
    if st.S_ISDIR(info.st_mode):
        member.type = tarfile.DIRTYPE
        out.addfile(member)
        for child, child_host, child_info in entries(host):
            add_to_tar(ctx, out, f"{name}/{child}", child_host, child_info, opts)
    elif st.S_ISLNK(info.st_mode):
        member.type = tarfile.SYMTYPE
        member.linkname = os.readlink(host)
        out.addfile(member)
    elif st.S_ISREG(info.st_mode):
        member.size = info.st_size
        with open_host_read(host) as source:
            out.addfile(member, source)


def tar_read(ctx: Context, opts, archive: str, cwd: str, extract: bool) -> int:
    storage = ctx.storage
    handle = None
    if archive == "-":
        source = StreamReader(ctx.stdin)
    else:
        try:
            handle = storage.open_read(archive, ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{archive}: {strerror(exc)}")
        source = handle
    wanted = [w.rstrip("/") for w in opts.operands]
    folders: list[tuple[str, float]] = []
    status = 0
    try:
        with tarfile.open(fileobj=source, mode="r|*", encoding="utf-8", errors="surrogateescape") as archive_in:
            for member in archive_in:
                name = member.name
                shown = name + ("/" if member.isdir() and not name.endswith("/") else "")
                if wanted and not any(name.rstrip("/") == w or name.startswith(w + "/") for w in wanted):
                    continue
                if not extract:
                    if "v" in opts:
                        ctx.out(tar_listing(member, shown) + "\n")
                    else:
                        ctx.out(shown + "\n")
                    continue
                if "v" in opts:
                    ctx.out(shown + "\n")
                status |= extract_member(ctx, archive_in, member, cwd, opts, folders)
        # Folder times last: extracting their contents would have changed them again.
        for target, mtime in reversed(folders):
            try:
                os.utime(storage.resolve(target, follow=False).host, (mtime, mtime), follow_symlinks=False)
            except OSError:
                pass
    except tarfile.TarError as exc:
        status = ctx.fail(f"not tar: {exc}")
    finally:
        if handle is not None:
            handle.close()
    return status


def tar_listing(member: tarfile.TarInfo, shown: str) -> str:
    kind = {tarfile.DIRTYPE: st.S_IFDIR, tarfile.SYMTYPE: st.S_IFLNK}.get(member.type, st.S_IFREG)
    owner = f"{member.uname or member.uid}/{member.gname or member.gid}"
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(member.mtime))
    text = f"{mode_string(kind | member.mode)} {owner} {member.size:9d}  {when} {shown}"
    if member.issym():
        text += f" -> {member.linkname}"
    return text


def extract_member(ctx: Context, archive_in: tarfile.TarFile, member: tarfile.TarInfo, cwd: str, opts,
                   folders: list[tuple[str, float]]) -> int:
    storage = ctx.storage
    name = member.name.lstrip("/")
    if any(part == ".." for part in name.split("/")):
        return ctx.fail(f"'{member.name}': path leaves the extraction folder")
    target = posixpath.join(cwd, name)
    try:
        if member.isdir():
            storage.makedirs(target)
            storage.chmod(target, member.mode or 0o755)
            folders.append((target, member.mtime))
            return 0
        elif member.issym():
            storage.makedirs(posixpath.dirname(target))
            try:
                storage.unlink(target)
            except OSError:
                pass
            storage.symlink(member.linkname, target)
        elif member.isfile():
            data = archive_in.extractfile(member)
            if data is None:
                return 0
            if "O" in opts:
                while chunk := data.read(CHUNK):
                    ctx.stdout.write(chunk)
                return 0
            storage.makedirs(posixpath.dirname(target))
            with storage.open_write(target, mode=member.mode or 0o644) as out:
                while chunk := data.read(CHUNK):
                    out.write(chunk)
            storage.chmod(target, member.mode or 0o644)
        else:
            return 0
        host = storage.resolve(target, follow=False).host
        os.utime(host, (member.mtime, member.mtime), follow_symlinks=False)
    except OSError as exc:
        return ctx.fail(f"{member.name}: {strerror(exc)}")
    return 0


# -- sh --------------------------------------------------------------------------------------
@applet("sh", "mksh")
def sh(ctx: Context, argv: list[str]) -> int:
    """`sh -c 'CMD' [NAME ARGS...]`, `sh FILE [ARGS...]`, or a script on stdin."""
    args = argv[1:]
    command = None
    while args and args[0].startswith("-") and args[0] != "-":
        flag = args.pop(0)
        if flag == "--":
            break
        if "c" in flag[1:]:
            if not args:
                ctx.stderr.write(b"/system/bin/sh: -c: option requires an argument\n")
                return 1
            command = args.pop(0)
            break  # what follows is $0 and the arguments, even a "--"
    name = "/system/bin/sh"
    if command is None and args:
        script = args.pop(0)
        try:
            with ctx.storage.open_read(script, ctx.cwd) as handle:
                command = handle.read().decode("utf-8", "surrogateescape")
        except OSError as exc:
            ctx.stderr.write(to_bytes(f"/system/bin/sh: {script}: {strerror(exc)}\n"))
            return 127
        name = script
    elif command is not None and args:
        name = args.pop(0)
    if command is None:
        command = ctx.stdin.read().decode("utf-8", "surrogateescape")
    child = Interp(ctx.phone, dict(ctx.env), ctx.cwd, name, args, ctx.cancelled, ctx.applets.copy())
    return child.run(command, ctx.stdin, ctx.stdout, ctx.stderr)

