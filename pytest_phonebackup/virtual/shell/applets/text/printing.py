"""echo (mksh's builtin and toybox's binary), printf, seq, yes and tee: applets that write
what they are told. Not for reading files (`reading.py`).
"""

import re

from ...api import Context, applet
from ...streams import BrokenPipe
from ..options import UsageError, arg_bytes, chunks, parse
from .base import usage

# -- echo (mksh's builtin), printf --------------------------------------------------------------
_ECHO_ESCAPES = {"a": b"\a", "b": b"\b", "e": b"\x1b", "E": b"\x1b", "f": b"\f", "n": b"\n",
                 "r": b"\r", "t": b"\t", "v": b"\v", "\\": b"\\"}


def _echo_options(args: list[str], escapes: bool) -> tuple[list[str], bool, bool]:
    """Leading -n, -e, -E (combinable; the last of -e/-E wins): (the words, newline?, escapes?)."""
    newline = True
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for letter in args[0][1:]:
            if letter == "n":
                newline = False
            else:
                escapes = letter == "e"
        args = args[1:]
    return args, newline, escapes


@applet("echo")
def echo(ctx: Context, argv: list[str]) -> int:
    """On a phone `echo` is mksh's builtin: -n, -e, -E (combinable), escapes on by default,
    `\\c` drops the newline, `\\0NNN` octal and `\\xHH` hex."""
    args, newline, escapes = _echo_options(argv[1:], escapes=True)
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
    args, newline, escapes = _echo_options(argv[1:], escapes=False)
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
