"""Toybox's `sed` on the virtual phone: addresses (N, $, /re/, N,M ranges, N,+M, !), commands
s y p P d D n N q Q = a i c h H g G x b t : { } and -n -e -f -E/-r -i[SUFFIX] -s. Not `w`, `r`, `l`.
Regular expressions are POSIX ones translated by `regex.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from regex import Pattern as PosixPattern

from ..api import Context, applet
from ..streams import Input
from .options import Inputs, UsageError, arg_bytes, lines, parse
from .regex import RegexError, compile_posix

TEXT_ESCAPES = {ord(k): v for k, v in {"a": 7, "b": 8, "e": 27, "f": 12, "n": 10, "r": 13, "t": 9,
                                        "v": 11}.items()}


class SedError(Exception):
    """A script error; the message is what toybox prints after `sed: `."""


@dataclass
class Address:
    kind: str  # "line", "last", "regex", "zero"
    line: int = 0
    regex: PosixPattern | None = None
    empty: bool = False  # `//`: reuse the last regex used


@dataclass
class Command:
    name: str
    first: Address | None = None
    second: Address | None = None
    second_plus: int | None = None  # addr1,+N
    negate: bool = False
    text: bytes = b""  # a/i/c text, label of b/t/:
    regex: PosixPattern | None = None  # s
    empty_regex: bool = False
    replacement: list = field(default_factory=list)  # s: bytes and group numbers
    global_: bool = False
    occurrence: int = 1
    print_: int = 0
    mapping: bytes = b""  # y
    target: int = -1  # b/t/{ jump index
    exit_code: int = 0
    active: bool = False  # a range in progress
    range_end: int = 0


class Script:
    """A parsed sed script."""

    def __init__(self, text: bytes, extended: bool):
        self.text = text
        self.pos = 0
        self.extended = extended
        self.commands: list[Command] = []
        self.cmd_start = 0
        self._parse()

    def _bad(self, pos: int) -> SedError:
        """toybox's parse error: the script from the failing command on, and where it failed."""
        rest = self.text[self.cmd_start:].decode("utf-8", "surrogateescape")
        char = chr(self.text[pos]) if pos < len(self.text) else "\0"
        return SedError(f"bad pattern '{rest}'@{pos - self.cmd_start + 1} ({char})")

    # -- parsing --------------------------------------------------------------------------
    def _peek(self) -> int:
        return self.text[self.pos] if self.pos < len(self.text) else -1

    def _skip_blanks(self, newlines: bool = False) -> None:
        while self.pos < len(self.text) and (self.text[self.pos] in b" \t" or
                                              (newlines and self.text[self.pos] in b"\n;")):
            self.pos += 1

    def _delimited(self, delim: int) -> bytes:
        """Text up to an unescaped delimiter; `\\delim` becomes the delimiter, `\\n` a newline."""
        out = bytearray()
        start = self.pos
        while True:
            if self.pos >= len(self.text):
                raise self._bad(start)
            c = self.text[self.pos]
            self.pos += 1
            if c == delim:
                return bytes(out)
            if c == 92 and self.pos < len(self.text):
                nxt = self.text[self.pos]
                self.pos += 1
                if nxt == delim and delim != 92:
                    out.append(delim)
                elif nxt == ord("n"):
                    out += b"\\n"
                elif nxt == ord("t"):
                    out.append(9)
                elif nxt == 10:
                    out.append(10)
                else:
                    out += bytes([92, nxt])
                continue
            if c == 91:  # a bracket expression may hold the delimiter literally
                end = self._bracket_end(self.pos - 1)
                out += self.text[self.pos - 1:end].replace(b"\\t", b"\t").replace(b"\\n", b"\n")
                self.pos = end
                continue
            out.append(c)

    def _bracket_end(self, start: int) -> int:
        i = start + 1
        if i < len(self.text) and self.text[i] == 94:
            i += 1
        if i < len(self.text) and self.text[i] == 93:
            i += 1
        while i < len(self.text):
            if self.text[i] == 91 and i + 1 < len(self.text) and self.text[i + 1] in b":.=":
                close = self.text.find(bytes([self.text[i + 1], 93]), i + 2)
                if close > 0:
                    i = close + 2
                    continue
            if self.text[i] == 93:
                return i + 1
            i += 1
        return start + 1

    def _regex(self, delim: int, flags_ok: bool = True) -> tuple[PosixPattern | None, bool]:
        body = self._delimited(delim)
        ignore = False
        if flags_ok:
            while self._peek() in (ord("I"),):
                ignore = True
                self.pos += 1
        if body == b"":
            return None, True
        try:
            return compile_posix(body, self.extended, ignore), False
        except RegexError as exc:
            raise SedError(f"bad regex '{body.decode('latin-1')}': {exc}") from None

    def _number(self) -> int:
        found = re.match(rb"\d+", self.text[self.pos:])
        if not found:
            raise self._bad(self.pos)
        self.pos += found.end()
        return int(found.group(0))

    def _address(self) -> Address | None:
        c = self._peek()
        if c >= 0 and chr(c).isdigit():
            number = self._number()
            return Address("zero" if number == 0 else "line", line=number)
        if c == ord("$"):
            self.pos += 1
            return Address("last")
        if c == ord("/") or c == 92:
            self.pos += 1
            if c == 92:
                c = self._peek()
                self.pos += 1
            regex, empty = self._regex(c)
            return Address("regex", regex=regex, empty=empty)
        return None

    def _text_argument(self) -> bytes:
        """a/i/c text: `a\\` newline TEXT, or the GNU one-liner `a TEXT`."""
        self._skip_blanks()
        out = bytearray()
        while self.pos < len(self.text):
            c = self.text[self.pos]
            self.pos += 1
            if c == 92:
                if self.pos >= len(self.text):  # `i\` at the very end: an empty line
                    break
                nxt = self.text[self.pos]
                self.pos += 1
                if nxt == 10:  # a continued line: the text goes on (on a new line if it began)
                    if out:
                        out.append(10)
                    continue
                out.append(TEXT_ESCAPES.get(nxt, nxt))
                continue
            if c == 10:
                break
            out.append(c)
        return bytes(out)

    def _label(self) -> bytes:
        self._skip_blanks()
        end = self.pos
        while end < len(self.text) and self.text[end] not in b";\n}":
            end += 1
        label = self.text[self.pos:end].strip()
        self.pos = end
        return label

    def _replacement(self, delim: int) -> list:
        parts: list = []
        literal = bytearray()
        start = self.pos
        while True:
            if self.pos >= len(self.text):
                raise self._bad(start)
            c = self.text[self.pos]
            self.pos += 1
            if c == delim:
                break
            if c == 92 and self.pos < len(self.text):
                nxt = self.text[self.pos]
                self.pos += 1
                if chr(nxt).isdigit():
                    parts += [bytes(literal), int(chr(nxt))]
                    literal.clear()
                elif nxt == ord("n"):
                    literal.append(10)
                elif nxt == ord("t"):
                    literal.append(9)
                else:
                    literal.append(nxt)
                continue
            if c == ord("&"):
                parts += [bytes(literal), 0]
                literal.clear()
                continue
            literal.append(c)
        parts.append(bytes(literal))
        return [p for p in parts if p != b""]

    def _parse(self) -> None:
        blocks: list[int] = []
        while True:
            self._skip_blanks(newlines=True)
            if self.pos >= len(self.text):
                break
            if self._peek() == ord("#"):
                while self.pos < len(self.text) and self.text[self.pos] != 10:
                    self.pos += 1
                continue
            cmd = Command("")
            self.cmd_start = self.pos
            cmd.first = self._address()
            if cmd.first is not None and self._peek() == ord(","):
                self.pos += 1
                if self._peek() == ord("+"):
                    self.pos += 1
                    cmd.second_plus = self._number()
                else:
                    cmd.second = self._address()
                    if cmd.second is None:
                        raise self._bad(self.pos)
            self._skip_blanks()
            while self._peek() == ord("!"):
                cmd.negate = True
                self.pos += 1
                self._skip_blanks()
            if self.pos >= len(self.text):
                raise self._bad(self.pos)
            name = chr(self.text[self.pos])
            self.pos += 1
            cmd.name = name
            if name == "{":
                blocks.append(len(self.commands))
            elif name == "}":
                if not blocks:
                    raise self._bad(self.pos)
                self.commands[blocks.pop()].target = len(self.commands) + 1
            elif name == "s":
                self._parse_s(cmd)
            elif name == "y":
                delim = self._peek()
                self.pos += 1
                source = self._y_text(delim)
                dest = self._y_text(delim)
                if len(source) != len(dest):
                    raise self._bad(self.pos)
                table = bytearray(range(256))
                for a, b in zip(source, dest, strict=True):
                    table[a] = b
                cmd.mapping = bytes(table)
            elif name in "aic":
                cmd.text = self._text_argument()
            elif name in "bt:":
                cmd.text = self._label()
                if name == ":" and not cmd.text:
                    raise self._bad(self.pos)
            elif name in "qQ":
                self._skip_blanks()
                if self._peek() >= 0 and chr(self._peek()).isdigit():
                    cmd.exit_code = self._number()
            elif name not in "pPdDnNgGhHx=lz":
                raise self._bad(self.pos)
            self.commands.append(cmd)
        if blocks:
            raise SedError("no }")
        labels = {c.text: i for i, c in enumerate(self.commands) if c.name == ":"}
        for cmd in self.commands:
            if cmd.name in "bt":
                if cmd.text and cmd.text not in labels:
                    raise SedError(f"no :{cmd.text.decode('utf-8', 'surrogateescape')}")
                cmd.target = labels[cmd.text] if cmd.text else len(self.commands)

    def _y_text(self, delim: int) -> bytes:
        raw = self._delimited(delim)
        return raw.replace(b"\\n", b"\n").replace(b"\\\\", b"\\")

    def _parse_s(self, cmd: Command) -> None:
        delim = self._peek()
        if delim in (-1, 10, 92):
            raise self._bad(self.pos)
        self.pos += 1
        body = self._delimited(delim)
        cmd.replacement = self._replacement(delim)
        ignore = False
        while True:
            c = self._peek()
            if c == ord("g"):
                cmd.global_ = True
            elif c == ord("p"):
                cmd.print_ += 1
            elif c in (ord("i"), ord("I")):
                ignore = True
            elif c >= 0 and chr(c).isdigit():
                cmd.occurrence = self._number()
                if cmd.occurrence == 0:
                    raise SedError("s: 0 occurrence")
                continue
            else:
                break
            self.pos += 1
        if body == b"":
            cmd.empty_regex = True
            return
        try:
            cmd.regex = compile_posix(body, self.extended, ignore)
        except RegexError as exc:
            raise SedError(f"bad regex '{body.decode('latin-1')}': {exc}") from None


class _Quit(Exception):
    def __init__(self, code: int):
        self.code = code


class Runner:
    """Runs a Script over a stream of lines, writing to `out`."""

    def __init__(self, script: Script, quiet: bool, out):
        self.script = script
        self.quiet = quiet
        self.out = out
        self.hold = b""
        self.last_regex: PosixPattern | None = None
        self.line_no = 0
        self.missing_newline = False  # the last line written lacked its newline

    def _regex(self, regex: PosixPattern | None) -> PosixPattern:
        if regex is None:
            if self.last_regex is None:
                raise SedError("no previous regex")
            return self.last_regex
        self.last_regex = regex
        return regex

    def _hit(self, addr: Address, space: bytes, is_last: bool) -> bool:
        if addr.kind == "line":
            return self.line_no == addr.line
        if addr.kind == "last":
            return is_last
        if addr.kind == "zero":
            return True
        return self._regex(addr.regex).search(space) is not None

    def _selected(self, cmd: Command, space: bytes, is_last: bool) -> bool:
        if cmd.first is None:
            hit = True
        elif cmd.second is None and cmd.second_plus is None:
            hit = self._hit(cmd.first, space, is_last)
        elif cmd.active:
            hit = True
            if cmd.second_plus is not None:
                if self.line_no >= cmd.range_end:
                    cmd.active = False
            else:
                second = cmd.second
                assert second is not None  # a range ends at `,+N` or at a second address
                if second.kind == "line":
                    if self.line_no >= second.line:
                        cmd.active = False
                elif self._hit(second, space, is_last):
                    cmd.active = False
        else:
            first = cmd.first
            # toybox starts a 0,ADDR range on line 1, like 1,ADDR
            hit = self.line_no == 1 if first.kind == "zero" else self._hit(first, space, is_last)
            if hit:
                if cmd.second_plus is not None:
                    cmd.range_end = self.line_no + cmd.second_plus
                    cmd.active = cmd.second_plus > 0
                else:
                    second = cmd.second
                    assert second is not None  # a range ends at `,+N` or at a second address
                    if second.kind == "line":
                        cmd.active = second.line > self.line_no
                    elif second.kind == "last":
                        cmd.active = not is_last
                    else:
                        cmd.active = True
        return hit != cmd.negate

    def _substitute(self, cmd: Command, space: bytes) -> tuple[bytes, bool]:
        regex = self._regex(None if cmd.empty_regex else cmd.regex)
        out = bytearray()
        pos = 0
        count = 0
        changed = False
        previous_end = -1
        while pos <= len(space):
            found = regex.search(space, pos)
            if not found:
                break
            start, end = found.span()
            if start == end and start == previous_end:
                # an empty match right after the previous match is not a new match
                if start >= len(space):
                    break
                out += space[pos:start + 1]
                pos = start + 1
                continue
            count += 1
            if count >= cmd.occurrence:
                out += space[pos:start]
                for part in cmd.replacement:
                    if isinstance(part, int):
                        try:
                            out += found.group(part) or b""
                        except IndexError:
                            raise SedError(f"invalid reference \\{part} on s command's RHS") from None
                    else:
                        out += part
                changed = True
            else:
                out += space[pos:end]
            previous_end = end
            if end == start:
                if start < len(space):
                    out += space[start:start + 1]
                pos = end + 1
            else:
                pos = end
            if changed and not cmd.global_:
                break
        if not changed:
            return space, False
        out += space[pos:]
        return bytes(out), True

    def run(self, source) -> int:
        """`source` yields (line_without_newline, had_newline, is_last)."""
        commands = self.script.commands
        it = iter(source)
        pending = None
        try:
            while True:
                if pending is None:
                    try:
                        space, newline, is_last = next(it)
                    except StopIteration:
                        return 0
                    self.line_no += 1
                else:
                    space, newline, is_last = pending
                    pending = None
                appended: list[bytes] = []
                substituted = False
                pc = 0
                deleted = False
                restart = False
                while pc < len(commands):
                    cmd = commands[pc]
                    pc += 1
                    if cmd.name in ":}":
                        continue
                    if not self._selected(cmd, space, is_last):
                        if cmd.name == "{":
                            pc = cmd.target
                        continue
                    name = cmd.name
                    if name == "{":
                        continue
                    if name == "s":
                        space, did = self._substitute(cmd, space)
                        substituted |= did
                        if did:
                            for _ in range(cmd.print_):
                                self._emit(space, newline)
                    elif name == "p":
                        self._emit(space, newline)
                    elif name == "P":
                        self._emit(space.split(b"\n", 1)[0], b"\n" in space or newline)
                    elif name == "d":
                        deleted = True
                        break
                    elif name == "D":
                        if b"\n" not in space:
                            deleted = True
                            break
                        space = space.split(b"\n", 1)[1]
                        pending = (space, newline, is_last)
                        restart = True
                        break
                    elif name == "=":
                        self._emit(str(self.line_no).encode())
                    elif name == "a":
                        appended.append(cmd.text)
                    elif name == "i":
                        self._emit(cmd.text)
                    elif name == "c":
                        if not cmd.active or cmd.negate:
                            self._emit(cmd.text)
                        deleted = True
                        break
                    elif name == "y":
                        space = space.translate(cmd.mapping)
                    elif name == "h":
                        self.hold = space
                    elif name == "H":
                        self.hold += b"\n" + space
                    elif name == "g":
                        space = self.hold
                    elif name == "G":
                        space += b"\n" + self.hold
                    elif name == "x":
                        space, self.hold = self.hold, space
                    elif name == "z":
                        space = b""
                    elif name in "nN":
                        try:
                            nxt, nl2, last2 = next(it)
                        except StopIteration:
                            if not self.quiet:
                                self._emit(space, newline)
                            self._flush(appended)
                            return 0
                        if name == "n":
                            if not self.quiet:
                                self._emit(space, newline)
                            self._flush(appended)
                            appended = []
                            space = nxt
                        else:
                            space = space + b"\n" + nxt
                        newline, is_last = nl2, last2
                        self.line_no += 1
                    elif name == "b":
                        pc = cmd.target
                    elif name == "t":
                        if substituted:
                            substituted = False
                            pc = cmd.target
                    elif name in "qQ":
                        if name == "q" and not self.quiet:
                            self._emit(space, newline)
                        self._flush(appended)
                        raise _Quit(cmd.exit_code)
                if restart:
                    self._flush(appended)
                    continue
                if not deleted and not self.quiet:
                    self._emit(space, newline)
                self._flush(appended)
        except _Quit as stop:
            return stop.code

    def _emit(self, data: bytes, newline: bool = True) -> None:
        """Write a line; a line that lacked its newline gets one only if more output follows
        (toybox's emit(): an empty line without newline writes nothing and changes nothing)."""
        if self.missing_newline:
            self.out.write(b"\n")
        if newline:
            data += b"\n"
        if not data:
            return
        self.out.write(data)
        self.missing_newline = not newline

    def _flush(self, appended: list[bytes]) -> None:
        for text in appended:
            self._emit(text)


def _source(ctx: Context, inputs: Inputs, names: list[str]):
    """Lines of all inputs as one stream, knowing which line is the last one."""
    previous = None
    for name in names:
        stream: Input
        opened = None  # a file this opened, which it closes
        if name == "-":
            stream = ctx.stdin
        else:
            opened = inputs.open(name)
            if opened is None:
                continue
            stream = opened
        try:
            for raw in lines(stream):
                if previous is not None:
                    yield previous + (False,)
                newline = raw.endswith(b"\n")
                previous = (raw[:-1] if newline else raw, newline)
        finally:
            if opened is not None:
                opened.close()
    if previous is not None:
        yield previous + (True,)


@applet("sed")
def sed(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "nErs", "ef", optional="i", longs={
            "quiet": "n", "silent": "n", "expression": "e", "file": "f", "regexp-extended": "E",
            "in-place": "i", "separate": "s"})
    except UsageError as exc:
        return ctx.fail(str(exc))
    pieces = [arg_bytes(e) for e in opts.all("e")]
    for path in opts.all("f"):
        try:
            with ctx.storage.open_read(path, ctx.cwd) as src:
                pieces.append(src.read().rstrip(b"\n"))
        except OSError as exc:
            return ctx.fail(f"{path}: {exc.strerror}")
    files = list(opts.operands)
    if not pieces:
        if not files:
            return ctx.fail("no pattern")
        pieces = [arg_bytes(files.pop(0))]
    extended = "E" in opts or "r" in opts
    try:
        script = Script(b"\n".join(pieces), extended)
    except SedError as exc:
        return ctx.fail(str(exc))
    inputs = Inputs(ctx, files, directories="empty")
    try:
        if "i" in opts:
            suffix = opts.get("i") if opts.get("i") is not True else ""
            for name in files:
                status = _in_place(ctx, script, "n" in opts, inputs, name, suffix)
                if status:
                    return status
            return inputs.status
        if "s" in opts:
            status = 0
            for name in files or ["-"]:
                runner = Runner(Script(script.text, extended), "n" in opts, ctx.stdout)
                status = runner.run(_source(ctx, inputs, [name])) or status
            return status or inputs.status
        runner = Runner(script, "n" in opts, ctx.stdout)
        status = runner.run(_source(ctx, inputs, files or ["-"]))
    except SedError as exc:
        return ctx.fail(str(exc))
    return status or inputs.status


def _in_place(ctx: Context, script: Script, quiet: bool, inputs: Inputs, name: str, suffix: str) -> int:
    """sed -i[SUFFIX]: edit the file in place, first copying it to NAME+SUFFIX if one is given."""
    from ..streams import BytesOutput

    out = BytesOutput()
    runner = Runner(Script(script.text, script.extended), quiet, out)
    status = runner.run(_source(ctx, inputs, [name]))
    if inputs.status:
        return 0
    try:
        if suffix:
            with ctx.storage.open_read(name, ctx.cwd) as original:
                ctx.storage.write_bytes(name + suffix, original.read(), ctx.cwd)
        ctx.storage.write_bytes(name, out.getvalue(), ctx.cwd)
    except OSError as exc:
        return ctx.fail(f"{name}: {exc.strerror}")
    return status
