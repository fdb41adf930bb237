"""Toybox's small commands about the running session: timeout, nohup, usleep, pwd, tty, hostname,
logname, groups and sync. Not for the process table (ps, kill: the Android side's `processes`).
"""

from __future__ import annotations

import re
import threading

from ..api import Context, applet
from ..streams import EmptyInput
from .misc import _identity

TIMED_OUT = 124  # timeout(1): the command ran out of time
CANNOT_RUN = 125  # timeout(1), nohup(1): their own usage error
NOT_FOUND = 127
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _seconds(text: str) -> float | None:
    found = _DURATION.fullmatch(text)
    return float(found.group(1)) * _UNITS[found.group(2)] if found else None


@applet("timeout")
def timeout(ctx: Context, argv: list[str]) -> int:
    """Runs the command in a subshell of its own; when the time is up, that subshell is cancelled
    (commands that wait, such as sleep or logcat, return) and timeout exits 124."""
    args = argv[1:]
    while args and args[0].startswith("-") and len(args[0]) > 1:
        if args[0] in ("-s", "-k") and len(args) > 1:
            args = args[2:]  # the command is cancelled whatever the signal: it has no process of its own
        elif args[0] in ("--preserve-status", "--foreground", "-v"):
            args = args[1:]
        else:
            ctx.err(f"Unknown option '{args[0].lstrip('-')[:1]}' (see \"timeout --help\")")
            return CANNOT_RUN
    if len(args) < 2:
        ctx.err('Need 2 arguments (see "timeout --help")')
        return CANNOT_RUN
    limit = _seconds(args[0])
    if limit is None:
        ctx.err(f"Not a number '{args[0]}'")
        return CANNOT_RUN
    if ctx.shell is None or ctx.applets.get(args[1]) is None:
        ctx.err(f"exec {args[1]}: No such file or directory")
        return NOT_FOUND
    sub = ctx.shell.subshell()
    sub.cancelled = threading.Event()
    result: list[int] = []

    def run() -> None:
        try:
            result.append(sub.run_argv(args[1:], ctx.stdin, ctx.stdout, ctx.stderr))
        except Exception:  # noqa: BLE001 - the cancelled command unwinds with an exception
            result.append(128 + 15)

    worker = threading.Thread(target=run, name="timeout", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        sub.cancelled.set()
        worker.join(1.0)
        return TIMED_OUT
    return result[0] if result else 1


@applet("nohup")
def nohup(ctx: Context, argv: list[str]) -> int:
    """adb's shell has no terminal, so output stays where it goes (toybox writes nohup.out only
    for a terminal); the command runs with its input closed."""
    if len(argv) < 2:
        ctx.err('Needs 1 argument (see "nohup --help")')
        return CANNOT_RUN
    if ctx.shell is None or ctx.applets.get(argv[1]) is None:
        ctx.err(f"exec {argv[1]}: No such file or directory")
        return NOT_FOUND
    return int(ctx.shell.run_argv(argv[1:], EmptyInput(), ctx.stdout, ctx.stderr))


@applet("usleep")
def usleep(ctx: Context, argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        ctx.err('Needs 1 argument (see "usleep --help")' if len(argv) != 2 else f"not integer: {argv[1]}")
        return 1
    ctx.cancelled.wait(int(argv[1]) / 1_000_000)
    return 0


@applet("pwd")
def pwd(ctx: Context, argv: list[str]) -> int:
    ctx.out(ctx.cwd + "\n")
    return 0


@applet("tty")
def tty(ctx: Context, argv: list[str]) -> int:
    """`adb shell CMD` runs without a terminal."""
    if "-s" not in argv[1:]:
        ctx.out("not a tty\n")
    return 1


@applet("hostname")
def hostname(ctx: Context, argv: list[str]) -> int:
    ctx.out("localhost\n")  # Android's kernel hostname; `getprop net.hostname` is the network name
    return 0


@applet("logname")
def logname(ctx: Context, argv: list[str]) -> int:
    ctx.out(_identity(ctx)[0][1] + "\n")
    return 0


@applet("groups")
def groups(ctx: Context, argv: list[str]) -> int:
    ctx.out(" ".join(name for _, name in _identity(ctx)[2]) + "\n")
    return 0


@applet("sync")
def sync(ctx: Context, argv: list[str]) -> int:
    return 0  # the phone's files are written through to the host as they are written
