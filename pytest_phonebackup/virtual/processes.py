"""The phone's process table as the shell sees it, and the tools that read, signal or schedule it:
ps, pidof, pgrep, pkill, killall, kill (mksh's builtin on Android), renice, ionice and taskset. One
table serves them all, so a PID ps shows is the PID kill reaches; killing an app's process stops the app as `am force-stop` does.
Not for starting apps (`activity`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .activity import user_name
from .androidtool import phone_of
from .procfs import cpu_count
from .shell.api import Context, applet
from .shell.applets.options import UsageError, number, parse
from .shell.applets.scheduling import run_command

SH = "/system/bin/sh"  # mksh's message prefix: kill is its builtin
ADBD_PID = 398

# Linux's signals as mksh lists them (number, name, strsignal text); 32-64 have no name there.
SIGNALS = [(1, "HUP", "Hangup"), (2, "INT", "Interrupt"), (3, "QUIT", "Quit"), (4, "ILL", "Illegal instruction"),
           (5, "TRAP", "Trace/breakpoint trap"), (6, "ABRT", "Aborted"), (7, "BUS", "Bus error"),
           (8, "FPE", "Floating point exception"), (9, "KILL", "Killed"), (10, "USR1", "User defined signal 1"),
           (11, "SEGV", "Segmentation fault"), (12, "USR2", "User defined signal 2"), (13, "PIPE", "Broken pipe"),
           (14, "ALRM", "Alarm clock"), (15, "TERM", "Terminated"), (16, "STKFLT", "Stack fault"),
           (17, "CHLD", "Child exited"), (18, "CONT", "Continued"), (19, "STOP", "Stopped (signal)"),
           (20, "TSTP", "Stopped"), (21, "TTIN", "Stopped (tty input)"), (22, "TTOU", "Stopped (tty output)"),
           (23, "URG", "Urgent I/O condition"), (24, "XCPU", "CPU time limit exceeded"),
           (25, "XFSZ", "File size limit exceeded"), (26, "VTALRM", "Virtual timer expired"),
           (27, "PROF", "Profiling timer expired"), (28, "WINCH", "Window changed"), (29, "POLL", "I/O possible"),
           (30, "PWR", "Power failure"), (31, "SYS", "Bad system call")]
SIGNAL_NUMBERS = {name: number for number, name, _ in SIGNALS} | {"IO": 29, "IOT": 6, "CLD": 17}
NSIG = 65
SIGKILL, SIGTERM = 9, 15
# Signals whose default action ends a process (the rest stop, continue or are ignored).
FATAL = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 24, 25, 26, 27, 31} | set(range(34, NSIG))


@dataclass(frozen=True)
class Running:
    """One process: what ps prints, and the app it belongs to (None for system processes)."""

    user: str
    pid: int
    ppid: int
    name: str
    package: str | None = None
    state: str = "S"
    wchan: str = "do_epoll_wait"
    vsz: int = 0
    rss: int = 0


def running(ctx: Context) -> list[Running]:
    """Every process now, in PID order: the tasks of the phone's kernel (the one table /proc lists
    too), with the asking command among them."""
    rows = []
    for task in phone_of(ctx).kernel.tasks():
        wchan = "0" if task.state == "R" else ("sigsuspend" if task.comm == "sh" else "do_epoll_wait")
        rows.append(Running(user_name(task.uid), task.pid, task.ppid, task.name, package=task.package,
                            state=task.state, wchan=wchan, vsz=task.vsz_kb, rss=task.rss_kb))
    return rows


def asking_pid(ctx: Context) -> int:
    """The pid of the command that asks (the ps, pgrep or kill running now)."""
    return int(phone_of(ctx).kernel.self_pid())


def _ps_row(r: Running) -> str:
    return f"{r.user:<12}{r.pid:>6} {r.ppid:>5} {r.vsz:>10} {r.rss:>6} {r.wchan:<16}{0:>5} {r.state} {r.name}\n"


PS_HELP = """usage: ps [-AadefLlnwZ] [-gG GROUP,] [-k FIELD,] [-o FIELD,] [-p PID,] [-t TTY,] [-uU USER,]

List processes.

Which processes to show (-gGuUpPt selections may be comma separated lists):

-A  All					-a  Has terminal not session leader
-d  All but session leaders		-e  Synonym for -A
-g  In GROUPs				-G  In real GROUPs (before sgid)
-p  PIDs (--pid)			-P  Parent PIDs (--ppid)
-s  In session IDs			-t  Attached to selected TTYs
-T  Show threads also			-u  Owned by selected USERs
-U  Real USERs (before suid)

Output modifiers:

-k  Sort FIELDs (-FIELD to reverse)	-M  Measure/pad future field widths
-n  Show numeric USER and GROUP		-w  Wide output (don't truncate fields)

Which FIELDs to show. (-o HELP for list, default = -o PID,TTY,TIME,CMD)

-f  Full listing (-o USER:12=UID,PID,PPID,C,STIME,TTY,TIME,ARGS=CMD)
-l  Long listing (-o F,S,UID,PID,PPID,C,PRI,NI,ADDR,SZ,WCHAN,TTY,TIME,CMD)
-o  Output FIELDs instead of defaults, each with optional :size and =title
-O  Add FIELDS to defaults
-Z  Include LABEL
"""


@applet("ps")
def ps(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if "--help" in args:
        ctx.out(PS_HELP)
        return 0
    everything = any(a.startswith("-") and not a.startswith("--") and ("A" in a or "e" in a) for a in args)
    wanted = {a for a in args if not a.startswith("-")}
    ctx.out(f"{'USER':<12}{'PID':>6} {'PPID':>5} {'VSZ':>10} {'RSS':>6} {'WCHAN':<16}{'ADDR':>5} S NAME\n")
    me = asking_pid(ctx)
    session = {me, next((r.ppid for r in running(ctx) if r.pid == me), me)}
    for row in running(ctx):
        if not everything and row.pid not in session:
            continue
        if wanted and str(row.pid) not in wanted and row.name not in wanted:
            continue
        ctx.out(_ps_row(row))
    return 0


# -- finding processes by name ----------------------------------------------------------------
@applet("pidof")
def pidof(ctx: Context, argv: list[str]) -> int:
    """toybox pidof: the PIDs of each named process, newest first, on one line."""
    single = "-s" in argv[1:]
    names = [a for a in argv[1:] if not a.startswith("-")]
    found = [r.pid for name in names for r in reversed(running(ctx)) if r.name == name]
    if single:
        found = found[:1]
    if found:
        ctx.out(" ".join(map(str, found)) + "\n")
    return 0 if found else 1


def _matching(ctx: Context, argv: list[str], tool: str) -> tuple[list[Running], dict[str, object]] | int:
    """The processes a pgrep/pkill command line selects (toybox's -f -x -n -o -u -l -v)."""
    flags: dict[str, object] = {"signal": SIGTERM}
    patterns: list[str] = []
    args = argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if tool == "pkill" and arg.startswith("-") and (arg[1:].isdigit() or arg[1:].upper() in SIGNAL_NUMBERS
                                                        or arg[1:].upper().removeprefix("SIG") in SIGNAL_NUMBERS):
            flags["signal"] = _signal_number(arg[1:])
        elif arg in ("-u", "-U", "-d"):
            if i >= len(args):
                return ctx.fail(f'Missing argument to {arg} (see "{tool} --help")')
            flags[arg[1]] = args[i]
            i += 1
        elif arg.startswith("-") and len(arg) > 1 and all(c in "fxnolvcaL" for c in arg[1:]):
            for letter in arg[1:]:
                flags[letter] = True
        elif arg.startswith("-") and len(arg) > 1:
            return ctx.fail(f"Unknown option '{arg[1]}' (see \"{tool} --help\")")
        else:
            patterns.append(arg)
    if not patterns:
        return ctx.fail(f'Needs 1 argument (see "{tool} --help")')
    try:
        regexes = [re.compile(p) for p in patterns]
    except re.error as exc:
        return ctx.fail(f"bad regex '{patterns[0]}': {exc}")
    chosen = []
    me = asking_pid(ctx)
    for row in running(ctx):
        if row.pid == me:
            continue  # toybox never matches itself
        text = row.name
        hit = any((r.fullmatch(text) if "x" in flags else r.search(text)) for r in regexes)
        if "u" in flags and row.user not in str(flags["u"]).split(","):
            hit = False
        if hit != bool(flags.get("v")):
            chosen.append(row)
    if flags.get("n") and chosen:
        chosen = [max(chosen, key=lambda r: r.pid)]
    if flags.get("o") and chosen:
        chosen = [min(chosen, key=lambda r: r.pid)]
    return chosen, flags


@applet("pgrep")
def pgrep(ctx: Context, argv: list[str]) -> int:
    got = _matching(ctx, argv, "pgrep")
    if isinstance(got, int):
        return got
    chosen, flags = got
    if flags.get("c"):
        ctx.out(f"{len(chosen)}\n")
    else:
        sep = str(flags.get("d", "\n"))
        text = sep.join(f"{r.pid} {r.name}" if flags.get("l") else str(r.pid) for r in chosen)
        if chosen:
            ctx.out(text + "\n")
    return 0 if chosen else 1


@applet("pkill")
def pkill(ctx: Context, argv: list[str]) -> int:
    got = _matching(ctx, argv, "pkill")
    if isinstance(got, int):
        return got
    chosen, flags = got
    status = 0 if chosen else 1
    for row in chosen:
        error = deliver(ctx, row, int(flags["signal"]))  # type: ignore[call-overload]
        if error:
            ctx.err(f"{row.pid}: {error}")
            status = 1
    return status


# -- kill -------------------------------------------------------------------------------------
def _signal_number(text: str) -> int:
    """A signal given by number or by name (with or without SIG); -1 when unknown."""
    if text.isdigit():
        return int(text) if int(text) < NSIG else -1
    name = text.upper().removeprefix("SIG")
    return SIGNAL_NUMBERS.get(name, -1)


def _signal_name(number: int) -> str:
    return next((name for n, name, _ in SIGNALS if n == number), str(number))


def deliver(ctx: Context, row: Running, signal: int) -> str | None:
    """Send `signal` to one process; None when delivered, else the error text. The shell user may
    signal only its own processes (Linux's rule); root may signal any, and an app whose process a
    fatal signal reaches stops as `am force-stop` stops it."""
    own = row.user in ("shell", "root") and row.ppid in (ADBD_PID, getattr(ctx.shell, "pid", 0))
    if not ctx.phone.root and not own:
        return "Operation not permitted"
    if signal == 0:
        return None
    if row.package is not None and signal in FATAL:
        phone_of(ctx).system.activity.force_stop(row.package, f"from pid {getattr(ctx.shell, 'pid', 0)}")
        phone_of(ctx).system.log("ActivityManager", f"Process {row.package} (pid {row.pid}) has died: "
                                 "fg  TOP ", "I", buffer="system")
    return None


def _kill_list(ctx: Context, operands: list[str]) -> int:
    if not operands:
        items = [f"{n:>2} {name:>6} {text}" for n, name, text in SIGNALS]
        items += [f"{n:>2} {n:>6} Signal {n}" for n in range(32, NSIG)]
        half = (len(items) + 1) // 2
        for left, right in zip(items[:half], items[half:], strict=True):
            ctx.out(f"{left:<40}{right}".rstrip() + "\n")
        return 0
    status = 0
    for text in operands:
        if not text.isdigit():
            ctx.stderr.write(f"{SH}: kill: bad signal '{text}'\n".encode())
            status = 1
            continue
        number = int(text) - 128 if int(text) > 128 else int(text)
        ctx.out(_signal_name(number) + "\n")
    return status


@applet("kill")
def kill(ctx: Context, argv: list[str]) -> int:
    """mksh's builtin kill: `-l [STATUS]`, `-s NAME`, `-NAME` / `-NUMBER`, then PIDs."""
    args = argv[1:]
    usage = ("usage:\tkill [-s signame | -signum | -signame] { job | pid | pgrp } ...\n"
             "\tkill -l [exit_status ...]\n")
    if args and args[0] == "-l":
        return _kill_list(ctx, args[1:])
    signal = SIGTERM
    if args and args[0] == "-s" and len(args) > 1:
        signal, args = _signal_number(args[1]), args[2:]
        if signal < 0:
            ctx.stderr.write(f"{SH}: kill: bad signal: {argv[2]}\n".encode())
            return 1
    elif args and args[0].startswith("-") and args[0] != "-" and args[0] != "--":
        signal = _signal_number(args[0][1:])
        if signal < 0:
            ctx.stderr.write(f"{SH}: kill: bad signal: {args[0][1:]}\n".encode())
            return 1
        args = args[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        ctx.stderr.write(usage.encode())
        return 1
    table = {row.pid: row for row in running(ctx)}
    status = 0
    for text in args:
        if not re.fullmatch(r"-?\d+", text):
            ctx.stderr.write(f"{SH}: kill: {text}: arguments must be jobs or process IDs\n".encode())
            status = 1
            continue
        row = table.get(int(text))
        error = "No such process" if row is None else deliver(ctx, row, signal)
        if error:
            ctx.stderr.write(f"{SH}: kill: {text}: {error}\n".encode())
            status = 1
    return status


# -- killall (toybox's toys/lsb/killall.c) ------------------------------------------------------
def _toybox_signal_names() -> list[tuple[int, str]]:
    """toybox's list_signals(): Linux's names, then the real-time ones around SIGRTMIN (34)."""
    names = [(n, "IO" if n == 29 else name) for n, name, _ in SIGNALS]
    names += [(n, "RTMIN" + (f"+{n - 34}" if n > 34 else "")) for n in range(34, 50)]
    names += [(n, "RTMAX" + (f"-{64 - n}" if n < 64 else "")) for n in range(50, 65)]
    return names


def _toybox_signal(text: str) -> int:
    """toybox's sig_to_num(): a number, or a name with or without SIG; -1 when unknown."""
    if text.isdigit():
        return int(text) if int(text) < NSIG else -1
    name = text.upper().removeprefix("SIG")
    return next((n for n, known in _toybox_signal_names() if known == name), -1)


@applet("killall")
def killall(ctx: Context, argv: list[str]) -> int:
    """Signals every process named so; for the shell user, another user's process fails with
    EPERM ("pid N: Operation not permitted") and the name is reported with its last error."""
    flags: set[str] = set()
    names, args = [], argv[1:]
    signal_text: str | None = None
    while args:
        arg = args.pop(0)
        if arg == "-s":
            if not args:
                return ctx.fail('Missing argument to -s (see "killall --help")')
            signal_text = args.pop(0)
        elif arg.startswith("-s") and len(arg) > 2:
            signal_text = arg[2:]
        elif arg.startswith("-") and len(arg) > 1 and all(c in "ilqvw" for c in arg[1:]):
            flags.update(arg[1:])
        else:
            names.append(arg)  # "?" in the optstring: an unknown -X stays for the signal
    if "l" in flags:
        items = [f"{n:2d}) SIG{name:<9}" for n, name in _toybox_signal_names()]
        for start in range(0, len(items), 5):
            ctx.out("".join(items[start:start + 5]) + "\n")
        return 0
    signal = SIGTERM
    if signal_text is not None or (names and names[0].startswith("-")):
        signal = _toybox_signal(signal_text if signal_text is not None else names[0][1:])
        if signal < 0:
            return 1 if "q" in flags else ctx.fail("Invalid signal")
        if signal_text is None:
            names = names[1:]
    if not names:
        return ctx.fail('no name (see "killall --help")')
    errors = dict.fromkeys(names, "No such process")
    me = asking_pid(ctx)
    for row in running(ctx):
        name = next((n for n in names if n in (row.name, row.name.rsplit("/", 1)[-1])), None)
        if name is None or row.pid == me:
            continue
        errors[name] = deliver(ctx, row, signal) or ""
        if errors[name] and "q" not in flags:
            ctx.err(f"pid {row.pid}: {errors[name]}")
        elif not errors[name] and "v" in flags:
            ctx.out(f"Killed {name}({row.pid}) with signal {signal}\n")
    status = 0
    for name in names:
        if errors[name]:
            ctx.err(f"{name}: {errors[name]}")
            status = 1
    return status


# -- renice, ionice, taskset: scheduling of running processes ------------------------------------
def _reach(ctx: Context, pid: int) -> str | None:
    """None when this user may change the process `pid` (its own, or any as root), else why not:
    the errno text setpriority(2), ioprio_set(2) and sched_setaffinity(2) give."""
    if not pid:
        return None  # 0: the calling process itself
    row = next((r for r in running(ctx) if r.pid == pid), None)
    if row is None:
        return "No such process"
    me = getattr(ctx.shell, "pid", 0)
    own = pid == me or (row.user in ("shell", "root") and row.ppid in (ADBD_PID, me))
    return None if ctx.phone.root or own else "Operation not permitted"


@applet("renice")
def renice(ctx: Context, argv: list[str]) -> int:
    """toys/posix/renice.c: adds -n to each process's niceness; lowering it needs CAP_SYS_NICE."""
    try:
        opts = parse(argv, "gpu", "n")
        if not opts.operands:
            raise UsageError('Needs 1 argument (see "renice --help")')
        if "n" not in opts:
            raise UsageError('Needs -n (see "renice --help")')
        change = number(str(opts.get("n")))
    except UsageError as exc:
        return ctx.fail(str(exc))
    status = 0
    users = {"root": 0, "system": 1000, "shell": 2000}
    for arg in opts.operands:
        ident = users.get(arg, -1) if "u" in opts else (int(arg) if arg.isdigit() else -1)
        if ident < 0:
            status = ctx.fail(f"bad '{arg}'")
            continue
        error = None if "u" in opts or "g" in opts else _reach(ctx, ident)
        if error is None and change < 0 and not ctx.phone.root:
            error = "Permission denied"
        if error:
            ctx.err(f"setpriority {ident}: {error}")
            status = 1
    return status


_IO_CLASSES = ("unknown", "Realtime", "Best-effort", "Idle")


@applet("ionice")
def ionice(ctx: Context, argv: list[str]) -> int:
    """toys/other/ionice.c: -p PID alone reads the class (a task left at the default shows
    "unknown: prio 0", a missing one -1's bits: "Idle: prio 7"); the real-time class needs
    CAP_SYS_ADMIN, so as the shell user only best-effort and idle may be set."""
    try:
        opts = parse(argv, "t", "cnp", stop_at_operand=True)
        values = {letter: number(str(opts.get(letter))) for letter in "cnp" if letter in opts}
        for letter, low, high in (("c", 0, 3), ("n", 0, 7)):
            if letter in values and not low <= values[letter] <= high:
                raise UsageError(f"-{letter} {'<' if values[letter] < low else '>'} "
                                 f"{low if values[letter] < low else high} (see \"ionice --help\")")
    except UsageError as exc:
        return ctx.fail(str(exc))
    pid = values.get("p", 0)
    if not pid and not opts.operands:
        return ctx.fail("Need -p or COMMAND")
    if set(opts.values) == {"p"}:
        error = _reach(ctx, pid) if pid else None
        cls, prio = (3, 7) if error == "No such process" else (0, 0)
        ctx.out(f"{_IO_CLASSES[cls]}: prio {prio}\n")
        return 0
    error = _reach(ctx, pid)
    if error is None and values.get("c", 2) == 1 and not ctx.phone.root:
        error = "Operation not permitted"
    if error and "t" not in opts:
        return ctx.fail(f"set: {error}")
    return 0 if pid else run_command(ctx, opts.operands)


@applet("taskset")
def taskset(ctx: Context, argv: list[str]) -> int:
    """toys/other/taskset.c: a task's CPU mask (every CPU of the phone); a new mask may be set on
    this user's own processes only, and must name CPUs the phone has."""
    try:
        opts = parse(argv, "pa", stop_at_operand=True)
        if not opts.operands:
            raise UsageError('Needs 1 argument (see "taskset --help")')
    except UsageError as exc:
        return ctx.fail(str(exc))
    full = (1 << cpu_count(ctx.phone.props)) - 1
    mask_text = opts.operands[0] if len(opts.operands) > 1 else None
    if mask_text is not None and not all(c in "0123456789abcdefABCDEF" for c in mask_text):
        return ctx.fail(f"bad mask '{mask_text}'")
    if "p" not in opts:
        if len(opts.operands) < 2:
            return ctx.fail("Needs 2 args")
        if not int(mask_text or "0", 16) & full:
            return ctx.fail("failed to set pid 0's affinity: Invalid argument")
        return run_command(ctx, opts.operands[1:])
    text = opts.operands[-1]
    if not text.lstrip("-").isdigit():
        return ctx.fail(f"Not int {text}")
    pid = int(text)
    error = _reach(ctx, pid)
    if error == "No such process":
        return ctx.fail(f"failed to get pid {pid}'s affinity: {error}")
    ctx.out(f"pid {pid}'s current affinity mask: {full:x}\n")
    if mask_text is None:
        return 0
    if error is None and not int(mask_text, 16) & full:
        error = "Invalid argument"
    if error:
        return ctx.fail(f"failed to set pid {pid}'s affinity: {error}")
    ctx.out(f"pid {pid}'s new affinity mask: {int(mask_text, 16) & full:x}\n")
    return 0
