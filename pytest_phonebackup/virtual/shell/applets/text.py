"""Toybox's text applets on the virtual phone: cat, head, tail, wc, grep, sort, uniq, cut, tr,
echo, printf, seq, yes, tee. Output formats, exit statuses and error texts follow toybox 0.8.9
(and mksh for its builtin `echo`). All but sort stream; sed lives in `sed.py`, hashes in `hashing.py`.
"""

from __future__ import annotations

import errno
import fnmatch
import functools
import re
import stat as statmod
from collections import deque
from collections.abc import Sequence

from ...storage import CountedWriter
from ..api import Context, applet
from ..streams import BrokenPipe, Output
from .options import CHUNK, Inputs, UsageError, arg_bytes, chunks, lines, number, parse, write_all
from .regex import RegexError, compile_posix, toybox_fast


def usage(ctx: Context, exc: UsageError, status: int = 1) -> int:
    return ctx.fail(str(exc), status)


# -- cat ------------------------------------------------------------------------------------
def _visible(data: bytes, tabs: bool, ends: bool) -> bytes:
    """cat -v/-t/-e: ^X for control bytes, M- for high bytes, ^I for tabs, $ before newlines."""
    out = bytearray()
    for b in data:
        if b == 10:
            if ends:
                out += b"$"
            out.append(10)
            continue
        if b == 9 and not tabs:
            out.append(9)
            continue
        if b >= 128:
            out += b"M-"
            b -= 128
        if b < 32 or b == 127:
            out += b"^" + bytes([b ^ 0x40])
        else:
            out.append(b)
    return bytes(out)


@applet("cat")
def cat(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "etuv")
    except UsageError as exc:
        return usage(ctx, exc)
    show = "v" in opts or "e" in opts or "t" in opts
    inputs = Inputs(ctx, opts.operands)
    for _name, stream in inputs:
        if not show:
            for data in chunks(stream):
                ctx.stdout.write(data)
        else:
            for line in lines(stream):
                ctx.stdout.write(_visible(line, "t" in opts, "e" in opts))
    return inputs.status


# -- head / tail ------------------------------------------------------------------------------
def _header(ctx: Context, name: str, index: int) -> None:
    ctx.out(("\n" if index else "") + f"==> {'standard input' if name == '-' else name} <==\n")


@applet("head")
def head(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "qv", "nc", {"lines": "n", "bytes": "c", "quiet": "q", "silent": "q",
                                        "verbose": "v"}, unknown_as_operands=True)
        count_lines = number(opts.get("n", "10"))
        count_bytes = number(opts.get("c")) if "c" in opts else None
        for letter, value in (("n", count_lines), ("c", count_bytes)):
            if value is not None and value < 0:
                raise UsageError(f"-{letter} < 0 (see \"head --help\")")
        # the old `head -42 FILE` style: a first operand starting with '-' is the count
        if opts.operands and opts.operands[0].startswith("-") and len(opts.operands[0]) > 1:
            count_lines = number(opts.operands.pop(0)[1:])
    except UsageError as exc:
        return usage(ctx, exc)
    headers = (len(opts.operands) > 1 and "q" not in opts) or "v" in opts
    inputs = Inputs(ctx, opts.operands, directories="defer")
    for index, (name, stream) in enumerate(inputs):
        if headers:
            _header(ctx, name, index)
        try:
            _head_copy(ctx, stream, count_lines, count_bytes)
        except OSError as exc:
            inputs.failed(name, exc)
    return inputs.status


def _head_copy(ctx: Context, stream, count_lines: int, count_bytes: int | None) -> None:
    if count_bytes is not None:
        left = count_bytes
        while left:
            data = stream.read(min(left, 65536))
            if not data:
                break
            ctx.stdout.write(data)
            left -= len(data)
        return
    left = count_lines
    while left:
        data = stream.read(CHUNK)
        if not data:
            break
        pos = 0
        while left:
            cut = data.find(b"\n", pos)
            if cut < 0:
                pos = len(data)
                break
            pos, left = cut + 1, left - 1
        ctx.stdout.write(data[:pos])


@applet("tail")
def tail(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "fF", "ncs", {"lines": "n", "bytes": "c", "follow": "f"},
                     unknown_as_operands=True)
        by_bytes = "c" in opts
        text = opts.get("c" if by_bytes else "n")
        if text is None and opts.operands and opts.operands[0][:1] in ("-", "+") and len(opts.operands[0]) > 1:
            # the old `tail -42 FILE` / `tail +42 FILE` style
            text = opts.operands.pop(0)
        text = str(text or "10")
        from_start = text.startswith("+")
        count = abs(number(text.lstrip("+")))
        if count == 0:  # toybox 0.8.9 prints everything for -n 0
            from_start, count = True, 1
    except UsageError as exc:
        return usage(ctx, exc)
    headers = len(opts.operands) > 1
    inputs = Inputs(ctx, opts.operands, directories="empty")
    for index, (name, stream) in enumerate(inputs):
        if headers:
            _header(ctx, name, index)
        if from_start:
            _tail_from(ctx, stream, by_bytes, max(count, 1))
        elif by_bytes:
            kept = bytearray()
            for data in chunks(stream):
                kept += data
                if len(kept) > count:
                    del kept[: len(kept) - count]
            ctx.stdout.write(bytes(kept))
        else:
            last: deque[bytes] = deque(maxlen=count)
            for line in lines(stream):
                last.append(line)
            for line in last:
                ctx.stdout.write(line)
    return inputs.status


def _tail_from(ctx: Context, stream, by_bytes: bool, start: int) -> None:
    """tail -n +N / -c +N: everything from line (byte) N on."""
    if by_bytes:
        skip = start - 1
        while skip:
            data = stream.read(min(skip, 65536))
            if not data:
                return
            skip -= len(data)
        for data in chunks(stream):
            ctx.stdout.write(data)
        return
    to_skip = start - 1
    for data in chunks(stream):
        pos = 0
        while to_skip:
            cut = data.find(b"\n", pos)
            if cut < 0:
                pos = len(data)
                break
            pos, to_skip = cut + 1, to_skip - 1
        ctx.stdout.write(data[pos:])


# -- wc ---------------------------------------------------------------------------------------
@applet("wc")
def wc(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "lwcm", "", {"lines": "l", "words": "w", "bytes": "c", "chars": "m"})
    except UsageError as exc:
        return usage(ctx, exc)
    shown = [letter for letter in "lwcm" if letter in opts] or ["l", "w", "c"]
    files = opts.operands
    width = 0 if (not files and len(shown) == 1) or len(files) == 1 else 7
    totals = dict.fromkeys("lwcm", 0)

    def show(counts: dict[str, int], name: str | None) -> None:
        cells = [f"{counts[letter]:{width}d}" for letter in shown]
        ctx.out(" ".join(cells) + (f" {name}" if name is not None else "") + "\n")

    inputs = Inputs(ctx, files, directories="report-empty")
    for name, stream in inputs:
        counts = _count(stream, shown)
        for letter in totals:
            totals[letter] += counts[letter]
        show(counts, name if files else None)
    if len(files) > 1:
        show(totals, "total")
    return inputs.status


_SPACE = frozenset(b" \t\n\v\f\r")
_WORD = re.compile(rb"[^ \t\n\v\f\r]+")
_UNICODE_WORD = re.compile(r"\S+")
_INVALID = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def _count(stream, shown: list[str]) -> dict[str, int]:
    """Lines, words, bytes and (with -m) UTF-8 characters, chunk by chunk; with -m words are
    split at Unicode spaces and invalid bytes count as nothing, as toybox's wc does."""
    counts = dict.fromkeys("lwcm", 0)
    chars, words = "m" in shown, "w" in shown
    in_word = False
    pending = b""  # an incomplete UTF-8 sequence at a chunk's end
    for data in chunks(stream):
        counts["l"] += data.count(b"\n")
        counts["c"] += len(data)
        unit: str | bytes
        if chars:
            text = (pending + data).decode("utf-8", "surrogateescape")
            pending = b""
            # a trailing partial sequence decodes to surrogates; hold it for the next chunk
            tail = len(text)
            while tail and 0xDC80 <= ord(text[tail - 1]) <= 0xDCFF and len(text) - tail < 3:
                tail -= 1
            if tail < len(text):
                pending = text[tail:].encode("utf-8", "surrogateescape")
                text = text[:tail]
            invalid = len(_INVALID.findall(text))
            counts["m"] += len(text) - invalid
            unit = _INVALID.sub("", text) if invalid else text
        else:
            unit = data
        if words and unit:
            n, starts_with_space, ends_with_space = _words_in(unit)
            if in_word and not starts_with_space:
                n -= 1  # the word that ended the previous chunk goes on
            counts["w"] += n
            in_word = not ends_with_space
    return counts


def _words_in(unit: str | bytes) -> tuple[int, bool, bool]:
    """Words in a non-empty chunk (Unicode spaces split decoded text, ASCII ones split bytes),
    and whether the chunk starts and ends with a space."""
    if isinstance(unit, str):
        return len(_UNICODE_WORD.findall(unit)), unit[0].isspace(), unit[-1].isspace()
    return len(_WORD.findall(unit)), unit[0] in _SPACE, unit[-1] in _SPACE


# -- grep -------------------------------------------------------------------------------------
class _Matcher:
    """grep's patterns: finds the leftmost (then longest) match of any of them in a line."""

    def __init__(self, patterns: list[bytes], fixed: bool, extended: bool, ignore_case: bool):
        # toybox files "", and (unless -F) a lone ^ or $, under "always matches"; that rule
        # never applies with -o, so such patterns print nothing there
        anchors_only = (b"",) if fixed else (b"", b"^", b"$")
        self.match_all = any(p in anchors_only for p in patterns)
        self.regexes = []
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


# -- sort -------------------------------------------------------------------------------------
class _Key:
    def __init__(self, start_field: int, start_char: int = 0, end_field: int = 0, end_char: int = 0,
                 flags: str = ""):
        self.range = [start_field, start_char, end_field, end_char]
        self.flags = flags


def _isspace(b: int) -> bool:
    return b in _SPACE


def _key_data(line: bytes, key: _Key, flags: str, sep: bytes | None) -> bytes:
    """The part of a line a sort key covers (toybox's field and character arithmetic)."""
    rng = key.range
    if rng == [1, 0, 0, 0] and not any(f in flags for f in "bdiB"):
        return line
    n = len(line)
    start = end = 0
    for j in range(2):
        if not rng[2 * j]:
            end = n
        else:
            end = 0
            for _ in range(1, rng[2 * j] + j):
                if end < n and sep is None:
                    while end < n and _isspace(line[end]):
                        end += 1
                while end < n:
                    if sep is not None:
                        if line[end] == sep[0]:
                            end += 1
                            break
                    elif _isspace(line[end]):
                        break
                    end += 1
        if not j:
            start = end
    if sep is not None and start < n and line[start] == sep[0]:
        start += 1
    if "b" in flags or (sep is None and not rng[3]):
        while start < n and _isspace(line[start]):
            start += 1
    if "B" in flags:  # trailing blanks (b after the comma)
        while end > start and _isspace(line[end - 1]):
            end -= 1
    if rng[3]:
        end = min(end + rng[3] - 1, n)
    if rng[1]:
        start = min(start + rng[1] - 1, n)
    end = max(end, start)
    data = line[start:end]
    if "d" in flags:
        data = bytes(b for b in data if _isspace(b) or chr(b).isalnum() and b < 128)
    if "i" in flags:
        data = bytes(b for b in data if 32 <= b < 127)
    return data


_LEADING_INT = re.compile(rb"[ \t\n\v\f\r]*([+-]?\d+)")


def _atoll(data: bytes) -> int:
    found = _LEADING_INT.match(data)
    return int(found.group(1)) if found else 0


def _cmp(a, b) -> int:
    return (a > b) - (a < b)


_LEADING_FLOAT = re.compile(rb"[ \t\n\v\f\r]*([+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan))",
                            re.IGNORECASE)
_LEADING_HEX = re.compile(rb"[ \t\n\v\f\r]*([+-]?)(?:0[xX])?([0-9a-fA-F]+)")
_MONTHS = [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"]


def _month(data: bytes) -> int | None:
    """strptime("%b"): a month name (abbreviated or full) at the start, after blanks."""
    text = data.lstrip(b" \t\n\v\f\r").lower()
    for index, abbrev in enumerate(_MONTHS):
        if text.startswith(abbrev):
            return index
    return None


def _compare_version(x: bytes, y: bytes) -> int:
    """sort -V: runs of digits compare as numbers; `-rc`/`-pre` suffixes sort first."""
    i = j = 0
    while i < len(x) and j < len(y):
        while i < len(x) and j < len(y) and x[i] == y[j]:
            i, j = i + 1, j + 1
        if i < len(x) and j < len(y) and chr(x[i]).isdigit() and chr(y[j]).isdigit():
            digits_x = re.match(rb"\d+", x[i:])
            digits_y = re.match(rb"\d+", y[j:])
            assert digits_x is not None and digits_y is not None  # both start with a digit (checked above)
            a, b = digits_x.group(0), digits_y.group(0)
            if int(a) != int(b):
                return -1 if int(a) < int(b) else 1
            i, j = i + len(a), j + len(b)
        else:
            xx = x[i] if i < len(x) else x[i - 1]
            yy = y[j] if j < len(y) else y[j - 1]
            if xx != yy:
                if xx < yy and not y[j:].startswith((b"-rc", b"-pre")):
                    return -1
                return 1
    return (1 if j < len(y) else 0) if i < len(x) else -1


def _compare_values(flags: str, x: bytes, y: bytes) -> int:
    """toybox's compare_values(): -g, -M, -x, -V, -n, -f or plain bytes."""
    if "g" in flags:
        fx, fy = _LEADING_FLOAT.match(x), _LEADING_FLOAT.match(y)
        if not fx:
            return 0 if not fy else -1
        if not fy:
            return 1
        dx, dy = float(fx.group(1)), float(fy.group(1))
        if dx != dx:
            return 0 if dy != dy else -1
        if dy != dy:
            return 1
        return _cmp(dx, dy)
    if "M" in flags:
        mx, my = _month(x), _month(y)
        if mx is None:
            return 0 if my is None else -1
        if my is None:
            return 1
        return mx - my
    if "V" in flags:
        return _compare_version(x, y)
    return _cmp(_sort_value(flags, x), _sort_value(flags, y))


def _hexval(data: bytes) -> int:
    found = _LEADING_HEX.match(data)
    if not found:
        return 0
    value = int(found.group(2), 16)
    return -value if found.group(1) == b"-" else value


def _sort_value(flags: str, data: bytes):
    """What -x, -n, -f and plain keys compare (computed once per line when sorting)."""
    if "x" in flags:
        return _hexval(data)
    if "n" in flags:
        return _atoll(data)
    if "f" in flags:
        return data.lower()
    return data


def _prepare(flags: str, data: bytes):
    """A key ready for comparing: -g, -M and -V keys stay raw, others become plain values."""
    return data if any(f in flags for f in "gMV") else _sort_value(flags, data)


@applet("sort")
def sort(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "bcdfinrsuzCgMVx", "ktoST", {
            "reverse": "r", "unique": "u", "numeric-sort": "n", "ignore-case": "f", "key": "k",
            "field-separator": "t", "output": "o", "stable": "s", "general-numeric-sort": "g",
            "month-sort": "M", "version-sort": "V", "dictionary-order": "d", "ignore-nonprinting": "i",
            "ignore-leading-blanks": "b", "zero-terminated": "z", "check": "c"})
        global_flags = "".join(letter for letter in "bdfinrgMVx" if letter in opts)
        if "b" in opts:
            global_flags += "B"
        sep = arg_bytes(opts.get("t"))[:1] if "t" in opts else None
        keys = [_parse_key(text) for text in opts.all("k")] or [_Key(1)]
    except UsageError as exc:
        return usage(ctx, exc, 2)
    stable = "s" in opts or "u" in opts
    delim = b"\0" if "z" in opts else b"\n"

    key_flags = [key.flags or global_flags for key in keys]
    raw = [any(f in flags for f in "gMV") for flags in key_flags]

    def prepared(record: bytes) -> tuple[bytes, list]:
        return record, [_prepare(flags, _key_data(record, key, flags, sep))
                        for key, flags in zip(keys, key_flags, strict=True)]

    def compare_prepared(a: tuple[bytes, list], b: tuple[bytes, list]) -> int:
        result = 0
        flags = global_flags
        for index, flags in enumerate(key_flags):
            x, y = a[1][index], b[1][index]
            result = _compare_values(flags, x, y) if raw[index] else _cmp(x, y)
            if result:
                break
        if not result and not stable:
            flags = global_flags
            result = _cmp(a[0], b[0])
        return -result if "r" in flags else result

    def compare(x: bytes, y: bytes) -> int:
        return compare_prepared(prepared(x), prepared(y))

    inputs = Inputs(ctx, opts.operands, error_status=2, directories="empty")
    records: list[bytes] = []
    check = "c" in opts or "C" in opts
    for name, stream in inputs:
        parts = b"".join(chunks(stream)).split(delim)
        if parts and parts[-1] == b"":
            parts.pop()
        if delim == b"\n":
            parts = [part.split(b"\0", 1)[0] for part in parts]  # toybox's lines are C strings
        for part in parts:
            # -c checks as it reads, so the message names the file holding the first disorder
            if check and records and compare(records[-1], part) > (-1 if "u" in opts else 0):
                if "C" not in opts:
                    ctx.err(f"{name}: Check line {len(records) + 1}")
                return 1
            records.append(part)
    if check:
        return inputs.status
    items = [prepared(record) for record in records]
    items.sort(key=functools.cmp_to_key(compare_prepared))
    if "u" in opts:
        unique: list[tuple[bytes, list]] = []
        for item in items:
            if not unique or compare_prepared(unique[-1], item):
                unique.append(item)
        items = unique
    records = [item[0] for item in items]
    body = b"".join(record + delim for record in records)
    if "o" in opts:
        try:
            ctx.storage.write_bytes(opts.get("o"), body, ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{opts.get('o')}: {exc.strerror}", 2)
    else:
        write_all(ctx.stdout, body)
    return inputs.status


def _parse_key(text: str) -> _Key:
    """-k F[.C][flags][,F[.C][flags]]"""
    key = _Key(0)
    index = 0
    rest = text
    while rest:
        found = re.match(r"(\d*)(?:\.(\d*))?", rest)
        assert found is not None  # every part of the pattern is optional: it matches any text
        key.range[2 * index] = int(found.group(1) or 0)
        if found.group(2) is not None:
            key.range[2 * index + 1] = int(found.group(2) or 0)
        rest = rest[found.end():]
        while rest:
            c, rest = rest[0], rest[1:]
            if c == "," and index == 0:
                index = 1
                break
            if c not in "xVbMCdfirn":  # the flags toybox lets a key carry
                raise UsageError("Unknown key option.")
            key.flags += "B" if (index and c == "b") else c
    return key


# -- uniq -------------------------------------------------------------------------------------
@applet("uniq")
def uniq(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "cduiz", "wfs", {"count": "c", "repeated": "d", "unique": "u",
                                            "ignore-case": "i"})
        width = number(opts.get("w")) if "w" in opts else None
        skip_fields = number(opts.get("f", "0"))
        skip_chars = number(opts.get("s", "0"))
        if len(opts.operands) > 2:
            raise UsageError("Max 2 arguments")
    except UsageError as exc:
        return usage(ctx, exc)
    delim = b"\0" if "z" in opts else b"\n"

    def key(line: bytes) -> bytes:
        # toybox compares whole records with their newline, and -f counts it as a blank
        pos = 0
        for _ in range(skip_fields):
            while pos < len(line) and line[pos] in _SPACE:
                pos += 1
            while pos < len(line) and line[pos] not in _SPACE:
                pos += 1
        data = line[pos + skip_chars:]
        if width is not None:
            data = data[:width]
        return data.lower() if "i" in opts else data

    names = opts.operands[:1]
    out: Output = ctx.stdout
    out_file: CountedWriter | None = None
    if len(opts.operands) == 2 and opts.operands[1] != "-":
        try:
            out = out_file = ctx.storage.open_write(opts.operands[1], ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{opts.operands[1]}: {exc.strerror}")
    inputs = Inputs(ctx, names, directories="empty", label="No file ")
    try:
        for _name, stream in inputs:
            current = None
            ending = delim
            repeats = 0
            for record, end in _records_with_ends(stream, delim):
                if current is not None and key(record + end) == key(current + ending):
                    repeats += 1
                    continue
                _uniq_line(out, opts, current, repeats, ending)
                current, ending, repeats = record, end, 0
            _uniq_line(out, opts, current, repeats, ending)
    finally:
        if out_file is not None:
            out_file.close()
    return inputs.status


def _uniq_line(out, opts, line: bytes | None, repeats: int, delim: bytes) -> None:
    if line is None or ("d" in opts and not repeats) or ("u" in opts and repeats):
        return
    out.write((f"{repeats + 1:7d} ".encode() if "c" in opts else b"") + line + delim)


def _records_with_ends(stream, delim: bytes):
    """(record, its delimiter) pairs; the last record may have none, and uniq keeps it so."""
    pending = b""
    for data in chunks(stream):
        pending += data
        *done, pending = pending.split(delim)
        for record in done:
            yield record, delim
    if pending:
        yield pending, b""


def _records(stream, delim: bytes):
    """Records without their delimiter, split from chunks as they arrive (a slow writer's lines
    still come out one by one)."""
    pending = b""
    for data in chunks(stream):
        pending += data
        *done, pending = pending.split(delim)
        yield from done
    if pending:
        yield pending


# -- cut --------------------------------------------------------------------------------------
def _cut_ranges(text: str, letter: str) -> list[list[int]]:
    pairs = []
    for piece in text.split(","):
        found = re.fullmatch(r"(\d*)(-?)(\d*)", piece)
        prefix = f"bad -{letter} '{piece}'"
        indent = len(f"cut: bad -{letter} '")  # the caret line points into the list, as toybox's does
        if not found or piece in ("", "-"):
            raise UsageError(prefix)
        low = int(found.group(1)) if found.group(1) else 0
        high = int(found.group(3)) if found.group(3) else (low if not found.group(2) else 1 << 32)
        if found.group(1) and low < 1:
            raise UsageError(f"{prefix}\n{' ' * (indent + len(found.group(1)))}^")
        if found.group(3) and high < 1:
            raise UsageError(f"{prefix}\n{' ' * (indent + len(piece))}^")
        if low > high:
            raise UsageError(f"{prefix}\n{' ' * indent}^")
        pairs.append([low, high])
    return pairs


@applet("cut")
def cut(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "sDn", "bcfdO", {"output-delimiter": "O"})
        kinds = [letter for letter in "bcf" if letter in opts]
        if len(kinds) != 1:
            raise UsageError("Needs -CFfcb (see \"cut --help\")" if not kinds
                             else f"No '{kinds[0]}' with '{kinds[1]}' (see \"cut --help\")")
        if "s" in opts and "f" not in opts:
            raise UsageError("-s needs -Ff")
        if "d" in opts and "f" not in opts:
            raise UsageError("-d needs -Ff")
        kind = kinds[0]
        pairs = []
        for text in opts.all(kind):
            pairs += _cut_ranges(text, kind)
    except UsageError as exc:
        return usage(ctx, exc)
    if "D" not in opts:
        pairs.sort()
        merged: list[list[int]] = []
        for pair in pairs:
            if merged and pair[0] <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], pair[1])
            else:
                merged.append(list(pair))
        pairs = merged
    delim = arg_bytes(opts.get("d", "\t"))
    joiner = arg_bytes(opts.get("O")) if "O" in opts else (delim if kind == "f" else b"")
    inputs = Inputs(ctx, opts.operands, directories="empty")
    for _name, stream in inputs:
        for raw in lines(stream):
            line = raw[:-1] if raw.endswith(b"\n") else raw
            picked, newline = _cut_line(line, kind, pairs, delim, joiner, "s" in opts, "D" in opts)
            ctx.stdout.write(picked + b"\n" if newline else picked)
    return inputs.status


def _cut_line(line: bytes, kind: str, pairs: list[list[int]], delim: bytes, joiner: bytes,
              only_delimited: bool, no_collate: bool) -> tuple[bytes, bool]:
    """One output line and whether it ends with a newline (-s stops a line short without one).

    This follows toybox 0.8.9's cut_line() step by step, quirks included: a selection starting
    past the line's length in bytes is skipped even for fields, field 1 of a line without
    delimiter is the whole line even with -s, and a later selection of such a line repeats it.
    """
    units = None
    if kind == "c":
        units = [ch.encode("utf-8", "surrogateescape") for ch in line.decode("utf-8", "surrogateescape")]
    out = bytearray()
    n = len(line)
    for index, (low, high) in enumerate(pairs):
        start = low - 1 if low else 0
        if start >= n:
            continue
        end = n if high > n else high
        count = end - start
        if kind != "f":
            if units is not None:
                if start >= len(units):
                    continue
                piece = b"".join(units[start:start + count])
            else:
                piece = line[start:end]
            out += (joiner if index and joiner else b"") + piece
            continue
        # skip `start` delimiters, then take `count` fields
        pos = 0
        skip = start
        while pos < n and skip:
            pos += 1
            if line[pos - 1] in delim:
                skip -= 1
        if pos >= n:
            if skip == start:  # no delimiter at all in the line
                if no_collate:
                    break
                if only_delimited:
                    return bytes(out), False
                out += line
                break
            continue
        first = pos
        take = count
        while pos < n and take:
            pos += 1
            if line[pos - 1] in delim:
                take -= 1
                if not take:
                    pos -= 1
        out += (joiner if index and joiner else b"") + line[first:pos]
    return bytes(out), True


# -- tr ---------------------------------------------------------------------------------------
_TR_CLASSES = {
    "alpha": bytes(b for b in range(256) if chr(b).isalpha() and b < 128),
    "digit": b"0123456789",
    "alnum": bytes(b for b in range(128) if chr(b).isalnum()),
    "upper": bytes(range(65, 91)), "lower": bytes(range(97, 123)),
    "space": b"\t\n\v\f\r ", "blank": b"\t ", "xdigit": b"0123456789ABCDEFabcdef",
    "punct": bytes(b for b in range(33, 127) if not chr(b).isalnum()),
    "print": bytes(range(32, 127)), "graph": bytes(range(33, 127)),
    "cntrl": bytes(list(range(32)) + [127]),
}
_TR_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}


def _tr_set(text: bytes) -> bytes:
    """Expand a tr SET: escapes, ranges, [:class:], [=c=] and [c*n]."""
    items: list[int] = []
    i = 0
    n = len(text)

    def one(pos: int) -> tuple[int, int]:
        if text[pos] == 92 and pos + 1 < n:
            nxt = chr(text[pos + 1])
            if nxt in "01234567":
                end = pos + 1
                while end < n and end < pos + 4 and chr(text[end]) in "01234567":
                    end += 1
                return int(text[pos + 1:end], 8) & 0xFF, end
            return _TR_ESCAPES.get(nxt, text[pos + 1]), pos + 2
        return text[pos], pos + 1

    while i < n:
        if text[i] == 91 and i + 1 < n and text[i + 1] in b":=":
            kind = text[i + 1:i + 2]
            end = text.find(kind + b"]", i + 2)
            if end > 0:
                name = text[i + 2:end].decode("latin-1")
                if kind == b":" and name in _TR_CLASSES:
                    items.extend(_TR_CLASSES[name])
                    i = end + 2
                    continue
                if kind == b"=" and end == i + 3:
                    items.append(text[i + 2])
                    i = end + 2
                    continue
        if text[i] == 91:
            found = re.match(rb"\[(\\?.)\*(\d*)\]", text[i:], re.S)
            if found:
                char, _ = one(i + 1)
                items.extend([char] * (int(found.group(2), 8 if found.group(2).startswith(b"0") else 10)
                                       if found.group(2) else 0) or [char])
                i += found.end()
                continue
        char, i = one(i)
        if i + 1 < n and text[i] == 45:
            high, after = one(i + 1)
            if high < char:
                raise UsageError(f"range '{chr(char)}-{chr(high)}' is backwards")
            items.extend(range(char, high + 1))
            i = after
            continue
        items.append(char)
    return bytes(items)


@applet("tr")
def tr(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "cCds", "", {"complement": "c", "delete": "d", "squeeze-repeats": "s"})
        sets = opts.operands
        if not sets or len(sets) > 2:
            raise UsageError("Needs 1-2 arguments")
        set1 = _tr_set(arg_bytes(sets[0]))
        set2 = _tr_set(arg_bytes(sets[1])) if len(sets) > 1 else b""
        if len(sets) == 1 and "d" not in opts and "s" not in opts:
            raise UsageError("Needs 2 arguments")
    except UsageError as exc:
        return usage(ctx, exc)
    if "c" in opts or "C" in opts:
        set1 = bytes(b for b in range(256) if b not in set1)
    delete = "d" in opts
    squeeze_set = set2 if (delete or len(sets) > 1) else set1
    table = list(range(256))
    if not delete and set2:
        for index, b in enumerate(set1):
            table[b] = set2[min(index, len(set2) - 1)]
    mapping = bytes(table)
    dropped = set1 if delete else b""
    squeeze = frozenset(squeeze_set) if "s" in opts else frozenset()
    last = -1
    for data in chunks(ctx.stdin):
        data = data.translate(mapping, dropped)
        if squeeze:
            out = bytearray()
            for b in data:
                if b == last and b in squeeze:
                    continue
                out.append(b)
                last = b
            data = bytes(out)
        ctx.stdout.write(data)
    return 0


# -- echo (mksh's builtin), printf --------------------------------------------------------------
_ECHO_ESCAPES = {"a": b"\a", "b": b"\b", "e": b"\x1b", "E": b"\x1b", "f": b"\f", "n": b"\n",
                 "r": b"\r", "t": b"\t", "v": b"\v", "\\": b"\\"}


@applet("echo")
def echo(ctx: Context, argv: list[str]) -> int:
    """On a phone `echo` is mksh's builtin: -n, -e, -E (combinable), escapes on by default,
    `\\c` drops the newline, `\\0NNN` octal and `\\xHH` hex."""
    args = argv[1:]
    newline, escapes = True, True
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for letter in args[0][1:]:
            if letter == "n":
                newline = False
            else:
                escapes = letter == "e"
        args = args[1:]
    text = arg_bytes(" ".join(args))
    if escapes:
        text, stop = _echo_escapes(text)
        if stop:
            newline = False
    ctx.stdout.write(text + (b"\n" if newline else b""))
    return 0


def _echo_escapes(text: bytes, cut: bool = False) -> tuple[bytes, bool]:
    """Backslash escapes; `\\c` drops the newline (mksh) or, with `cut`, all that follows (toybox)."""
    out = bytearray()
    stop = False
    i = 0
    while i < len(text):
        c = text[i]
        if c != 92 or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        nxt = chr(text[i + 1])
        if nxt in _ECHO_ESCAPES:
            out += _ECHO_ESCAPES[nxt]
            i += 2
        elif nxt == "c":
            if cut:
                return bytes(out), True
            stop = True
            i += 2
        elif nxt == "0":
            end = i + 2
            while end < len(text) and end < i + 5 and chr(text[end]) in "01234567":
                end += 1
            out.append(int(text[i + 2:end] or b"0", 8) & 0xFF)
            i = end
        elif nxt == "x" and i + 2 < len(text) and chr(text[i + 2]) in "0123456789abcdefABCDEF":
            end = i + 2
            while end < len(text) and end < i + 4 and chr(text[end]) in "0123456789abcdefABCDEF":
                end += 1
            out.append(int(text[i + 2:end], 16))
            i = end
        else:
            out.append(c)
            i += 1
    return bytes(out), stop


def toybox_echo(ctx: Context, argv: list[str]) -> int:
    """/system/bin/echo, what `env echo` runs: escapes only with -e (mksh's builtin is `echo`)."""
    args = argv[1:]
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for letter in args[0][1:]:
            if letter == "n":
                newline = False
            else:
                escapes = letter == "e"
        args = args[1:]
    text = arg_bytes(" ".join(args))
    if escapes:
        text, stop = _echo_escapes(text, cut=True)
        if stop:
            ctx.stdout.write(text)
            return 0
    ctx.stdout.write(text + (b"\n" if newline else b""))
    return 0


#: Programs whose /system/bin binary differs from the mksh builtin of the same name.
TOYBOX_BINARIES = {"echo": toybox_echo}


class _StopOutput(Exception):
    """printf's `\\c`: stop all output now."""


def _printf_escape(fmt: bytes, i: int, posix: bool) -> tuple[bytes, int]:
    """One backslash escape of printf (fmt[i] is the char after the backslash)."""
    if i >= len(fmt):
        return b"\\", i
    c = chr(fmt[i])
    if c == "c":
        raise _StopOutput
    base, pos = 0, i
    if c == "x":
        base, pos = 16, i + 1
    else:
        if posix and c == "0":
            pos += 1
        if pos < len(fmt) and chr(fmt[pos]) in "01234567":
            base = 8
    if not base:
        table = {"a": 7, "b": 8, "e": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92,
                 '"': 34, "'": 39}
        if c in table:
            return bytes([table[c]]), i + 1
        return b"\\", i
    digits = 2 if base == 16 else 3
    value = 0
    while digits and pos < len(fmt):
        try:
            value = value * base + int(chr(fmt[pos]), base)
        except ValueError:
            if base == 16 and digits == 2:
                raise UsageError("bad \\x") from None
            break
        pos += 1
        digits -= 1
    return bytes([value & 0xFF]), pos


def _strtonum(text: bytes, floating: bool):
    """(value, fully parsed) like strtoll(base 0)/strtold; 'c gives the char code."""
    if text[:1] in (b"'", b'"'):
        return (text[1] if len(text) > 1 else 0), True
    body = text.lstrip(b" \t\n\v\f\r")
    if floating:
        found = re.match(rb"[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)", body, re.I)
        if not found:
            return 0.0, not text
        return float(found.group(0)), found.end() == len(body)
    found = re.match(rb"([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)", body)
    if not found:
        return 0, not text
    digits = found.group(2)
    if digits[:2].lower() == b"0x":
        value = int(digits, 16)
    elif digits.startswith(b"0"):
        value = int(digits, 8)
    else:
        value = int(digits)
    return (-value if found.group(1) == b"-" else value), found.end() == len(body)


@applet("printf")
def printf(ctx: Context, argv: list[str]) -> int:
    if len(argv) < 2:
        return ctx.fail("Needs 1 argument (see \"printf --help\")")
    args = argv[1:]
    if args[0] == "--":
        args = args[1:]
    fmt = arg_bytes(args[0])
    values = [arg_bytes(a) for a in args[1:]]
    out = bytearray()
    status = 0
    index = 0
    try:
        while True:
            seen = False
            i = 0
            while i < len(fmt):
                c = fmt[i]
                if c == 92:
                    piece, i = _printf_escape(fmt, i + 1, False)
                    out += piece
                    continue
                if c != 37 or fmt[i + 1:i + 2] == b"%":
                    out.append(c)
                    i += 2 if c == 37 else 1
                    continue
                i += 1
                found = re.match(rb"([-+# '0]*)(\*|\d*)(?:\.(\*|\d*))?", fmt[i:])
                assert found is not None  # every part of the pattern is optional: it matches any text
                flags, width, precision = found.group(1), found.group(2), found.group(3)
                i += found.end()
                if width == b"*":
                    width = str(_strtonum(values[index], False)[0]).encode() if index < len(values) else b""
                    index += index < len(values)
                if precision == b"*":
                    precision = str(_strtonum(values[index], False)[0]).encode() if index < len(values) else b"0"
                    index += index < len(values)
                if i >= len(fmt):
                    raise UsageError(f"bad %@{i}")
                conv = chr(fmt[i])
                i += 1
                seen = True
                value = values[index] if index < len(values) else b""
                index += index < len(values)
                spec = "%" + flags.decode() + width.decode()
                if precision is not None:
                    spec += "." + (precision.decode() or "0")
                if conv == "b":
                    j = 0
                    while j < len(value):
                        if value[j] == 92:
                            piece, j = _printf_escape(value, j + 1, True)
                            out += piece
                        else:
                            out.append(value[j])
                            j += 1
                elif conv in "sc":
                    text = (value[:1] or b"\0") if conv == "c" else value
                    out += (spec + "s").encode() % text
                elif conv in "diouxX":
                    number_, whole = _strtonum(value, False)
                    in_range = -(1 << 63) <= number_ < (1 << 63)
                    number_ = max(-(1 << 63), min(number_, (1 << 63) - 1))  # strtoll clamps
                    if conv in "ouxX" and number_ < 0:
                        number_ &= (1 << 64) - 1
                    if conv == "o" and "#" in spec:  # C's alternate octal form is 0NNN, not 0oNNN
                        octal = "0" + format(number_, "o") if number_ else "0"
                        out += (spec.replace("#", "") + "s").encode() % octal.encode()
                    else:
                        out += ((spec + ("d" if conv in "iu" else conv)) % number_).encode()
                    if not whole or not in_range:
                        reason = "" if in_range else ": Numerical result out of range"
                        ctx.err(f"bad %{conv} {value.decode('utf-8', 'surrogateescape')}{reason}")
                        status = 1
                elif conv in "feEgG":
                    number_, whole = _strtonum(value, True)
                    out += ((spec + conv) % number_).encode()
                    if not whole:
                        ctx.err(f"bad %{conv} {value.decode('utf-8', 'surrogateescape')}")
                        status = 1
                else:
                    raise UsageError(f"bad %{conv}@{i}")
            if not seen or index >= len(values):
                break
            if len(out) > 65536:
                ctx.stdout.write(bytes(out))
                out.clear()
    except _StopOutput:
        pass
    except UsageError as exc:
        ctx.stdout.write(bytes(out))
        return ctx.fail(str(exc))
    ctx.stdout.write(bytes(out))
    return status


# -- seq, yes, tee ----------------------------------------------------------------------------
def _seq_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        # toybox 0.8.9 reports strtod failures with a stale errno; Android prints the same text
        raise UsageError(f"strtod {text}: Argument list too long") from None


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text and "e" not in text.lower() else 0


@applet("seq")
def seq(ctx: Context, argv: list[str]) -> int:
    # Negative numbers are operands, not options: only -f, -s, -w are options.
    args = argv[1:]
    fmt = sep = None
    pad = False
    try:
        while args and re.fullmatch(r"-[fsw].*", args[0]):
            flag, rest = args[0][1], args[0][2:]
            args = args[1:]
            if flag == "w":
                pad = True
                continue
            if not rest:
                if not args:
                    raise UsageError(f"Missing argument to -{flag} (see \"seq --help\")")
                rest, args = args[0], args[1:]
            if flag == "f":
                fmt = rest
            else:
                sep = rest
        if not args:
            raise UsageError("Needs 1 argument (see \"seq --help\")")
        if len(args) > 3:
            raise UsageError("Max 3 arguments (see \"seq --help\")")
        texts = ["1", "1"] + args if len(args) == 1 else (args[:1] + ["1"] + args[1:] if len(args) == 2 else args)
        first, step, last = (_seq_number(t) for t in texts)
    except UsageError as exc:
        return usage(ctx, exc)
    if step == 0:
        return 0
    places = max(_decimals(texts[0]), _decimals(texts[1]))
    if fmt is None:
        fmt = f"%.{places}f"
        if pad:
            width = max(len(fmt % first), len(fmt % last))
            fmt = f"%0{width}.{places}f"
    separator = (sep if sep is not None else "\n").encode("utf-8", "surrogateescape")
    pieces = []
    count = 0
    while True:
        value = first + count * step
        if (step > 0 and value > last) or (step < 0 and value < last):
            break
        pieces.append((fmt % value).encode())
        count += 1
        if len(pieces) >= 4096:
            ctx.stdout.write(separator.join(pieces) + separator)
            pieces.clear()
    if pieces:
        ctx.stdout.write(separator.join(pieces) + b"\n")
    return 0


@applet("yes")
def yes(ctx: Context, argv: list[str]) -> int:
    line = arg_bytes(" ".join(argv[1:]) if len(argv) > 1 else "y") + b"\n"
    block = line * max(1, 8192 // len(line))
    try:
        while not ctx.cancelled.is_set():
            ctx.stdout.write(block)
    except (BrokenPipe, BrokenPipeError):
        return 141  # killed by SIGPIPE, as mksh reports it
    return 0


@applet("tee")
def tee(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "ai", "", {"append": "a"})
    except UsageError as exc:
        return usage(ctx, exc)
    status = 0
    outs = []
    for path in opts.operands:
        try:
            outs.append(ctx.storage.open_write(path, ctx.cwd, append="a" in opts))
        except OSError as exc:
            status = ctx.fail(f"{path}: {exc.strerror}")
    try:
        for data in chunks(ctx.stdin):
            ctx.stdout.write(data)
            for out in list(outs):
                try:
                    out.write(data)
                except OSError as exc:
                    status = ctx.fail(f"{out.device_path}: {exc.strerror}")
                    outs.remove(out)
    finally:
        for out in outs:
            out.close()
    return status
