"""The kernel and system administration commands of /system/bin as the shell user (uid 2000) meets
them on Android 14, against Debian's toybox 0.8.9 run as an unprivileged user (setpriv) in a mount
namespace whose /etc is empty, as Android's has no fstab: same message, same exit status. Where
toybox cannot say (mount's listing is of the host's mounts), the rule the oracle follows is checked
on the host, then applied to the phone's own /proc/mounts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from oracle import TOYBOX


def sh(adb_server, phone, command: str) -> subprocess.CompletedProcess:
    return adb_server.run("shell", command, serial=phone.serial, check=False)


def _need_root_and(tool: str) -> None:
    if os.geteuid() != 0 or not shutil.which(tool) or not os.path.exists(TOYBOX):
        reason = f"the toybox oracle needs root, {tool} and {TOYBOX}"
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)


def oracle(command: str) -> tuple[int, bytes]:
    """(exit status, stderr) of `toybox COMMAND` as nobody, with no /etc/fstab."""
    _need_root_and("unshare")
    script = ("mount -t tmpfs none /etc && exec setpriv --reuid=65534 --regid=65534 --clear-groups "
              f"{TOYBOX} {command}")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, check=False)
    return proc.returncode, proc.stderr


def phone_says(adb_server, phone, command: str) -> tuple[int, bytes]:
    proc = sh(adb_server, phone, command)
    return proc.returncode, proc.stderr


# -- mount and umount ---------------------------------------------------------------------------
def test_mount_lists_mounts_in_the_format_toybox_uses(adb_server, shell_phone):
    _need_root_and("unshare")
    host = subprocess.run([TOYBOX, "mount"], capture_output=True, check=True).stdout.decode().splitlines()
    with open("/proc/mounts") as fh:
        rule = [f"{s} on {t} type {k} ({o})" for s, t, k, o, *_ in (line.split() for line in fh)]
    assert host == rule  # toybox's listing is /proc/mounts, field by field
    table = sh(adb_server, shell_phone, "cat /proc/mounts").stdout.decode()
    expected = [f"{s} on {t} type {k} ({o})" for s, t, k, o, *_ in (line.split() for line in table.splitlines())]
    assert sh(adb_server, shell_phone, "mount").stdout.decode().splitlines() == expected
    assert "/dev/block/vdc on /data type ext4 (" in sh(adb_server, shell_phone, "mount").stdout.decode()
    fuse = sh(adb_server, shell_phone, "mount -t fuse").stdout.decode().splitlines()
    assert fuse and all(" type fuse (" in line for line in fuse)


@pytest.mark.parametrize("command", [
    "mount -t tmpfs tmpfs {dir}", "mount {dir}", "mount /dev/block/x {dir}", "umount {dir}", "umount",
    "umount -l {dir}", "mount -o remount,rw {dir}", "mount a b c",
])
def test_mount_and_umount_fail_as_toybox_does_for_the_shell_user(adb_server, shell_phone, tmp_path, command):
    folder = tmp_path / "m"
    folder.mkdir()
    os.chmod(tmp_path, 0o755)
    status, err = oracle(command.format(dir=folder))
    assert phone_says(adb_server, shell_phone, command.format(dir="/data/local/tmp")) == (
        status, err.replace(str(folder).encode(), b"/data/local/tmp"))


def test_remounting_a_mount_names_its_device(adb_server, shell_phone):
    status, err = oracle("mount -o remount,ro /proc")
    assert (status, err) == (1, b"mount: 'proc' not user mountable in fstab\n")
    assert phone_says(adb_server, shell_phone, "mount -o remount,ro /proc") == (status, err)
    assert phone_says(adb_server, shell_phone, "mount -o remount,rw /") == (
        1, b"mount: '/dev/block/dm-0' not user mountable in fstab\n")


def switch_root(adb_server, phone, want: bool) -> None:
    adb_server.run("root" if want else "unroot", serial=phone.serial)
    user = b"root\n" if want else b"shell\n"
    deadline = time.monotonic() + 15
    while sh(adb_server, phone, "echo $USER").stdout != user:
        assert time.monotonic() < deadline, "adbd never came back"
        time.sleep(0.2)


def test_root_is_refused_by_the_phones_busy_filesystems(adb_server, shell_phone):
    switch_root(adb_server, shell_phone, True)
    try:
        got = sh(adb_server, shell_phone, "umount /data; echo $?")
        assert (got.stdout, got.stderr) == (b"1\n", b"umount: /data: Device or resource busy\n")
    finally:
        switch_root(adb_server, shell_phone, False)
