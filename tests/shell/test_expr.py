"""expr on the phone: POSIX expressions give what the host's expr (GNU coreutils, a second POSIX
implementation; Debian's toybox has no expr) gives, and errors read as toybox's do."""

from __future__ import annotations

import shutil
import subprocess

import pytest

EXPRESSIONS = [
    ["1", "+", "2"], ["3", "*", "4"], ["-7", "/", "2"], ["-7", "%", "2"], ["10", "-", "20"],
    ["abc", ":", "a\\(.\\)"], ["abc", ":", "a."], ["abc", ":", "x"], ["abc", ":", "x\\(.\\)"],
    ["a", "<", "b"], ["10", "<", "9"], ["10", "<", "9a"], ["2", "=", "2", "|", "0"], ["0", "|", ""],
    ["0", "&", "1"], ["3", "&", "4"], ["(", "1", "+", "2", ")", "*", "3"], ["0"], [""], ["abc"],
    ["1", "!=", "01"], ["b", ">=", "a"], ["IMG_0001.jpg", ":", ".*_\\([0-9]*\\)"],
]


def run(adb_server, phone, args: list[str]) -> subprocess.CompletedProcess:
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
    return adb_server.run("shell", f"expr {quoted}", serial=phone.serial, check=False)


@pytest.mark.skipif(shutil.which("expr") is None, reason="the host has no expr")
@pytest.mark.parametrize("args", EXPRESSIONS, ids=" ".join)
def test_expr_evaluates_as_posix_says(adb_server, shell_phone, args):
    expected = subprocess.run(["expr", *args], capture_output=True)
    got = run(adb_server, shell_phone, args)
    assert (got.returncode, got.stdout) == (expected.returncode, expected.stdout)


@pytest.mark.parametrize(("args", "message"), [
    (["5", "/", "0"], b"expr: division by zero\n"), (["1", "+"], b"expr: syntax error\n"),
    (["x", "+", "1"], b"expr: non-integer argument\n"), (["(", "1"], b"expr: syntax error\n"),
])
def test_expr_errors_exit_2(adb_server, shell_phone, args, message):
    got = run(adb_server, shell_phone, args)
    assert (got.returncode, got.stdout, got.stderr) == (2, b"", message)
