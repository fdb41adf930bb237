"""ps, pidof, pgrep, pkill and kill read one process table: the PIDs ps shows are the ones the
others find and signal, and the shell user may signal only its own processes, as on Android."""

from __future__ import annotations

import subprocess

import pytest
from oracle import MKSH, oracle_skip_reason


def sh(adb_server, phone, command: str) -> subprocess.CompletedProcess:
    return adb_server.run("shell", command, serial=phone.serial, check=False)


def test_pidof_and_pgrep_find_the_pids_ps_shows(adb_server, shell_phone):
    out = sh(adb_server, shell_phone, "echo $$; pidof sh; pidof system_server; pgrep -x init; "
                                      "ps -A | grep ' system_server$'").stdout.decode().splitlines()
    assert out[0] == out[1]
    assert out[2] == "560" and out[3] == "1"
    assert out[4].split()[1] == "560"


def test_pgrep_lists_names_and_fails_when_nothing_matches(adb_server, shell_phone):
    assert sh(adb_server, shell_phone, "pgrep -l surface").stdout == b"330 surfaceflinger\n"
    assert sh(adb_server, shell_phone, "pgrep nothing_runs_like_this").returncode == 1
    assert sh(adb_server, shell_phone, "pidof nothing_runs_like_this").returncode == 1


def test_an_app_started_by_am_is_found_and_shell_may_not_kill_it(adb_server, shell_phone):
    sh(adb_server, shell_phone, "am start -W -n com.android.settings/.Settings")
    pid = sh(adb_server, shell_phone, "pidof com.android.settings").stdout.decode().strip()
    assert pid.isdigit()
    got = sh(adb_server, shell_phone, f"kill {pid}; echo $?; pidof com.android.settings")
    assert got.stdout == f"1\n{pid}\n".encode()
    assert got.stderr == f"/system/bin/sh: kill: {pid}: Operation not permitted\n".encode()


def test_kill_reports_unknown_pids_signals_and_operands(adb_server, shell_phone):
    got = sh(adb_server, shell_phone, "kill 999999; kill -s FOO 1; kill -9 abc; kill -0 $$; echo $?")
    assert got.stdout == b"0\n"
    assert got.stderr == (b"/system/bin/sh: kill: 999999: No such process\n"
                          b"/system/bin/sh: kill: bad signal: FOO\n"
                          b"/system/bin/sh: kill: abc: arguments must be jobs or process IDs\n")


@pytest.mark.skipif(oracle_skip_reason() is not None, reason=oracle_skip_reason() or "")
def test_kill_l_lists_signals_as_mksh_does(adb_server, shell_phone):
    expected = subprocess.run([MKSH, "-c", "kill -l; kill -l 9 137 15"], capture_output=True).stdout
    assert sh(adb_server, shell_phone, "kill -l; kill -l 9 137 15").stdout == expected


def _switch_root(adb_server, phone, want: bool) -> None:
    adb_server.switch_root(phone.serial, want)


def test_root_kills_an_app_as_force_stop_does(adb_server, shell_phone):
    _switch_root(adb_server, shell_phone, True)
    try:
        sh(adb_server, shell_phone, "am start -W -n com.android.settings/.Settings")
        pid = sh(adb_server, shell_phone, "pidof com.android.settings").stdout.decode().strip()
        got = sh(adb_server, shell_phone, f"kill -0 {pid}; echo $?; kill -9 {pid}; echo $?; "
                                          "pidof com.android.settings; echo $?")
        assert got.stdout == b"0\n0\n1\n"
        log = sh(adb_server, shell_phone, "logcat -d -b system -s ActivityManager").stdout.decode()
        assert "Force stopping com.android.settings" in log
        assert f"Process com.android.settings (pid {pid}) has died" in log
    finally:
        _switch_root(adb_server, shell_phone, False)


def test_pkill_as_root_stops_matching_apps(adb_server, shell_phone):
    _switch_root(adb_server, shell_phone, True)
    try:
        sh(adb_server, shell_phone, "am start -W -n com.android.settings/.Settings")
        got = sh(adb_server, shell_phone, "pkill -x com.android.settings; echo $?; pgrep -x com.android.settings; echo $?")
        assert got.stdout == b"0\n1\n"
    finally:
        _switch_root(adb_server, shell_phone, False)
