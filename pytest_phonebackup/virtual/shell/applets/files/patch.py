"""Toybox's patch on the phone's storage: unified diffs applied hunk by hunk, each hunk found by
its context (not its line numbers), with fuzz, -p, -R, -l, -d, -i and --dry-run; a file changes
only when all its hunks apply, and failed hunks go to stderr, as toybox 0.8.9's
toys/posix/patch.c does. Not for making diffs (`text.compare`'s diff).
"""

from __future__ import annotations

import errno
import os
import posixpath

from ...api import Context, applet
from ..options import UsageError, chunks, parse
from .base import strerror, usage_guard

_SPACE = " \t\n\v\f\r"
_LONGS = {"no-backup-if-mismatch": "no-backup-if-mismatch", "dry-run": "dry-run", "quiet": "s"}


class _Stop(Exception):
    """perror_exit(): the message was given, patch ends with status 1."""


def _split(data: bytes) -> list[str]:
    """get_line(): lines without their newline; a last line without one still counts."""
    text = data.decode("utf-8", "surrogateescape")
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    return rows


def _loose_differ(a: str, b: str) -> bool:
    return "".join(a.split()) != "".join(b.split())


def _differ(a: str, b: str) -> bool:
    return a != b


class _Patching:
    """One file being patched: what is left to read of it, and the new text (None when the
    output goes nowhere: --dry-run, or a failed hunk discarded it)."""

    def __init__(self, ctx: Context, name: str | None, rows: list[str], dry_run: bool,
                 ends_with_newline: bool = True):
        self.ctx, self.name, self.rows, self.pos = ctx, name, rows, 0
        self.out: list[str] | None = None if dry_run or name is None else []
        self.ends_with_newline = ends_with_newline

    def get_line(self) -> str | None:
        if self.pos >= len(self.rows):
            return None
        self.pos += 1
        return self.rows[self.pos - 1]

    def write(self, line: str) -> None:
        if self.out is not None:
            self.out.append(line)

    def discard(self) -> None:
        """delete_tempfile(): the new text is dropped and the input closed (reads see EOF)."""
        self.out, self.rows = None, []

    def finish(self) -> None:
        """replace_tempfile(): the rest of the input follows, and the new text takes the name."""
        if self.out is None or self.name is None:
            return
        text = "".join(row + "\n" for row in self.out) + "".join(row + "\n" for row in self.rows[self.pos:])
        if self.pos < len(self.rows) and not self.ends_with_newline:
            text = text[:-1]  # the untouched tail is copied as it was
        with self.ctx.storage.open_write(self.name, self.ctx.cwd) as out:
            out.write(text.encode("utf-8", "surrogateescape"))
        self.out = None


class _Patch:
    def __init__(self, ctx: Context, opts, file_operand: str | None):
        self.ctx, self.opts = ctx, opts
        self.file_operand = file_operand  # FILE on the command line: patched whatever the diff names
        self.reverse = "R" in opts
        self.quiet = "s" in opts
        self.dry_run = "dry-run" in opts
        self.differ = _loose_differ if "l" in opts else _differ
        self.strip = int(opts.get("p")) if "p" in opts else None
        self.fuzz_limit = int(opts.get("F")) if "F" in opts else None
        self.file: _Patching | None = None
        self.hunk: list[str] | None = None
        self.hunknum = self.context = 0
        self.oldline = self.oldlen = self.newline = self.newlen = self.linenum = 0
        self.status = 0

    # -- hunks ------------------------------------------------------------------------------
    def fail_hunk(self) -> None:
        if not self.hunk:
            self.hunk = None
            return
        self.ctx.stderr.write(f"Hunk {self.hunknum} FAILED {self.oldline}/{self.newline}.\n".encode())
        self.status = 1
        self.ctx.stderr.write("".join(line + "\n" for line in self.hunk).encode("utf-8", "surrogateescape"))
        self.hunk = None
        if not self.dry_run and self.file is not None:
            self.file.discard()

    def apply_hunk(self) -> int:
        hunk = self.hunk or []
        file = self.file if self.file is not None else _Patching(self.ctx, None, [], True)
        removed, added = "-", "+"
        if self.reverse:
            # patch.c indexes "-+"[FLAG(R)], and FLAG(R) is 2: the string's NUL. No line starts
            # with it, so under -R every line of the hunk must match, and + and - lines both
            # come out: toybox 0.8.9's -R applies only where a file holds both sides.
            removed = added = "\0"
        trail = fuzz = backwarn = 0
        for line in hunk:
            trail = trail + 1 if line[0] == " " else 0
            if line[0] in (" ", removed):
                rest = line[1:].lstrip(_SPACE)
                if len(rest) > 1 and rest[1] not in _SPACE:
                    fuzz += 1
        matcheof = not trail or trail < self.context
        allfuzz = 0 if fuzz < 2 else (self.fuzz_limit if self.fuzz_limit is not None
                                      else (self.context - 1 if self.context else 0))
        p, fuzz, buf = 0, 0, []
        matched = False
        while not matched:
            data = file.get_line()
            while p < len(hunk) and hunk[p][0] == added:
                if data is not None and not self.differ(data, hunk[p][1:]) and not backwarn:
                    backwarn = self.linenum
                p += 1
            if data is None:
                if p == len(hunk) and matcheof:
                    break
                if backwarn and not self.quiet:
                    self.ctx.stderr.write(f"Possibly reversed hunk {self.hunknum} at {self.linenum}\n".encode())
                self.fail_hunk()
                return 0
            self.linenum += 1
            buf.append(data)
            check = len(buf) - 1
            while True:
                if p == len(hunk) or self.differ(buf[check], hunk[p][1:]):
                    if p < len(hunk) and hunk[p][0] == " " and fuzz < allfuzz:
                        fuzz += 1
                    else:
                        if not self.context or trail > self.context:  # the hunk must match at the start
                            self.fail_hunk()
                            return 0
                        file.write(buf.pop(0))  # not here: the first line goes out, try again after it
                        p, fuzz = 0, 0
                        if not buf:
                            break
                        check = 0
                        continue
                p += 1
                if p == len(hunk) and not matcheof:
                    matched = True
                    break
                check += 1
                if check == len(buf):
                    break
        for line in hunk:
            if line[0] in (removed, " "):
                if line[0] == " ":
                    file.write(buf[0])
                buf.pop(0)
            else:
                file.write(line[1:])
        self.hunk = None
        return 1

    # -- files ------------------------------------------------------------------------------
    def finish_file(self) -> None:
        if self.file is not None:
            self.file.finish()
        self.file = None

    def open_file(self, oldname: str, newname: str, oldsum: int, newsum: int) -> bool:
        """Open the file the first hunk names (creating it, or removing it: then True)."""
        ctx = self.ctx
        if self.file_operand is not None:
            # a FILE operand overrides every name in the patch, taken literally (-p0)
            if self.reverse:
                oldname = self.file_operand
            else:
                newname = self.file_operand
            self.strip = 0
        name = oldname if self.reverse else newname
        delete = name == "/dev/null" or not (oldsum if self.reverse else newsum)
        if delete:
            name = newname if self.reverse else oldname
        depth, shown = 0, name
        i = 0
        while i < len(name):
            if self.strip is not None and self.strip == depth:
                break
            i += 1
            if name[i - 1] != "/":
                continue
            while i < len(name) and name[i] == "/":
                i += 1
            shown, depth = name[i:], depth + 1
        name = shown
        if delete:
            if not self.quiet:
                ctx.out(f"removing {name}\n")
            if not self.dry_run:
                try:
                    ctx.storage.unlink(name, ctx.cwd)
                except OSError as exc:
                    ctx.err(f"unlink '{name}': {strerror(exc)}")
                    raise _Stop from None
            return True
        if self.strip is not None and depth > self.strip:
            return False  # not opened: its hunks fail, and the next one tries again
        if (oldname == "/dev/null" or not oldsum) and not ctx.storage.exists(name, ctx.cwd):
            if not self.quiet:
                ctx.out(f"creating {name}\n")
            if not self.dry_run:
                try:
                    if posixpath.dirname(name):
                        ctx.storage.makedirs(posixpath.dirname(name), ctx.cwd)
                    ctx.storage.open_write(name, ctx.cwd, mode=0o644).close()
                except OSError as exc:
                    ctx.err(f"{name}: {strerror(exc)}")
                    raise _Stop from None
            rows: list[str] = []
            ends = True
        else:
            if not self.quiet:
                ctx.out(f"patching {name}\n")
            try:
                with ctx.storage.open_read(name, ctx.cwd) as stream:
                    data = b"".join(chunks(stream))
            except OSError as exc:
                ctx.err(f"{name}: {strerror(exc)}")
                raise _Stop from None
            rows, ends = _split(data), data.endswith(b"\n") or not data
        self.file = _Patching(ctx, name, rows, self.dry_run, ends)
        self.linenum = self.hunknum = 0
        return False

    # -- the patch --------------------------------------------------------------------------
    def run(self, lines: list[str]) -> int:
        state, strip_cr, first = 0, False, True
        oldname = newname = ""
        for patchline in lines:
            if strip_cr or first:
                first = False
                if patchline.endswith("\r"):
                    if not strip_cr and not self.quiet:
                        self.ctx.stderr.write(b"Removing DOS newlines\n")
                    strip_cr = True
                    patchline = patchline[:-1]
            if not patchline:
                patchline = " "
            if state >= 2:
                if patchline[0] in " +-":
                    assert self.hunk is not None
                    self.hunk.append(patchline)
                    if patchline[0] != "+":
                        self.oldlen -= 1
                    if patchline[0] != "-":
                        self.newlen -= 1
                    if patchline[0] == " " and state == 2:
                        self.context += 1
                    else:
                        state = 3
                    if not self.oldlen and not self.newlen:
                        state = self.apply_hunk()
                    continue
                self.fail_hunk()
                state = 0
                continue
            if patchline.startswith(("--- ", "+++ ")):
                if patchline[0] == "+":
                    state = 1
                self.finish_file()
                name, _tab, date = patchline[4:].partition("\t")
                year = _atoi(date)
                name = "/dev/null" if 1900 < year <= 1970 else _unquote(name)
                if patchline[0] == "+":
                    newname = name
                else:
                    oldname = name
            elif state == 1 and patchline.startswith("@@ -"):
                self.oldline, rest = _strtol(patchline[4:])
                self.oldlen = self.newlen = 1
                if rest.startswith(","):
                    self.oldlen, rest = _strtol(rest[1:])
                self.newline, rest = _strtol(rest[2:])
                if rest.startswith(","):
                    self.newlen, rest = _strtol(rest[1:])
                self.context, state = 0, 2
                self.hunk = []
                if self.file is None and self.open_file(oldname, newname, self.oldline + self.oldlen,
                                                        self.newline + self.newlen):
                    state, self.hunk = 0, None  # removed: the hunk's lines are skipped
                self.hunknum += 1
        self.finish_file()
        return self.status


def _atoi(text: str) -> int:
    number, _rest = _strtol(text.lstrip(_SPACE))
    return number


def _strtol(text: str) -> tuple[int, str]:
    """strtol(s, &end, 10): leading blanks, a sign, digits; 0 and the text unread when none."""
    body = text.lstrip(_SPACE)
    i = 1 if body[:1] in ("+", "-") else 0
    j = i
    while j < len(body) and body[j].isdigit():
        j += 1
    if j == i:
        return 0, text
    return int(body[:j]), body[j:]


def _unquote(name: str) -> str:
    if not name.startswith('"') or len(name) < 2:
        return name
    out, i = [], 1
    while i < len(name) and name[i] != '"':
        if name[i] == "\\" and i + 1 < len(name):
            i += 1
            if name[i] in "01234567":
                j = i
                while j < len(name) and j < i + 3 and name[j] in "01234567":
                    j += 1
                out.append(chr(int(name[i:j], 8)))
                i = j
                continue
            out.append({"n": "\n", "t": "\t", "\\": "\\", '"': '"'}.get(name[i], name[i]))
        else:
            out.append(name[i])
        i += 1
    return "".join(out)


@applet("patch")
@usage_guard
def patch(ctx: Context, argv: list[str]) -> int:
    opts = parse(argv, "fuluRs", "Fgpdi", _LONGS)
    if len(opts.operands) > 2:
        raise UsageError('Max 2 arguments (see "patch --help")')
    for letter in "Fgp":
        if letter in opts and not str(opts.get(letter)).lstrip("-").isdigit():
            raise UsageError(f"not integer: {opts.get(letter)}")
    source = opts.operands[1] if len(opts.operands) == 2 else opts.get("i")
    if source is not None:
        try:
            with ctx.storage.open_read(str(source), ctx.cwd) as stream:
                data = b"".join(chunks(stream))
        except OSError as exc:
            return ctx.fail(f"{source}: {strerror(exc)}")
    else:
        data = b"".join(chunks(ctx.stdin))
    if "d" in opts:
        folder = str(opts.get("d"))
        try:
            device = ctx.storage.resolve(folder, ctx.cwd).device
            if not ctx.storage.exists(device) or not os.path.isdir(ctx.storage.host(device)):
                raise OSError(errno.ENOENT if not ctx.storage.exists(device) else errno.ENOTDIR, "")
        except OSError as exc:
            return ctx.fail(f"chdir '{folder}': {os.strerror(exc.errno or errno.ENOENT)}")
        ctx.cwd = device
    job = _Patch(ctx, opts, opts.operands[0] if opts.operands else None)
    try:
        return job.run(_split(data))
    except _Stop:
        return 1
