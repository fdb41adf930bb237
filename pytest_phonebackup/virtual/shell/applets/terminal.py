"""Toybox's commands for a terminal, run where `adb shell CMD` gives none: clear writes its
escape codes anyway, stty cannot read a terminal's settings, more pages nothing and copies its
files as cat does, watch reruns a command under a header until it is stopped (toys/other/clear.c,
watch.c, toys/pending/stty.c, more.c of toybox 0.8.9). Not for `tty` (`running`).
"""

from __future__ import annotations

import datetime
import os

from ..api import Context, applet
from .options import Inputs, UsageError, chunks, parse
from .scheduling import run_command

NOT_A_TTY = os.strerror(25)  # ENOTTY: "Inappropriate ioctl for device", as bionic says it too
COLUMNS = 80  # terminal_size() without a terminal or $COLUMNS


@applet("clear")
def clear(ctx: Context, argv: list[str]) -> int:
    ctx.out("\x1b[2J\x1b[H")  # clear.c: xputsn("\e[2J\e[H"), whatever its arguments
    return 0


@applet("stty")
def stty(ctx: Context, argv: list[str]) -> int:
    """stty.c's xtcgetattr() fails on standard input that is a pipe or a file, as adb's is."""
    try:
        opts = parse(argv, "ag", "F", unknown_as_operands=True)
        if "a" in opts and "g" in opts:
            later, earlier = ("g", "a") if list(opts.values).index("a") == 0 else ("a", "g")
            raise UsageError(f"No '{later}' with '{earlier}' (see \"stty --help\")")
    except UsageError as exc:
        return ctx.fail(str(exc))
    if opts.values.keys() & {"a", "g"} and opts.operands:
        return ctx.fail("no settings with -a/-g")
    name = "standard input"
    if "F" in opts:
        name = str(opts.get("F"))
        try:
            ctx.storage.stat(name, ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{name}: {exc.strerror}")
    return ctx.fail(f"tcgetattr {name}: {NOT_A_TTY}")


@applet("more")
def more(ctx: Context, argv: list[str]) -> int:
    """more.c: when stdout is no terminal (adb's pipe), the files are copied through."""
    inputs = Inputs(ctx, argv[1:])
    for _name, stream in inputs:
        for data in chunks(stream):
            ctx.out(data)
    return inputs.status


@applet("watch")
def watch(ctx: Context, argv: list[str]) -> int:
    """Every -n seconds (2) a header line, then the command's output, until cancelled (timeout,
    the client going away); -e stops at a failing command, -t leaves the header out."""
    try:
        opts = parse(argv, "tebx", "n", stop_at_operand=True)
        interval = float(str(opts.get("n", "2")))
        if interval < 0.1:
            raise UsageError('-n < 0.1 (see "watch --help")')
        if not opts.operands:
            raise UsageError('Needs 1 argument (see "watch --help")')
    except ValueError:
        return ctx.fail(f"not integer: {opts.get('n')}")
    except UsageError as exc:
        return ctx.fail(str(exc))
    command = opts.operands if "x" in opts else ["sh", "-c", " ".join(opts.operands)]
    while not ctx.cancelled.is_set():
        ctx.out("\x1b[H\x1b[J")
        if "t" not in opts:
            left = f"Every {interval:g}s: {' '.join(opts.operands)}"
            right = f"localhost: {datetime.datetime.now(datetime.timezone.utc):%a %b %e %H:%M:%S %Y}"
            ctx.out(f"{left[:COLUMNS - len(right) - 1]:<{COLUMNS - len(right)}}{right}\n\n")
        status = run_command(ctx, command)
        if status and "e" in opts:
            return status
        if status and "b" in opts:
            ctx.out("\a")
        ctx.cancelled.wait(interval)
    return 0
