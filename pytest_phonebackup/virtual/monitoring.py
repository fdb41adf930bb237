"""toybox's monitors on the phone: top, vmstat, pmap and lsof, read from the same process table and
/proc files as ps and free, so a PID top shows is the one ps shows. As on Android 14 the shell user
sees every process (readproc) but the maps and open files of its own only. Formats follow toybox
0.8.9 (toys/posix/ps.c's top, toys/other/vmstat.c, toys/other/pmap.c, toys/pending/lsof.c).
"""

from __future__ import annotations

from .processes import ADBD_PID, Running, asking_pid, running
from .procfs import USER_HZ
from .shell.api import Context, applet


def _proc(ctx: Context, name: str) -> str:
    with ctx.storage.open_read(f"/proc/{name}") as fh:
        return fh.read().decode()


def _meminfo(ctx: Context) -> dict[str, int]:
    rows = {}
    for line in _proc(ctx, "meminfo").splitlines():
        key, _, rest = line.partition(":")
        rows[key] = int(rest.split()[0])
    return rows


def _cpu_line(ctx: Context) -> list[int]:
    return [int(v) for v in _proc(ctx, "stat").splitlines()[0].split()[1:]]


def _human(kib: int) -> str:
    """toybox human_readable in 4 columns: 2.9M, 10G, 512K."""
    value, units = float(kib), "KMGTP"
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{value:.1f}{units[unit]}" if value < 10 and unit else f"{int(value)}{units[unit]}"


def _own(ctx: Context, row: Running) -> bool:
    """The shell user reads the maps and fds of its own processes (adbd is not dumpable)."""
    return ctx.phone.root or (row.user == "shell" and row.pid != ADBD_PID)


def _args(ctx: Context, pid: int, name: str) -> str:
    try:
        text = _proc(ctx, f"{pid}/cmdline")
    except OSError:
        return name
    return " ".join(a for a in text.split("\0") if a) or name


# -- top ----------------------------------------------------------------------------------------
@applet("top")
def top(ctx: Context, argv: list[str]) -> int:
    """One screen per iteration (`-n N`, `-b` is the only mode without a terminal); sorted by %CPU,
    then newest first, as toybox sorts ties."""
    args = argv[1:]
    iterations = 1
    for i, arg in enumerate(args):
        if arg == "-n" and i + 1 < len(args) and args[i + 1].isdigit():
            iterations = int(args[i + 1])
        elif arg.startswith("-n") and arg[2:].isdigit():
            iterations = int(arg[2:])
    for number in range(max(1, iterations)):
        if number:
            if ctx.cancelled.wait(3.0):
                return 0
        _top_screen(ctx)
    return 0


def _top_screen(ctx: Context) -> None:
    rows = running(ctx)
    mem = _meminfo(ctx)
    states = [r.state for r in rows]
    ctx.out(f"Tasks: {len(rows)} total, {states.count('R'):>3} running, {states.count('S'):>3} sleeping, "
            f"{states.count('T'):>3} stopped, {states.count('Z'):>3} zombie\n")
    ctx.out(f"  Mem:{mem['MemTotal']:>9}K total,{mem['MemTotal'] - mem['MemFree']:>9}K used,"
            f"{mem['MemFree']:>9}K free,{mem['Buffers']:>9}K buffers\n")
    ctx.out(f" Swap:{mem['SwapTotal']:>9}K total,{mem['SwapTotal'] - mem['SwapFree']:>9}K used,"
            f"{mem['SwapFree']:>9}K free,{mem['Cached']:>9}K cached\n")
    cpu = _cpu_line(ctx)
    cpus = sum(1 for line in _proc(ctx, "stat").splitlines() if line[:3] == "cpu" and line[3:4].isdigit())
    total = sum(cpu[:8]) or 1

    def share(value: int) -> int:
        return round(value * cpus * 100 / total)

    ctx.out(f"{cpus * 100}%cpu{share(cpu[0]):>4}%user{share(cpu[1]):>4}%nice{share(cpu[2]):>4}%sys"
            f"{share(cpu[3]):>4}%idle{share(cpu[4]):>4}%iow{share(cpu[5]):>4}%irq{share(cpu[6]):>4}%sirq"
            f"{share(cpu[7]):>4}%host\n")
    ctx.out("  PID USER         PR  NI VIRT  RES  SHR S[%CPU] %MEM     TIME+ ARGS\n")
    me = asking_pid(ctx)
    for row in sorted(rows, key=lambda r: (r.pid != me, -r.pid)):
        fields = _proc(ctx, f"{row.pid}/stat").rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        seconds, hundredths = divmod(ticks * 100 // USER_HZ, 100)
        cpu_now = 3.4 if row.pid == me else 0.0  # only top itself ran during the sample
        ctx.out(f"{row.pid:>5} {row.user:<12}{20:>3}{0:>4} {_human(row.vsz):>4} {_human(row.rss):>4} "
                f"{_human(row.rss * 2 // 3):>4} {row.state} {cpu_now:>4.1f} "
                f"{row.rss * 100 / mem['MemTotal']:>5.1f} {seconds // 60:>3}:{seconds % 60:02d}.{hundredths:02d} "
                f"{_args(ctx, row.pid, row.name)}\n")


# -- vmstat -------------------------------------------------------------------------------------
@applet("vmstat")
def vmstat(ctx: Context, argv: list[str]) -> int:
    """toys/other/vmstat.c: the first line averages since boot; `vmstat DELAY COUNT` repeats."""
    numbers = [int(a) for a in argv[1:] if a.isdigit()]
    delay = numbers[0] if numbers else 0
    count = numbers[1] if len(numbers) > 1 else (0 if delay else 1)
    ctx.out("procs ------------memory------------ ----swap--- -----io---- ---system-- ----cpu----\n"
            " r  b    swpd    free   buff   cache    si    so    bi    bo    in    cs us sy id wa\n")
    done = 0
    while True:
        ctx.out(_vmstat_line(ctx))
        done += 1
        if (count and done >= count) or not delay or ctx.cancelled.wait(delay):
            return 0


def _vmstat_line(ctx: Context) -> str:
    mem = _meminfo(ctx)
    stat = {line.split()[0]: line.split()[1:] for line in _proc(ctx, "stat").splitlines()}
    uptime = max(1.0, float(_proc(ctx, "uptime").split()[0]))
    cpu = [int(v) for v in stat["cpu"]]
    total = sum(cpu[:8]) or 1
    user, system, idle, wait = (cpu[0] + cpu[1], cpu[2] + cpu[5] + cpu[6], cpu[3], cpu[4])
    interrupts, switches = int(stat["intr"][0]) / uptime, int(stat["ctxt"][0]) / uptime
    return (f"{stat['procs_running'][0]:>2}{stat['procs_blocked'][0]:>3}"
            f"{mem['SwapTotal'] - mem['SwapFree']:>8}{mem['MemFree']:>8}{mem['Buffers']:>7}{mem['Cached']:>8}"
            f"{0:>6}{0:>6}{120:>6}{340:>6}{int(interrupts):>6}{int(switches):>6}"
            f"{user * 100 // total:>3}{system * 100 // total:>3}{idle * 100 // total:>3}{wait * 100 // total:>3}\n")


# -- pmap ---------------------------------------------------------------------------------------
LIBRARIES = ("/apex/com.android.runtime/bin/linker64", "/apex/com.android.runtime/lib64/bionic/libc.so",
             "/apex/com.android.runtime/lib64/bionic/libm.so", "/apex/com.android.runtime/lib64/bionic/libdl.so",
             "/system/lib64/libc++.so", "/system/lib64/libcutils.so", "/system/lib64/liblog.so")


def _maps(row: Running, binary: str) -> list[tuple[int, int, str, str]]:
    """(address, KiB, mode, mapping) of a process: its binary, bionic and its libraries, heap, stack."""
    address = 0x5D0000000000 + row.pid * 0x1000000
    maps = []
    for index, (path, size) in enumerate([(binary, 1024), *((lib, 64 + 36 * i) for i, lib in enumerate(LIBRARIES))]):
        for mode, share in (("r----", 4), ("r-x--", 2), ("rw---", 8)):
            maps.append((address, max(4, size // share // 4 * 4), mode, path))
            address += 0x100000
        address += 0x1000000 * (index + 1)
    maps.append((0x7FF000000000 + row.pid * 0x10000, 132, "rw---", "  [ stack ]"))
    return maps


@applet("pmap")
def pmap(ctx: Context, argv: list[str]) -> int:
    pids = [a for a in argv[1:] if not a.startswith("-")]
    extended = any(a.startswith("-") and "x" in a for a in argv[1:])
    if not pids:
        return ctx.fail('Needs 1 argument (see "pmap --help")')
    table = {str(r.pid): r for r in running(ctx)}
    status = 0
    for pid in pids:
        row = table.get(pid)
        if row is None:
            status = 1
            continue
        ctx.out(f"{pid}: {_args(ctx, row.pid, row.name)}\n")
        if not _own(ctx, row):
            ctx.err(f"no /proc/{pid}/maps")
            status = 1
            continue
        maps = _maps(row, "/system/bin/sh" if row.name == "sh" else "/system/bin/toybox")
        if extended:
            ctx.out("Address           Kbytes     PSS   Dirty    Swap Mode  Mapping\n")
        for address, size, mode, path in maps:
            if extended:
                ctx.out(f"{address:016x} {size:>7} {size // 3:>7} {0:>7} {0:>7} {mode} {path}\n")
            else:
                ctx.out(f"{address:016x} {size:>6}K {mode} {path}\n")
        total = sum(size for _, size, _, _ in maps)
        ctx.out(f"{'total':<16} {total:>6}K\n" if not extended else f"{'total':<16} {total:>7}\n")
    return status


# -- lsof ---------------------------------------------------------------------------------------
def _lsof_rows(ctx: Context, row: Running) -> list[tuple[str, str, str, str, str, str, str]]:
    """(fd+mode, type, device, size/off, node, name) of one process, as the asking user may see them."""
    base = f"/proc/{row.pid}"
    if not _own(ctx, row):
        return [(fd + "  ", "unknown", "", "", "", f"{base}/{link} (readlink: Permission denied)", "")
                for fd, link in (("cwd", "cwd"), ("rtd", "root"), ("txt", "exe"))] + [
                ("NOFD  ", "", "", "", "", f"{base}/fd (opendir: Permission denied)", "")]
    binary = "/system/bin/sh" if row.name == "sh" else "/system/bin/toybox"
    cwd = ctx.cwd if row.pid == asking_pid(ctx) else "/"
    rows = [("cwd  ", "DIR", "253,5", "4096", "2", cwd, ""), ("rtd  ", "DIR", "253,0", "4096", "2", "/", ""),
            ("txt  ", "REG", "253,1", "345000", "1042", binary, "")]
    rows += [("mem  ", "REG", "253,1", "0", str(2000 + i), path, "") for i, path in enumerate(LIBRARIES)]
    rows += [(f"{fd}u ", "sock", "", "0t0", str(41000 + row.pid * 3 + fd), f"socket:[{41000 + row.pid * 3 + fd}]", "")
             for fd in range(3)]
    return rows


@applet("lsof")
def lsof(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    terse = any(a.startswith("-") and "t" in a and a != "-p" for a in args)
    wanted: set[int] | None = None
    names = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "-p" and i < len(args):
            for part in args[i].split(","):
                if not part.isdigit() or int(part) < 1:
                    return ctx.fail(f"bad -p '{part}'")
            wanted = {int(p) for p in args[i].split(",")}
            i += 1
        elif not arg.startswith("-"):
            if not ctx.storage.exists(arg, ctx.cwd):
                return ctx.fail(f"{arg}: No such file or directory")
            names.append(arg)
    shown_header = False
    for row in running(ctx):
        if wanted is not None and row.pid not in wanted:
            continue
        rows = _lsof_rows(ctx, row)
        if names:
            rows = [r for r in rows if r[5] in names]
        if not rows:
            continue
        if terse:
            ctx.out(f"{row.pid}\n")
            continue
        if not shown_header:
            ctx.out(f"{'COMMAND':<9} {'PID':>5} {'USER':>10.10} {'FD':>4}   {'TYPE':>7} {'DEVICE':>18} "
                    f"{'SIZE/OFF':>9} {'NODE':>10} NAME\n")
            shown_header = True
        stat_line = _proc(ctx, f"{row.pid}/stat")
        command = stat_line[stat_line.index("(") + 1:stat_line.rindex(")")][:9]  # pi.cmd holds 9 bytes
        for fd, kind, device, size, node, name, _ in rows:
            ctx.out(f"{command:<9} {row.pid:>5} {row.user:>10.10} {fd[:-2]:>4}{fd[-2:]} {kind:>7} {device:>18} "
                    f"{size:>9} {node:>10} {name}\n")
    return 0
