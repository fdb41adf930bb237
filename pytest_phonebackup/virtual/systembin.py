"""What /system/bin of the virtual phone holds: the inventory of an Android 14 emulator image
(`system_bin.txt`, derived from AOSP), the folder's entries as the phone shows them, and the
`toybox` multiplexer itself. Not for the commands' own behaviour (they live in their modules).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .shell.api import Applets, Context, applet

SOURCES = ("toybox", "toolbox", "mksh-builtin", "awk", "framework", "other")
SCOPES = ("user", "admin")
TOYBOX_LINE = 65  # toybox's main.c wraps its command list after this many columns


@dataclass(frozen=True)
class SystemCommand:
    """One name in /system/bin: where AOSP builds it from, and whether the phone promises it."""

    name: str
    source: str
    scope: str


@cache
def system_bin() -> tuple[SystemCommand, ...]:
    """The checked-in inventory, in file order."""
    text = resources.files(__package__).joinpath("system_bin.txt").read_text(encoding="utf-8")
    commands = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, source, scope = line.split()
        if source not in SOURCES or scope not in SCOPES:
            raise ValueError(f"system_bin.txt:{number}: unknown source or scope in {line!r}; "
                             f"sources: {', '.join(SOURCES)}; scopes: {', '.join(SCOPES)}")
        commands.append(SystemCommand(name, source, scope))
    return tuple(commands)


def toybox_names(applets: Applets) -> list[str]:
    """The toybox commands this phone has, sorted as toybox lists them."""
    return sorted(c.name for c in system_bin() if c.source == "toybox" and c.name in applets)


def install(folder: str, applets: Applets) -> None:
    """Fill the host folder behind /system/bin: toybox's commands are symlinks to `toybox`, as on
    Android; every other command the phone has is a file of its own."""
    os.makedirs(folder, exist_ok=True)
    toybox = set(toybox_names(applets)) - {"toybox"}
    for name in applets:
        if "/" in name:
            continue
        path = os.path.join(folder, name)
        if os.path.lexists(path):
            continue
        if name in toybox:
            os.symlink("toybox", path)
        else:
            # An empty stand-in: the phone runs its own command, never this file, and an empty file
            # takes nothing from the storage's capacity.
            open(path, "wb").close()
            os.chmod(path, 0o755)


@applet("toybox")
def toybox(ctx: Context, argv: list[str]) -> int:
    """`toybox` lists its commands; `toybox NAME ARGS` runs one, as main.c's toybox_main does."""
    names = toybox_names(ctx.applets)
    if len(argv) > 1 and argv[1] not in ("--long", "--help"):
        name = argv[1]
        func = ctx.applets.get(name) if name in names and name != "toybox" else None
        if func is None:
            return ctx.fail(f'Unknown command {name} (see "toybox --help")', 127)
        ctx.argv0 = name
        return func(ctx, argv[1:]) or 0
    if len(argv) > 1 and argv[1] == "--help":
        ctx.out("Toybox 0.8.9-android multicall binary (see https://landley.net/toybox)\n\n"
                "usage: toybox [--long | --help | --version | [COMMAND] [ARGUMENTS...]]\n\n"
                "With no arguments, \"toybox\" shows available COMMAND names. Add --long\n"
                "to include suggested install path for each command, see\n"
                "https://landley.net/toybox/faq.html#install for details.\n\n"
                "First argument is name of a COMMAND to run, followed by any ARGUMENTS\n"
                "to that command. Most toybox commands also understand:\n\n"
                "--help\t\tShow command help (only)\n"
                "--version\tShow toybox version (only)\n\n"
                "The filename \"-\" means stdin/stdout, and \"--\" stops argument parsing.\n\n"
                "Numerical arguments accept a single letter suffix for\n"
                "kilo, mega, giga, tera, peta, and exa units, plus an\n"
                "\"i\" suffix for binary units or a \"d\" suffix for decimal.\n"
                "(Sometimes 1024 is an implicit unit, sometimes it's 1000.)\n")
        return 0
    ctx.out(list_text([n for n in names if n != "toybox"], long="--long" in argv[1:]))
    return 0


def list_text(names: list[str], long: bool = False) -> str:
    """Names laid out as toybox prints them: a space after each, a new line past 65 columns."""
    if long:
        names = [f"system/bin/{name}" for name in names]
    parts, column = [], 0
    for name in names:
        column += len(name) + 1
        if column > TOYBOX_LINE:
            column = 0
        parts.append(name + (" " if column else "\n"))
    return "".join(parts) + "\n"
