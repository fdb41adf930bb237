"""Toybox's small utilities that need neither files nor processes: uuidgen and cal. Formats and
messages follow toybox 0.8.9. Not for commands about the session (`running`) or text (`text`).
"""

from __future__ import annotations

import datetime
import uuid

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
