"""The virtual phone's /system/bin against the inventory of an Android 14 emulator image
(pytest_phonebackup/virtual/system_bin.txt, derived from AOSP): every command in the "user"
scope is there, except the few named below that the phone does not have yet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pytest_phonebackup.virtual

INVENTORY = Path(pytest_phonebackup.virtual.__file__).parent / "system_bin.txt"

#: Commands of the "user" scope the virtual phone does not have yet. Shrink it as they arrive:
#: the test fails when one of these is present, so the list never lies.
NOT_YET: set[str] = set()


def inventory() -> list[tuple[str, str, str]]:
    rows = []
    for line in INVENTORY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, source, scope = line.split()
            rows.append((name, source, scope))
    return rows


@pytest.fixture(scope="module")
def system_bin(adb_server, shell_phone) -> set[str]:
    proc = adb_server.run("shell", "ls /system/bin", serial=shell_phone.serial)
    return set(proc.stdout.decode().split())


def test_inventory_names_each_command_once_with_its_source():
    names = [name for name, _, _ in inventory()]
    assert len(names) == len(set(names)), "a command is listed twice"
    assert {"ls", "am", "getevent", "sh", "awk"} <= set(names)
    assert {source for _, source, _ in inventory()} <= {"toybox", "toolbox", "mksh-builtin", "awk",
                                                         "framework", "other"}
    assert len(names) > 150


def test_system_bin_has_every_user_command(system_bin, capsys):
    wanted = sorted(name for name, _, scope in inventory() if scope == "user")
    missing = [name for name in wanted if name not in system_bin]
    everything = [name for name, _, _ in inventory()]
    with capsys.disabled():
        print(f"\n/system/bin coverage: user commands {len(wanted) - len(missing)}/{len(wanted)}, "
              f"all listed {sum(n in system_bin for n in everything)}/{len(everything)}; "
              f"missing user commands: {' '.join(missing) or 'none'}")
    assert [name for name in everything if name not in system_bin] == sorted(NOT_YET), "a listed command is missing"
    assert set(missing) == NOT_YET, (f"missing but not in NOT_YET: {sorted(set(missing) - NOT_YET)}; "
                                     f"present, so drop them from NOT_YET: {sorted(NOT_YET - set(missing))}")


def test_command_v_finds_every_command_in_system_bin(adb_server, shell_phone, system_bin):
    names = sorted(system_bin - {"["})
    script = "for n in " + " ".join(names) + '; do command -v "$n" >/dev/null || echo "$n"; done'
    proc = adb_server.run("shell", script, serial=shell_phone.serial)
    assert proc.stdout.decode().split() == []


def test_toybox_lists_the_toybox_commands_the_phone_has(adb_server, shell_phone, system_bin):
    toybox = sorted(n for n, source, _ in inventory() if source == "toybox" and n in system_bin and n != "toybox")
    proc = adb_server.run("shell", "toybox", serial=shell_phone.serial)
    assert proc.stdout.decode().split() == toybox
    assert all(len(line) <= 66 + 20 for line in proc.stdout.decode().splitlines())


def test_toybox_runs_a_command_by_name(adb_server, shell_phone):
    proc = adb_server.run("shell", "toybox echo hi; toybox basename /a/b.txt .txt", serial=shell_phone.serial)
    assert proc.stdout == b"hi\nb\n"


def test_toybox_refuses_an_unknown_command(adb_server, shell_phone):
    proc = adb_server.run("shell", "toybox frobnicate", serial=shell_phone.serial, check=False)
    assert (proc.returncode, proc.stderr) == (127, b'toybox: Unknown command frobnicate (see "toybox --help")\n')


def test_toolbox_commands_are_files_and_toybox_commands_links(adb_server, shell_phone):
    proc = adb_server.run("shell", "readlink /system/bin/ls; readlink /system/bin/getprop || echo file",
                          serial=shell_phone.serial, check=False)
    assert proc.stdout == b"toybox\nfile\n"
