"""find: toybox's expression language (tests, actions, -printf) over the phone's storage.
Not for running commands on what it finds beyond -exec (`commands.py` has xargs).
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat as st
import time
from dataclasses import dataclass
from typing import Any

from ...api import Context, applet
from ...patterns import compile_pattern
from ...streams import EmptyInput
from .base import (
    ANDROID_IDS,
    XARGS_MAX_BYTES,
    FindError,
    Node,
    compare,
    device_of,
    entries,
    id_name,
    link_text,
    lookup,
    mode_string,
    ns_parts,
    numsign,
    strerror,
    to_bytes,
)
from .listing import apply_spec, printf_spec


# -- find ------------------------------------------------------------------------------------
@dataclass
class Test:
    """One primary of a find expression; `arg` holds what its kind needs (pattern, numbers...)."""

    kind: str
    arg: Any = None
    extra: Any = None
    extra_bytes: int = 0  # -exec ... {} +: what the collected names count against the batch limit


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
            return st.S_ISLNK(info.st_mode) and t.arg.fullmatch(link_text(self.ctx, node.host)) is not None
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
                return not entries(node.host, ctx=self.ctx)
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
                t.extra_bytes += len(name) + 9
                if t.extra_bytes > XARGS_MAX_BYTES:
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
        t.extra_bytes = 0
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
