"""free and uptime on the phone: toybox's layout (the oracle's columns end where the phone's do;
the values are the phone's own, a 2 GiB emulator) and figures that follow the phone's state."""

from __future__ import annotations

import re
import subprocess

import pytest
from oracle import oracle_skip_reason, run_oracle


def sh(adb_server, phone, command: str) -> str:
    return adb_server.run("shell", command, serial=phone.serial, check=False).stdout.decode()


def column_ends(text: str) -> list[list[int]]:
    return [[m.end() for m in re.finditer(r"\S+", line)] for line in text.splitlines()]


@pytest.mark.skipif(oracle_skip_reason() is not None, reason=oracle_skip_reason() or "")
@pytest.mark.parametrize("command", ["free", "free -k", "free -m", "free -h"])
def test_free_has_toybox_columns(adb_server, shell_phone, tmp_path, command):
    expected = run_oracle(tmp_path, command).stdout.decode()
    assert column_ends(sh(adb_server, shell_phone, command)) == column_ends(expected)


def test_free_reports_a_2_gib_phone(adb_server, shell_phone):
    mem = sh(adb_server, shell_phone, "free -m").splitlines()[1].split()
    assert mem[:2] == ["Mem:", "2048"] and 2047 <= int(mem[2]) + int(mem[3]) <= 2048  # each figure rounds down


def test_free_memory_shrinks_when_an_app_runs(adb_server, shell_phone):
    sh(adb_server, shell_phone, "am force-stop com.android.settings")
    before = int(sh(adb_server, shell_phone, "free -k").splitlines()[1].split()[2])
    sh(adb_server, shell_phone, "am start -W -n com.android.settings/.Settings")
    after = int(sh(adb_server, shell_phone, "free -k").splitlines()[1].split()[2])
    assert after - before == 120_000


def test_uptime_counts_from_the_phones_boot(adb_server, shell_phone):
    line = sh(adb_server, shell_phone, "uptime")
    assert re.fullmatch(r" \d\d:\d\d:\d\d up (\d+ min|[ \d]\d:\d\d),  0 users,  load average: 0\.00, 0\.00, 0\.00\n",
                        line), line
    since = sh(adb_server, shell_phone, "uptime -s").strip()
    date = subprocess.run(["date", "-u", "-d", f"@{int(shell_phone.booted_at)}", "+%Y-%m-%d %H:%M:%S"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert since == date
    assert re.fullmatch(r"up 0 weeks, 0 days, 0 hours, \d+ minutes,  load average: .*\n",
                        sh(adb_server, shell_phone, "uptime -p"))
