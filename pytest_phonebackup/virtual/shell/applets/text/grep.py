"""grep, egrep and fgrep: toybox's matcher, its options, colours and recursive walks over the
phone's storage. Not for the regular-expression dialects themselves (`..regex`).
"""

import errno
import fnmatch
import re
import stat as statmod
from collections import deque
from collections.abc import Sequence

from regex import Pattern as PosixPattern

from ...api import Context, applet
from ..options import Inputs, UsageError, arg_bytes, number, parse
from ..regex import RegexError, compile_posix, toybox_fast
from .base import usage
from .sorting import _records


# -- grep -------------------------------------------------------------------------------------
class _Matcher:
    """grep's patterns: finds the leftmost (then longest) match of any of them in a line."""

    def __init__(self, patterns: list[bytes], fixed: bool, extended: bool, ignore_case: bool):
        # toybox files "", and (unless -F) a lone ^ or $, under "always matches"; that rule
        # never applies with -o, so such patterns print nothing there
        anchors_only = (b"",) if fixed else (b"", b"^", b"$")
        self.match_all = any(p in anchors_only for p in patterns)
        self.regexes: list[re.Pattern[bytes] | PosixPattern] = []
        for pattern in patterns:
            if pattern in anchors_only:
                continue
            flags = re.IGNORECASE if ignore_case else 0
            fast = None if fixed else toybox_fast(pattern, extended)
            if fixed:
                self.regexes.append(re.compile(re.escape(pattern), flags))
            elif fast is not None:
                self.regexes.append(re.compile(fast.encode("latin-1"), flags))
            else:
                try:
                    self.regexes.append(compile_posix(pattern, extended, ignore_case))
                except RegexError as exc:
                    raise RegexError(f"bad regex '{pattern.decode('utf-8', 'surrogateescape')}': {exc}") from None

    def search(self, line: bytes, pos: int, match_all: bool = True) -> tuple[int, int] | None:
        best = None
        for regex in self.regexes:
            found = regex.search(line, pos)
            if found and (best is None or found.start() < best[0]
                          or (found.start() == best[0] and found.end() >= best[1])):
                best = (found.start(), found.end())
        if best is None and self.match_all and match_all:
            best = (pos, pos)
        return best


# grep's colours (toybox: purple names, cyan separators, green numbers, red matches)
_COLORS = {"name": b"\x1b[35m", "sep": b"\x1b[36m", "number": b"\x1b[32m", "match": b"\x1b[1;31m",
           "plain": b"\x1b[m"}


_WORD_BYTES = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def _is_word(line: bytes, index: int) -> bool:
    """grep -w: is the byte at `index` (if any) part of a word?"""
    return 0 <= index < len(line) and line[index] in _WORD_BYTES


class _Grep:
    def __init__(self, ctx: Context, opts, matcher: _Matcher):
        self.ctx = ctx
        self.o = opts
        self.matcher = matcher
        self.found = False
        self.max = number(opts.get("m")) if "m" in opts else None
        self.plain = not any(letter in opts for letter in "owx")
        # toybox 0.8.9 turns colours off only for a bare --color or --color=auto (stdout is no tty)
        self.color = opts.get("color") not in (None, True, "auto")
        context = number(opts.get("C", "0"))
        self.before = number(opts.get("B")) if "B" in opts else context
        self.after = number(opts.get("A")) if "A" in opts else context

    def matches(self, line: bytes, every: bool | None = None) -> list[tuple[int, int]]:
        """The spans grep reports in one line: one for a plain match, all of them (`every`) for -o."""
        o = self.o
        every = "o" in o if every is None else every
        if self.plain and not every:  # no -o/-w/-x: whether any pattern matches is all that counts
            if self.matcher.match_all or any(r.search(line) for r in self.matcher.regexes):
                return [(0, len(line))]
            return []
        spans = []
        pos = 0
        # toybox retries from a later position only while one is left: never at the line's end
        while pos == 0 or pos < len(line):
            hit = self.matcher.search(line, pos, match_all="o" not in o)
            if hit is None:
                break
            start, end = hit
            if "x" in o and (start != 0 or end != len(line)):
                if start == 0 and self.matcher.match_all is False:
                    # a shorter first match may hide a full-line one: anchor and retry
                    full = [r.fullmatch(line) for r in self.matcher.regexes]
                    if any(full):
                        spans.append((0, len(line)))
                break
            if "w" in o and (_is_word(line, start - 1) or _is_word(line, end)):
                pos = start + 1
                continue
            if every and start == end:
                if not line:  # toybox counts an empty match on an empty line, printing nothing
                    spans.append((0, 0))
                    break
                pos = end + 1
                continue
            spans.append((start, end))
            if not every or end == len(line):
                break
            pos = end if end > start else end + 1
        return spans

    def run_stream(self, name: str, stream, binary: bool) -> bool:
        """Grep one input; returns True if it asked to stop everything (-q found a line)."""
        o = self.o
        ctx = self.ctx
        delim = b"\0" if "z" in o else b"\n"
        label = name.encode("utf-8", "surrogateescape")
        before: deque[tuple[int, bytes, int]] = deque(maxlen=self.before or None)
        after = 0
        last_shown = 0  # number of the last line printed, for the `--` between context groups
        selected = 0
        number_ = 0

        paint = _COLORS if self.color else dict.fromkeys(_COLORS, b"")

        def prefix(n: int, dash: bytes, offset: int) -> bytes:
            head = paint["name"] + label + paint["sep"] + dash if "H" in o else b""
            if "n" in o:
                head += paint["number"] + b"%d" % n + paint["sep"] + dash
            if "b" in o:
                head += paint["number"] + b"%d" % offset + paint["sep"] + dash
            return head

        def show(n: int, text: bytes, dash: bytes, offset: int, body: bytes | None = None) -> None:
            nonlocal last_shown
            if (self.before or self.after) and last_shown and n > last_shown + 1:
                ctx.stdout.write(b"--\n")
            if body is None:
                body = (paint["match"] if "o" in o else paint["plain"]) + text
            ctx.stdout.write(prefix(n, dash, offset) + body + delim)
            last_shown = n

        def painted(line: bytes, spans: list[tuple[int, int]]) -> bytes:
            """A selected line with its matches in red, as toybox draws it with colours on."""
            pieces, pos = [], 0
            for start, end in spans:
                pieces += [paint["plain"], line[pos:start], paint["match"], line[start:end]]
                pos = end
            return b"".join(pieces + [paint["plain"], line[pos:]])

        offset = 0  # byte offset of the line, for -b
        for line in _records(stream, delim):
            number_ += 1
            line_offset, offset = offset, offset + len(line) + 1
            spans = self.matches(line)
            if "v" in o and "o" in o:
                # toybox prints the pieces of the line between the matches
                edges = [0] + [x for span in spans for x in span] + [len(line)]
                spans = [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b > a]
            elif "v" in o:
                spans = [] if spans else [(0, len(line))]
            if not spans:
                if after:
                    after -= 1
                    show(number_, line, b"-", line_offset)
                elif self.before:
                    before.append((number_, line, line_offset))
                continue
            selected += 1
            self.found = True
            if "q" in o:
                return True
            if "l" in o or "L" in o:
                break
            if "c" not in o:
                if binary:
                    ctx.out(f"Binary file {name} matches\n")
                elif "o" in o:
                    for start, end in spans:
                        if end > start:
                            show(number_, line[start:end], b":", line_offset + start)
                else:
                    while before:
                        n, text, at = before.popleft()
                        show(n, text, b"-", at)
                    body = None
                    if self.color:
                        body = painted(line, spans if "v" in o else self.matches(line, every=True))
                    show(number_, line, b":", line_offset, body)
                    after = self.after
            if self.max is not None and selected >= self.max:
                break
        if "l" in o and selected:
            ctx.stdout.write(label + (b"\0" if "Z" in o else b"\n"))
        elif "L" in o and not selected:
            ctx.stdout.write(label + b"\n")
        elif "c" in o:
            head = paint["name"] + label + paint["sep"] + b":" if "H" in o else b""
            ctx.stdout.write(head + paint["plain"] + str(selected).encode() + delim)
        return False

    def _line_no(self, n: int) -> bytes:
        return f"{n}:".encode() if "n" in self.o else b""


def _looks_binary(head: bytes) -> bool:
    """toybox: a seekable file whose first 256 bytes are not UTF-8 is reported as binary."""
    try:
        head.decode("utf-8")
        return b"\0" in head
    except UnicodeDecodeError as exc:
        return exc.reason != "unexpected end of data"


@applet("grep", "egrep", "fgrep")
def grep(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "EFHILRZabcfhilnoqrsvwxz", "efmABC", {
            "count": "c", "files-with-matches": "l", "files-without-match": "L", "quiet": "q",
            "silent": "q", "only-matching": "o", "no-filename": "h", "with-filename": "H",
            "ignore-case": "i", "invert-match": "v", "word-regexp": "w", "line-regexp": "x",
            "line-number": "n", "recursive": "r", "dereference-recursive": "R", "regexp": "e",
            "extended-regexp": "E", "fixed-strings": "F", "max-count": "m", "text": "a",
            "no-messages": "s", "after-context": "A", "before-context": "B", "context": "C",
            "null-data": "z", "color": "color", "colour": "color", "line-buffered": "line-buffered",
            "include": "include=", "exclude": "exclude=", "exclude-dir": "exclude-dir=", "byte-offset": "b",
            "binary-files": "binary-files="})
    except UsageError as exc:
        return usage(ctx, exc, 2)
    name = argv[0].rsplit("/", 1)[-1]
    if name == "egrep":
        opts.values["E"] = [True]
    if name == "fgrep":
        opts.values["F"] = [True]
    if "R" in opts:
        opts.values["r"] = [True]
    patterns = [arg_bytes(p) for p in opts.all("e")]
    for path in opts.all("f"):
        try:
            with ctx.storage.open_read(path, ctx.cwd) as src:
                patterns += src.read().split(b"\n")[:-1] or [b""]
        except OSError as exc:
            return ctx.fail(f"{path}: {exc.strerror}", 2)
    files = list(opts.operands)
    if not patterns and "f" not in opts:
        if not files:
            return ctx.fail("no REGEX", 2)
        patterns = [arg_bytes(files.pop(0))]
    # a pattern holding newlines is several patterns
    patterns = [piece for p in patterns for piece in p.split(b"\n")]
    try:
        matcher = _Matcher(patterns, "F" in opts, "E" in opts, "i" in opts)
    except RegexError as exc:
        return ctx.fail(str(exc), 2)
    if "h" not in opts and len(files) > 1:
        opts.values["H"] = [True]
    try:
        state = _Grep(ctx, opts, matcher)
    except UsageError as exc:
        return usage(ctx, exc, 2)
    errors = Inputs(ctx, [], error_status=2, quiet="s" in opts)
    if "r" in opts:
        for top in files or ["."]:
            if top == "-":
                if state.run_stream("(standard input)", ctx.stdin, False):
                    return 0
                continue
            for path in _walk_files(ctx, top, errors, "R" in opts, opts.all("exclude-dir")):
                if path != top and "h" not in opts:
                    opts.values["H"] = [True]
                if not _wanted(path.rsplit("/", 1)[-1], opts.all("include"), opts.all("exclude")):
                    continue
                if _grep_file(ctx, state, path, errors):
                    return 0
    else:
        for path in files or ["-"]:
            if path == "-":
                if state.run_stream("(standard input)", ctx.stdin, False):
                    return 0
            elif _grep_file(ctx, state, path, errors):
                return 0
    if errors.status:
        return 2
    return 0 if state.found else 1


def _grep_file(ctx: Context, state: _Grep, path: str, errors: Inputs) -> bool:
    try:
        stream = ctx.storage.open_read(path, ctx.cwd)
    except OSError as exc:
        if exc.errno != errno.EISDIR:
            errors.failed(path, exc)
        else:  # toybox opens a folder fine and only fails to read it: "tried", nothing matched
            if not errors.quiet:
                ctx.err(f"{path}: {exc.strerror}")
            if "L" in state.o:
                ctx.out(path + "\n")
        return False
    with stream:
        binary = False
        if "a" not in state.o:
            binary = _looks_binary(stream.read(256))
            stream.seek(0)
            if binary and "I" in state.o:
                return False
        return state.run_stream(path, stream, binary)


def _wanted(name: str, include: list[str], exclude: list[str]) -> bool:
    """grep -r --include/--exclude: shell patterns on the file's name."""
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude):
        return False
    return not include or any(fnmatch.fnmatchcase(name, pattern) for pattern in include)


def _walk_files(ctx: Context, top: str, errors: Inputs, follow_all: bool, skip_dirs: Sequence[str] = ()):
    """Files under `top` in toybox's dirtree order (a folder's entries in directory order,
    which we make name order); symlinks on the command line are followed, inside only with -R."""
    try:
        st = ctx.storage.stat(top, ctx.cwd)
    except OSError as exc:
        errors.failed(top, exc)
        return
    if not statmod.S_ISDIR(st.st_mode):
        yield top
        return
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = ctx.storage.listdir(folder, ctx.cwd)
        except OSError as exc:
            errors.failed(folder, exc)
            continue
        subdirs = []
        for entry in entries:
            path = folder.rstrip("/") + "/" + entry.name if folder != "/" else "/" + entry.name
            if entry.is_symlink() and not follow_all:
                if entry.is_dir(follow_symlinks=False):
                    continue
                try:
                    target = ctx.storage.stat(path, ctx.cwd)
                except OSError:
                    continue
                if statmod.S_ISDIR(target.st_mode):
                    continue
                yield path
            elif entry.is_dir(follow_symlinks=False) or (entry.is_symlink() and _is_dir(ctx, path)):
                if not any(fnmatch.fnmatchcase(entry.name, pattern) for pattern in skip_dirs):
                    subdirs.append(path)
            else:
                yield path
        stack.extend(reversed(subdirs))


def _is_dir(ctx: Context, path: str) -> bool:
    try:
        return statmod.S_ISDIR(ctx.storage.stat(path, ctx.cwd).st_mode)
    except OSError:
        return False
