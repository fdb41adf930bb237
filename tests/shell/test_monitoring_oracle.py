"""top, vmstat, pmap and lsof on the phone read the table ps reads and the phone's own /proc files;
their layout is Debian's toybox 0.8.9's (the oracle reads the phone's /proc/meminfo through a bind
mount), and the shell user sees other users' maps and files refused as on Android 14."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from oracle import TOYBOX


def sh(adb_server, phone, command: str) -> subprocess.CompletedProcess:
    return adb_server.run("shell", command, serial=phone.serial, check=False)


def text(adb_server, phone, command: str) -> str:
    return sh(adb_server, phone, command).stdout.decode()


def _need_root_and(tool: str) -> None:
    if os.geteuid() != 0 or not shutil.which(tool) or not os.path.exists(TOYBOX):
        reason = f"the toybox oracle needs root, {tool} and {TOYBOX}"
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)


def oracle_with_meminfo(meminfo: str, command: str, tmp_path) -> str:
    """toybox COMMAND's output on the host, with the phone's /proc/meminfo in place of the host's."""
    _need_root_and("unshare")
    fake = tmp_path / "meminfo"
    fake.write_text(meminfo)
    script = f"mount --bind {fake} /proc/meminfo && exec {TOYBOX} {command}"
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, check=True).stdout.decode()


def test_top_lists_the_processes_ps_shows(adb_server, shell_phone):
    shown = text(adb_server, shell_phone, "ps -A; echo ===; top -b -n 1").split("===\n")
    ps_rows = {(line.split()[0], line.split()[1]) for line in shown[0].splitlines()[1:]}
    top_lines = shown[1].splitlines()
    header = top_lines.index("  PID USER         PR  NI VIRT  RES  SHR S[%CPU] %MEM     TIME+ ARGS")
    top_rows = {(line.split()[1], line.split()[0]) for line in top_lines[header + 1:]}
    # the only difference: ps and top are not running at the same time
    assert {row for row in ps_rows ^ top_rows if row[0] != "shell"} == set()
    assert ("system", "560") in top_rows and ("root", "1") in top_rows
    assert top_lines[0].startswith(f"Tasks: {len(top_rows)} total, ")
    assert any(line.endswith(" top -b -n 1") for line in top_lines)


def test_top_header_and_memory_lines_are_toyboxs_for_the_phones_meminfo(adb_server, shell_phone, tmp_path):
    meminfo = text(adb_server, shell_phone, "cat /proc/meminfo")
    expected = oracle_with_meminfo(meminfo, "top -b -n 1", tmp_path).splitlines()
    phone = text(adb_server, shell_phone, "top -b -n 1").splitlines()
    assert phone[1:3] == expected[1:3]  # Mem and Swap from MemTotal, MemFree, Buffers, Swap*, Cached
    assert phone[4] == expected[4]
    assert phone[3].startswith(f"{100 * int(text(adb_server, shell_phone, 'nproc'))}%cpu")


def test_vmstat_has_toyboxs_columns_and_the_phones_memory(adb_server, shell_phone, tmp_path):
    meminfo = text(adb_server, shell_phone, "cat /proc/meminfo")
    expected = oracle_with_meminfo(meminfo, "vmstat", tmp_path).splitlines()
    phone = text(adb_server, shell_phone, "vmstat").splitlines()
    assert phone[:2] == expected[:2]
    # swpd free buff cache come from /proc/meminfo alone, so they match the oracle's
    assert phone[2].split()[2:6] == expected[2].split()[2:6]
    assert len(phone[2]) == len(phone[1])


def test_pmap_shows_the_shells_own_maps_and_refuses_others(adb_server, shell_phone):
    _need_root_and("setpriv")
    oracle = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", TOYBOX, "pmap", "1"],
                            capture_output=True, check=False)
    got = sh(adb_server, shell_phone, "pmap 1")
    assert (got.returncode, got.stderr) == (oracle.returncode, oracle.stderr) == (1, b"pmap: no /proc/1/maps\n")
    assert got.stdout == b"1: /system/bin/init second_stage\n"
    own = text(adb_server, shell_phone, "pmap $$").splitlines()
    assert own[0].split(": ")[1].startswith("/system/bin/sh -c pmap")
    assert any(line.endswith(" /apex/com.android.runtime/lib64/bionic/libc.so") for line in own)
    total = sum(int(line.split()[1].rstrip("K")) for line in own[1:-1])
    assert own[-1].split() == ["total", f"{total}K"]


def test_lsof_shows_the_shells_files_and_names_what_it_may_not_read(adb_server, shell_phone):
    # toys/pending/lsof.c: "(readlink: %s)" for cwd/root/exe and "(opendir: %s)" for fd of others
    lines = text(adb_server, shell_phone, "lsof -p 560,$$").splitlines()
    assert lines[0].split() == ["COMMAND", "PID", "USER", "FD", "TYPE", "DEVICE", "SIZE/OFF", "NODE", "NAME"]
    others = [line for line in lines if " 560 " in line]
    assert [line[line.index("/proc/"):] for line in others] == [
        "/proc/560/cwd (readlink: Permission denied)", "/proc/560/root (readlink: Permission denied)",
        "/proc/560/exe (readlink: Permission denied)", "/proc/560/fd (opendir: Permission denied)"]
    assert others[0].startswith("system_se   560     system  cwd   unknown")
    mine = [line for line in lines if " 560 " not in line][1:]
    assert any(line.split()[3:6] == ["txt", "REG", "253,1"] and line.endswith(" /system/bin/sh") for line in mine)
    assert text(adb_server, shell_phone, "lsof -t -p 1") == "1\n"
    assert sh(adb_server, shell_phone, "lsof -p x").stderr == b"lsof: bad -p 'x'\n"
