"""Toybox's small utilities that need neither files nor processes: uuidgen, cal and getconf. Formats and
messages follow toybox 0.8.9. Not for commands about the session (`running`) or text (`text`).
"""

from __future__ import annotations

import datetime
import uuid

from ...procfs import cpu_count
from ..api import Context, applet
from .options import UsageError, number, parse


@applet("uuidgen")
def uuidgen(ctx: Context, argv: list[str]) -> int:
    """An RFC 4122 version 4 (random) UUID, as toys/other/uuidgen.c makes."""
    try:
        opts = parse(argv)
        if opts.operands:
            raise UsageError('Max 0 arguments (see "uuidgen --help")')
    except UsageError as exc:
        return ctx.fail(str(exc))
    ctx.out(f"{uuid.uuid4()}\n")
    return 0


# -- cal (toys/posix/cal.c) -----------------------------------------------------------------------
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def _month_length(year: int, month: int) -> int:
    """cal.c's monthlen(), which tests leap years on the year since 1900 (so 1900 and 2100 leap)."""
    since = year - 1900
    if month == 2:
        return 29 if not since & 3 and not (since % 100 and not since % 400) else 28
    return 30 if (month - 1 + (month > 7)) & 1 else 31


def _month_lines(year: int, month: int) -> list[str]:
    """A month as cal.c's calstrings() lays it out: 8 lines of 21 columns (adb's shell has no
    terminal, so today is never highlighted)."""
    title = f"{MONTHS[month - 1]} {year}"
    width = len(title) + (20 - len(title)) // 2
    lines = [f"{title:>{width}}{'':{20 - width}} ", "Su Mo Tu We Th Fr Sa "]
    start = (datetime.date(year, month, 1).weekday() + 1) % 7  # Sunday first
    days = [""] * start + [str(d) for d in range(1, _month_length(year, month) + 1)]
    days += [""] * (42 - len(days))
    for week in range(6):
        lines.append("".join(f"{d:>2} " for d in days[week * 7:week * 7 + 7]))
    return lines


def _ranged(text: str, low: int, high: int) -> int:
    value = number(text)
    if value < low:
        raise UsageError(f"{value} < {low}")
    if value > high:
        raise UsageError(f"{value} > {high}")
    return value


@applet("cal")
def cal(ctx: Context, argv: list[str]) -> int:
    """`cal`, `cal YEAR` (twelve months, three a row), `cal MONTH YEAR`, `cal DAY MONTH YEAR`."""
    try:
        opts = parse(argv, "h")
        args = list(opts.operands)
        if len(args) > 3:
            raise UsageError('Max 3 arguments (see "cal --help")')
        today = datetime.datetime.now(datetime.timezone.utc)
        if not args:
            ctx.out("".join(line + "\n" for line in _month_lines(today.year, today.month)))
            return 0
        year = _ranged(args.pop(), 1, 9999)
        if args:
            month = _ranged(args.pop(), 1, 12)
            if args:
                _ranged(args.pop(), 1, _month_length(year, month))
    except UsageError as exc:
        return ctx.fail(str(exc))
    if len(opts.operands) > 1:
        ctx.out("".join(line + "\n" for line in _month_lines(year, month)))
        return 0
    months = [_month_lines(year, m) for m in range(1, 13)]
    for row in range(4):
        for line in range(8):
            ctx.out("".join(months[row * 3 + k][line] + " " for k in range(3)) + "\n")
    return 0


# -- getconf (toys/posix/getconf.c) ---------------------------------------------------------------
# What an Android 14 x86_64 emulator's bionic answers, for the names QA scripts ask about.
SYSCONF = {"ARG_MAX": "2097152", "CLK_TCK": "100", "NGROUPS_MAX": "65536", "OPEN_MAX": "32768",
           "PAGESIZE": "4096", "PAGE_SIZE": "4096", "LINE_MAX": "2048", "LOGIN_NAME_MAX": "256",
           "HOST_NAME_MAX": "255", "TTY_NAME_MAX": "32", "RE_DUP_MAX": "255", "BC_BASE_MAX": "99",
           "BC_DIM_MAX": "2048", "BC_SCALE_MAX": "99", "BC_STRING_MAX": "1000", "EXPR_NEST_MAX": "32",
           "_NPROCESSORS_CONF": "", "_NPROCESSORS_ONLN": ""}
PATHCONF = {"PATH_MAX": "4096", "NAME_MAX": "255", "LINK_MAX": "65000", "PIPE_BUF": "4096",
            "FILESIZEBITS": "64", "MAX_CANON": "255", "MAX_INPUT": "255"}
LIMITS = {"CHAR_BIT": "8", "CHAR_MAX": "127", "CHAR_MIN": "-128", "INT_MAX": "2147483647",
          "INT_MIN": "-2147483648", "LONG_BIT": "64", "LONG_MAX": "9223372036854775807",
          "LONG_MIN": "-9223372036854775808", "SCHAR_MAX": "127", "SCHAR_MIN": "-128", "SHRT_MAX": "32767",
          "SHRT_MIN": "-32768", "SSIZE_MAX": "9223372036854775807", "UCHAR_MAX": "255",
          "UINT_MAX": "4294967295", "ULONG_MAX": "-1", "USHRT_MAX": "65535",
          "WORD_BIT": "32"}
GETCONF_HELP = """usage: getconf -a [PATH] | -l | NAME [PATH]

Get system configuration values. Values from pathconf(3) require a path.

-a	Show all (defaults to "/" if no path given)
-l	List available value names (grouped by source)
"""


@applet("getconf")
def getconf(ctx: Context, argv: list[str]) -> int:
    try:
        opts = parse(argv, "al")
        if len(opts.operands) > 2:
            raise UsageError('Max 2 arguments (see "getconf --help")')
    except UsageError as exc:
        return ctx.fail(str(exc))
    cpus = str(cpu_count(ctx.phone.props))
    sysconf = {name: value or cpus for name, value in SYSCONF.items()}
    groups = (("sysconf(3)", sysconf), ("pathconf(3)", PATHCONF), ("<limits.h>", LIMITS))
    if "a" in opts:
        for _title, table in groups:
            for name, value in table.items():
                ctx.out(f"{name:<34} {value}\n")
        return 0
    if "l" in opts:
        for title, table in groups:
            ctx.out(title + "\n" + "".join(f"  {name}\n" for name in table))
        return 0
    if not opts.operands:
        ctx.out("Toybox 0.8.9-android multicall binary (see toybox --help)\n\n" + GETCONF_HELP)
        return 0
    name = opts.operands[0].removeprefix("CS_") if opts.operands[0] == "CS_PATH" else opts.operands[0]
    for _title, table in groups:
        if name in table:
            break
    else:
        return ctx.fail(f"bad '{name}'")
    if (table is PATHCONF) != (len(opts.operands) == 2):
        need = "needs a path" if table is PATHCONF else "does not take a path"
        return ctx.fail(f'{name} {need} (see "getconf --help")')
    if table is PATHCONF:
        try:
            ctx.storage.stat(opts.operands[1], ctx.cwd)
        except OSError as exc:
            return ctx.fail(f"{opts.operands[1]}: {exc.strerror}")
    ctx.out(table[name] + "\n")
    return 0
