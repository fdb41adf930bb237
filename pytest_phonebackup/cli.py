"""`phonebackup`: the command line. Each area adds its own sub-commands through a small
`add_commands(subparsers)` function in its module; this file only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# Modules that contribute sub-commands, in the order `phonebackup --help` lists them.
COMMAND_MODULES = [
    "pytest_phonebackup.demo",
    "pytest_phonebackup.virtual.cli",
    "pytest_phonebackup.media.cli",
    "pytest_phonebackup.verify_cli",
    "pytest_phonebackup.nodetools",
    "pytest_phonebackup.reporting.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phonebackup",
        description="Phones, generated media, backup round trips and reports for testing phone backup apps.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
