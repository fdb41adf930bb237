"""diff on the phone: unified output as toybox prints it. Debian's toybox build has no diff, so
the reference is GNU diff -u on the same tree (the same unified format, labels with nanosecond
times); the cases are ones where every minimal diff is the same."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from oracle import Link, make_trees, oracle_skip_reason

TREE: dict[str, object] = {
    "old.txt": b"abc\ndef\nghi\n",
    "new.txt": b"abc\ndXf\nghi\nmore\n",
    "noeol.txt": b"abc\ndef\nghi",
    "long1.txt": b"".join(b"line %d\n" % i for i in range(1, 41)),
    "long2.txt": b"".join(b"line %d\n" % i for i in range(1, 41) if i not in (5, 30)) + b"tail\n",
    "same.txt": b"abc\ndef\nghi\n",
    "empty.txt": b"",
    "with space.txt": b"abc\n",
    "link.txt": Link("old.txt"),
}
CASES = ["diff old.txt new.txt", "diff -u old.txt new.txt", "diff old.txt noeol.txt", "diff noeol.txt new.txt",
         "diff long1.txt long2.txt", "diff -U 1 long1.txt long2.txt", "diff -U0 long1.txt long2.txt",
         "diff old.txt same.txt; echo $?", "diff empty.txt old.txt", "diff old.txt empty.txt",
         "diff -q old.txt new.txt; echo $?", "diff -s old.txt same.txt", "diff 'with space.txt' old.txt",
         "diff old.txt new.txt > /dev/null; echo $?", "diff - new.txt < old.txt | tail -n +3"]


@pytest.fixture(scope="module")
def diff_trees(shell_phone, adb_server, oracle_dir):
    if oracle_skip_reason() or shutil.which("diff") is None:
        pytest.skip("needs the oracle tree tools and GNU diff on the host")
    return make_trees(shell_phone, adb_server, oracle_dir, "diff", TREE, {})


@pytest.mark.parametrize("command", CASES)
def test_diff_matches_unified_diff(diff_trees, command):
    # toybox's diff is always unified; GNU's needs -u for it
    gnu_command = command if "-U" in command else command.replace("diff ", "diff -u ")
    gnu = subprocess.run(["sh", "-c", gnu_command], cwd=diff_trees.host, capture_output=True,
                         env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    got = diff_trees.phone_run(command)
    expected = gnu.stdout.replace(str(diff_trees.host).encode(), diff_trees.device_dir.encode())
    assert (got.status, got.stdout) == (gnu.returncode, expected), command


def test_diff_reports_a_missing_file_with_status_2(diff_trees):
    got = diff_trees.phone_run("diff old.txt nope.txt")
    assert (got.status, got.stdout, got.stderr) == (2, b"", b"diff: nope.txt: No such file or directory\n")


def test_diff_calls_binary_files_different_as_toybox(diff_trees):
    got = diff_trees.phone_run("printf 'a\\0b' > b1; printf 'a\\0c' > b2; diff b1 b2")
    assert (got.status, got.stdout) == (1, b"Files b1 and b2 differ\n")
