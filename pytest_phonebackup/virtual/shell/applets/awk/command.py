"""The `awk` command line: -F, -v, -f, the program text and operands, and how errors are
reported (one-true-awk's texts, status 2). The language itself lives in `parser` and `runtime`.
"""

from __future__ import annotations

from ...api import Context, applet
from ..options import arg_bytes
from .lexer import AwkSyntaxError, unescape
from .parser import parse
from .runtime import ASSIGNMENT, Interpreter
from .values import AwkError, to_num, to_str

USAGE = "usage: awk [-F fs] [-v var=value] [-f progfile | 'prog'] [file ...]\n"


class CommandLineError(Exception):
    pass


def syntax_report(source: bytes, exc: AwkSyntaxError, source_file: bytes = b"") -> bytes:
    """eprint(): the line up to the failing token, the token between >>> and <<<, the rest."""
    end = min(exc.pos, len(source))
    start = end - 1
    if start > 0 and source[start:start + 1] == b"\n":
        start -= 1
    while start > 0 and source[start:start + 1] not in (b"\n", b""):
        start -= 1
    while source[start:start + 1] == b"\n":
        start += 1
    start = max(start, 0)
    cut = end - 1
    while cut >= start and source[cut:cut + 1] not in (b" ", b"\t", b"\n"):
        cut -= 1
    cut = max(cut, start)
    newline = source.find(b"\n", end)
    rest = source[end:] if newline < 0 else source[end:newline]
    where = b" source file " + source_file if source_file else b""
    lines = [b"awk: %s at source line %d%s\n" % (str(exc).encode(), exc.line, where),
             b" context is\n\t" + source[start:cut] + b" >>> " + source[cut:end] + b" <<< " + rest + b"\n"]
    if source[:end].count(b"{") > source[:end].count(b"}"):
        lines.append(b"awk: illegal statement at source line %d%s\n" % (exc.line, where))
    if source.count(b"{") > source.count(b"}"):
        lines.append(b"\tmissing }\n")
    return b"".join(lines)


def parse_command_line(ctx: Context, argv: list[str]) -> tuple[bytes, list[bytes], list[bytes], bytes | None,
                                                                bytes]:
    """(program, operands, -v assignments, -F value, the last -f file)."""
    args = [arg_bytes(a) for a in argv[1:]]
    fs: bytes | None = None
    assignments: list[bytes] = []
    files: list[bytes] = []
    while args and args[0].startswith(b"-") and len(args[0]) > 1:
        arg = args.pop(0)
        if arg == b"--":
            break
        letter = arg[1:2]
        if letter in (b"F", b"v", b"f"):
            value = arg[2:]
            if not value:
                if not args:
                    raise CommandLineError({b"F": "no field separator", b"v": "no variable name",
                                            b"f": "no program filename"}[letter])
                value = args.pop(0)
            if letter == b"F":
                fs = b"\t" if value == b"t" else value
            elif letter == b"v":
                if not ASSIGNMENT.match(value):
                    raise CommandLineError(f"invalid -v option argument: {value.decode('utf-8', 'surrogateescape')}")
                assignments.append(value)
            else:
                files.append(value)
        elif arg in (b"-version", b"--version", b"-V"):
            raise CommandLineError("version")
        else:
            ctx.stderr.write(b"awk: unknown option " + arg + b" ignored\n")
    if files:
        parts = []
        for name in files:
            try:
                with ctx.storage.open_read(name.decode("utf-8", "surrogateescape"), ctx.cwd) as stream:
                    parts.append(stream.read())
            except OSError:
                shown = name.decode("utf-8", "surrogateescape")
                raise CommandLineError(f"can't open file {shown}\n source line number 1 source file {shown}") from None
        program = b"\n".join(parts)
    elif args:
        program = args.pop(0)
    else:
        raise CommandLineError("usage")
    return program, args, assignments, fs, files[-1] if files else b""


@applet("awk")
def awk(ctx: Context, argv: list[str]) -> int:
    try:
        program_text, operands, assignments, fs, source_file = parse_command_line(ctx, argv)
    except CommandLineError as exc:
        if str(exc) == "usage":
            ctx.stderr.write(USAGE.encode())
            return 1
        elif str(exc) == "version":
            ctx.out("awk version 20220912\n")
            return 0
        else:
            ctx.stderr.write(f"awk: {exc}\n".encode("utf-8", "surrogateescape"))
        return 2
    try:
        program = parse(program_text)
    except AwkSyntaxError as exc:
        ctx.stderr.write(syntax_report(program_text, exc, source_file))
        return 2
    interp = Interpreter(ctx, program, [b"awk", *operands], assignments)
    if fs is not None:
        interp.globals["FS"] = unescape(fs)
    try:
        return interp.run()
    except AwkError as exc:
        ctx.stdout.flush()
        report = f"awk: {exc}\n".encode("utf-8", "surrogateescape")
        nr = to_num(interp.globals["NR"])
        if nr > 0:
            filename = to_str(interp.globals["FILENAME"], b"%.6g")
            report += b" input record number %s, file %s\n" % (b"%g" % nr, filename)
        ctx.stderr.write(report + b" source line number 1\n")
        return 2
