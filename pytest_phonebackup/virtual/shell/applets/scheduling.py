"""Toybox's commands that run another command under new conditions: time, nice and setsid, with
toybox 0.8.9's messages and exit statuses (toys/posix/time.c, nice.c, toys/other/setsid.c).
Not for the process table (`processes`) or for timeout and nohup (`running`).
"""

from __future__ import annotations

import time as clock

from ..api import Context, applet
from .options import UsageError, number, parse

NOT_FOUND = 127  # xexec(): 126 + (errno == ENOENT)
CANNOT_SET = 125  # nice.c: setting the priority failed
DEFAULT_NICENESS = 10


def run_command(ctx: Context, args: list[str]) -> int:
    """Run `args` as xexec() does, in this shell's place; a command the phone lacks fails as
    execvp's ENOENT does."""
    if ctx.shell is None or ctx.applets.get(args[0].rsplit("/", 1)[-1]) is None:
        ctx.err(f"exec {args[0]}: No such file or directory")
        return NOT_FOUND
    return int(ctx.shell.run_argv(args, ctx.stdin, ctx.stdout, ctx.stderr))


def _usage(ctx: Context, exc: UsageError) -> int:
    return ctx.fail(str(exc))


@applet("time")
def time(ctx: Context, argv: list[str]) -> int:
    """Real time from the monotonic clock; user time is the CPU the command's thread used (the
    phone's commands share one process, so its system time shows as 0)."""
    try:
        opts = parse(argv, "pv", stop_at_operand=True)
        if not opts.operands:
            raise UsageError('Needs 1 argument (see "time --help")')
    except UsageError as exc:
        return _usage(ctx, exc)
    started, cpu = clock.monotonic_ns(), clock.thread_time_ns()
    status = run_command(ctx, opts.operands)
    real, user = clock.monotonic_ns() - started, (clock.thread_time_ns() - cpu) // 1000
    flagged = bool(opts.values)
    # time.c prints seconds and µs for user and sys, with a field of 3 digits (6 with -p or -v),
    # and the real time's fraction in ms (µs with -p or -v).
    width = 6 if flagged else 3
    fraction = (real % 1_000_000_000) // (1000 if flagged else 1_000_000)
    times = [(real // 1_000_000_000, fraction), (user // 1_000_000, user % 1_000_000), (0, 0)]
    labels = ["Real", "User", "System"] if "v" in opts else ["real" if "p" in opts else "\nreal", "user", "sys"]
    tab = " " if flagged else "\t"
    text = "".join(f"{label}{' time (s):' if 'v' in opts else ''}{tab}{sec}.{part:0{width}d}\n"
                   for label, (sec, part) in zip(labels, times, strict=True))
    if "v" in opts:
        text += ("Max RSS (KiB): 2048\nMajor faults: 0\nMinor faults: 0\nFile system inputs: 0\n"
                 "File system outputs: 0\nVoluntary context switches: 0\nInvoluntary context switches: 0\n")
    ctx.stderr.write(text.encode())
    return status


@applet("nice")
def nice(ctx: Context, argv: list[str]) -> int:
    """nice(2) may raise a niceness but, without CAP_SYS_NICE (the shell user has none), never
    lower it below what the command inherits: 0 for adb's shell."""
    try:
        opts = parse(argv, "", "n", stop_at_operand=True)
        change = number(str(opts.get("n"))) if "n" in opts else DEFAULT_NICENESS
        if not opts.operands:
            raise UsageError('Needs 1 argument (see "nice --help")')
    except UsageError as exc:
        return _usage(ctx, exc)
    if change < 0 and not ctx.phone.root:
        ctx.err("Can't set priority: Permission denied")
        return CANNOT_SET
    return run_command(ctx, opts.operands)


@applet("setsid")
def setsid(ctx: Context, argv: list[str]) -> int:
    """A command of adb's non-interactive shell leads no process group, so setsid(2) succeeds and
    the command runs in its place: its status is setsid's, with -w or without."""
    try:
        opts = parse(argv, "wcd", stop_at_operand=True)
        both = [letter for letter in opts.values if letter in "cd"]
        if len(both) > 1:
            raise UsageError(f"No '{both[1]}' with '{both[0]}' (see \"setsid --help\")")
        if not opts.operands:
            raise UsageError('Needs 1 argument (see "setsid --help")')
    except UsageError as exc:
        return _usage(ctx, exc)
    return run_command(ctx, opts.operands)
