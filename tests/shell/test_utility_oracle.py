"""Differential tests of toybox's file-making and utility commands (split, dos2unix, expand,
uuidgen, ...): each command line runs through real mksh + toybox on the host and through the
virtual phone over the real adb, each in a fresh copy of a small tree, and the outputs, error
texts and exit statuses must be identical. A failure shows both sides.
"""

from __future__ import annotations

import itertools
import re

import pytest
from oracle import DIR, make_trees, oracle_skip_reason

SMALL_TREE: dict[str, object] = {
    "ten": b"0123456789",
    "lines.txt": b"".join(b"line %d\n" % i for i in range(1, 31)),
    "noeol.txt": b"first\nsecond\nno newline at end",
    "empty": b"",
    "dos.txt": b"a\r\nb\rc\r\r\nd\n\r",
    "unix.txt": b"one\ntwo\r\nthree",
    "tabs.txt": b"x\ty\tz\n12345678\tq\n\tb\bc\nab\r\tc\n\t\t\n",
    "dir/inner.txt": b"inner\n",
    "emptydir": DIR,
}

_names = itertools.count()


@pytest.fixture
def fresh(shell_phone, adb_server, oracle_dir):
    """A new copy of SMALL_TREE on both sides, so commands that write files never meet each other."""
    reason = oracle_skip_reason()
    if reason:
        pytest.skip(reason)
    return make_trees(shell_phone, adb_server, oracle_dir, f"u{next(_names)}", SMALL_TREE, {})


def check(trees, command: str, stdin: bytes = b"") -> None:
    expected, actual = trees.both(command, stdin)
    assert (actual.stdout, actual.stderr, actual.status) == (expected.stdout, expected.stderr, expected.status), (
        f"\ncommand: {command}\ntoybox: {expected.status} {expected.stdout!r} {expected.stderr!r}"
        f"\nphone:  {actual.status} {actual.stdout!r} {actual.stderr!r}")


COMMANDS = {
    "split": ["split -l 7 lines.txt && ls && cat xab", "split -b 3 ten p_ && ls p_* && cat p_ad",
              "split -l 2 -a 3 noeol.txt n. && ls n.* && cat n.aab", "split -n 3 ten part && wc -c part*",
              "split -a 1 -l 1 lines.txt r; echo $?; ls r* | tail -n 2", "split -b 1k lines.txt && ls x*",
              "split -b 1b lines.txt big && cmp bigaa lines.txt && echo same", "split empty e; ls e*",
              "split -l 10 - st < lines.txt && ls st* && cat stac", "cat ten | split -b 4 && cat xac",
              "toybox split -l 15 lines.txt t && ls t*", "split nope", "split emptydir", "split -x ten",
              "split -l 0 ten", "split -b -3 ten", "split -a 10 ten", "split -b x ten", "split -l 2x ten",
              "split -l", "split a b c", "split -l 3 -b 4 ten", "split -b 4 -l 3 ten", "split -n 2 -l 3 ten",
              "split -l 3 -n 2 ten", "split -b 3 ten sub/x", "split -n 20 ten m", "split -n 0 ten"],
    "dos2unix": ["dos2unix dos.txt && od -c dos.txt", "dos2unix < dos.txt | od -c", "dos2unix - < dos.txt | od -c",
                 "dos2unix dos.txt nope unix.txt; echo $?; od -c unix.txt", "printf 'x\\r' | dos2unix | od -c",
                 "cp dos.txt d2 && chmod 600 d2 && dos2unix d2 && ls -l d2 | cut -c1-10",
                 "toybox dos2unix dos.txt && od -c dos.txt", "dos2unix emptydir 2>/dev/null; echo $?", "dos2unix -x"],
    "unix2dos": ["unix2dos unix.txt && od -c unix.txt", "unix2dos < dos.txt | od -c", "unix2dos noeol.txt empty && od -c noeol.txt empty",
                 "printf 'a\\nb' | unix2dos | od -c", "unix2dos nope; echo $?", "toybox unix2dos < unix.txt | od -c",
                 "unix2dos emptydir unix.txt 2>/dev/null; echo $?; od -c unix.txt"],
    "expand": ["expand tabs.txt | od -c", "expand -t 4 tabs.txt", "expand -t 2,5 tabs.txt", "expand -t 3 -t 4 tabs.txt",
               "expand -t '2 5' tabs.txt", "expand -t4, tabs.txt", "expand -t 5,3 tabs.txt", "expand -t x tabs.txt",
               "expand nope tabs.txt; echo $?", "expand emptydir", "printf 'a\\tb' | expand | od -c",
               "expand - < tabs.txt | head -n 1", "toybox expand -t 1 tabs.txt", "expand -t"],
    "uuidgen": ["uuidgen x", "uuidgen -x", "toybox uuidgen -q"],
}

CASES = [pytest.param(cmd, id=f"{area}: {cmd}") for area, cmds in COMMANDS.items() for cmd in cmds]


@pytest.mark.parametrize("command", CASES)
def test_command_matches_toybox(fresh, command):
    check(fresh, command)


UUID4 = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n")


def test_uuidgen_prints_a_new_random_uuid_each_time(fresh):
    first, second = fresh.phone_run("uuidgen"), fresh.phone_run("toybox uuidgen")
    assert UUID4.fullmatch(first.stdout) and UUID4.fullmatch(second.stdout), (first, second)
    assert first.stdout != second.stdout
    assert (first.status, first.stderr) == (0, b"")
