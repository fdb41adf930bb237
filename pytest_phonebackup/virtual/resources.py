"""The phone's memory and time since boot as `free` and `uptime` (toybox) report them: a 2 GiB
emulator whose used memory grows with the apps that run. Not for storage space (`df`, `storage`).
"""

from __future__ import annotations

import time
from datetime import datetime

from .androidtool import phone_of
from .shell.api import Context, applet
from .shell.applets.files.base import human
from .shell.applets.misc import _zone

RAM_BYTES = 2048 * 1024**2  # the AVD default hw.ramSize of Google's API 34 phone images
SYSTEM_USED = 1_150 * 1024**2  # kernel, system_server, SystemUI and the other boot processes
APP_USED = 120_000 * 1024  # each running app's RSS, as ps prints it (KiB)
BUFFERS = 48 * 1024**2
SHARED = 9 * 1024**2
LOAD = "0.00, 0.00, 0.00"  # nothing runs on the virtual phone's CPUs between commands


@applet("free")
def free(ctx: Context, argv: list[str]) -> int:
    units = {"-b": 1, "-k": 1024, "-m": 1024**2, "-g": 1024**3, "-t": 1024**4, "-h": 0}
    unit = 1
    for arg in argv[1:]:
        if arg not in units:
            return ctx.fail(f"Unknown option '{arg.lstrip('-')[:1]}' (see \"free --help\")")
        unit = units[arg]
    apps = len(phone_of(ctx).system.activity.processes())
    used = min(RAM_BYTES, SYSTEM_USED + apps * APP_USED)

    def shown(value: int) -> str:
        return human(value) if unit == 0 else str(value // unit)

    ctx.out("\t\ttotal        used        free      shared     buffers\n"
            f"Mem:{shown(RAM_BYTES):>17}{shown(used):>12}{shown(RAM_BYTES - used):>12}{shown(SHARED):>12}"
            f"{shown(BUFFERS):>12}\n"
            f"-/+ buffers/cache:{shown(used - BUFFERS):>15}{shown(RAM_BYTES - used + BUFFERS):>12}\n"
            f"Swap:{shown(0):>16}{shown(0):>12}{shown(0):>12}\n")
    return 0


@applet("uptime")
def uptime(ctx: Context, argv: list[str]) -> int:
    booted = phone_of(ctx).booted_at
    zone = _zone(ctx, False)
    if "-s" in argv[1:]:
        ctx.out(datetime.fromtimestamp(booted, zone).strftime("%Y-%m-%d %H:%M:%S") + "\n")
        return 0
    up = int(time.time() - booted)
    minutes, hours, days = up // 60 % 60, up // 3600 % 24, up // 86400
    if "-p" in argv[1:]:
        ctx.out(f"up {days // 7} weeks, {days % 7} days, {hours} hours, {minutes} minutes,  load average: {LOAD}\n")
        return 0
    now = datetime.now(zone)
    text = f" {now:%H:%M:%S} up "
    if days:
        text += f"{days} day{'s' if days != 1 else ''}, "
    text += f"{hours:2d}:{minutes:02d}, " if hours else f"{minutes} min, "
    ctx.out(text + f" 0 users,  load average: {LOAD}\n")
    return 0
