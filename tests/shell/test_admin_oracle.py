"""The kernel and system administration commands of /system/bin as the shell user (uid 2000) meets
them on Android 14, against Debian's toybox 0.8.9 run as an unprivileged user (setpriv) in a mount
namespace whose /etc is empty, as Android's has no fstab: same message, same exit status. Where
toybox cannot say (mount's listing is of the host's mounts), the rule the oracle follows is checked
on the host, then applied to the phone's own /proc/mounts.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
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


@pytest.fixture
def open_dir():
    """A folder nobody may enter (pytest's own tmp_path is root's alone), removed afterwards."""
    folder = tempfile.mkdtemp(prefix="admin-oracle-")
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder)


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
def test_mount_and_umount_fail_as_toybox_does_for_the_shell_user(adb_server, shell_phone, open_dir, command):
    folder = open_dir
    status, err = oracle(command.format(dir=folder))
    assert phone_says(adb_server, shell_phone, command.format(dir="/data/local/tmp")) == (
        status, err.replace(folder.encode(), b"/data/local/tmp"))


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


# -- the kernel: log, modules, swap, loop devices, chroot, sysctl ----------------------------------
@pytest.mark.parametrize("command", [
    "dmesg", "dmesg -c", "insmod {dir}/x.ko", "insmod", "swapon {dir}/swap", "swapoff {dir}/swap",
    "chroot {dir} ls", "chroot {dir}/missing ls", "chroot", "sysctl", "sysctl kernel.nosuch",
    "sysctl -e kernel.nosuch", "sysctl kernel.pid_max=4000", "sysctl -w kernel.pid_max",
    "sysctl -n kernel.pid_max", "losetup",
])
def test_kernel_commands_fail_as_toybox_does_for_the_shell_user(adb_server, shell_phone, open_dir, command):
    folder = open_dir
    status, err = oracle(command.format(dir=folder))
    assert phone_says(adb_server, shell_phone, command.format(dir="/data/local/tmp")) == (
        status, err.replace(folder.encode(), b"/data/local/tmp"))


def test_losetup_is_refused_the_loop_device(adb_server, shell_phone):
    status, err = oracle("losetup /dev/loop0")
    assert status == 1 and err in (b"losetup: /dev/loop0: Permission denied\n",
                                   b"losetup: /dev/loop0: No such file or directory\n")
    # Android keeps its loop devices in /dev/block (brw------- root)
    assert phone_says(adb_server, shell_phone, "losetup /dev/block/loop0") == (
        1, b"losetup: /dev/block/loop0: Permission denied\n")


def test_sysctl_reads_the_values_proc_sys_holds(adb_server, shell_phone):
    got = sh(adb_server, shell_phone, "sysctl kernel.pid_max kernel.dmesg_restrict vm.swappiness; "
                                      "cat /proc/sys/kernel/pid_max").stdout.decode().splitlines()
    # init.rc sets dmesg_restrict=1; the emulator kernel's pid_max and Android's swappiness
    assert got == ["kernel.pid_max = 32768", "kernel.dmesg_restrict = 1", "vm.swappiness = 100", "32768"]
    listing = sh(adb_server, shell_phone, "sysctl -a").stdout.decode().splitlines()
    assert "kernel.osrelease = " + sh(adb_server, shell_phone, "uname -r").stdout.decode().strip() in listing
    assert sh(adb_server, shell_phone, "sysctl net.ipv4").stdout.decode().startswith("net.ipv4.")


def test_lsmod_lists_proc_modules_as_toybox_does(adb_server, shell_phone):
    # toys/lsb/lsmod.c: "%-23s Size  Used by" then "%-19s %8s  %s %s" with the trailing ',' or '-' dropped
    modules = sh(adb_server, shell_phone, "cat /proc/modules").stdout.decode().splitlines()
    expected = ["Module                  Size  Used by"]
    for line in modules:
        name, size, refs, users = line.split()[:4]
        expected.append(f"{name:<19} {size:>8}  {refs} {users.rstrip(',-')}")
    assert sh(adb_server, shell_phone, "lsmod").stdout.decode().splitlines() == expected
    assert any(line.startswith("virtio_blk ") for line in modules)


# -- SELinux and input: Android-only toybox commands (toys/android/*.c) ---------------------------
def test_selinux_is_enforcing_and_the_shell_user_cannot_change_it(adb_server, shell_phone):
    assert sh(adb_server, shell_phone, "getenforce").stdout == b"Enforcing\n"
    # setenforce.c: perror_msg("Couldn't set enforcing status to '%s'") after the write to
    # /sys/fs/selinux/enforce fails; "<1>1" argument count
    assert phone_says(adb_server, shell_phone, "setenforce 0") == (
        1, b"setenforce: Couldn't set enforcing status to '0': Permission denied\n")
    assert phone_says(adb_server, shell_phone, "setenforce maybe") == (1, b"setenforce: Invalid mode 'maybe'\n")
    assert phone_says(adb_server, shell_phone, "setenforce") == (
        1, b'setenforce: Needs 1 argument (see "setenforce --help")\n')
    assert sh(adb_server, shell_phone, "getenforce").stdout == b"Enforcing\n"


def test_root_may_switch_selinux_until_the_next_boot(adb_server, shell_phone):
    switch_root(adb_server, shell_phone, True)
    try:
        assert sh(adb_server, shell_phone, "setenforce 0; getenforce; setenforce 1; getenforce").stdout == (
            b"Permissive\nEnforcing\n")
    finally:
        switch_root(adb_server, shell_phone, False)


def test_labels_cannot_be_changed_by_the_shell_user(adb_server, shell_phone):
    sh(adb_server, shell_phone, "touch /data/local/tmp/labelled")
    # chcon.c: perror_msg("'%s' to %s"); restorecon.c: perror_msg("restorecon failed: %s");
    # runcon.c: perror_exit("Could not set context to %s")
    assert phone_says(adb_server, shell_phone, "chcon u:object_r:system_file:s0 /data/local/tmp/labelled") == (
        1, b"chcon: '/data/local/tmp/labelled' to u:object_r:system_file:s0: Permission denied\n")
    assert phone_says(adb_server, shell_phone, "restorecon /data/local/tmp/labelled") == (0, b"")
    assert phone_says(adb_server, shell_phone, "restorecon /data/local/tmp/none") == (
        1, b"restorecon: restorecon failed: /data/local/tmp/none: No such file or directory\n")
    assert phone_says(adb_server, shell_phone, "runcon u:r:untrusted_app:s0 id") == (
        1, b"runcon: Could not set context to u:r:untrusted_app:s0: Permission denied\n")


def test_sendevent_writes_to_the_devices_getevent_lists(adb_server, shell_phone):
    devices = [line.split(": ", 1)[1] for line in sh(adb_server, shell_phone, "getevent -p").stdout.decode().splitlines()
               if line.startswith("add device ")]
    assert devices and phone_says(adb_server, shell_phone, f"sendevent {devices[0]} 0 0 0") == (0, b"")
    assert phone_says(adb_server, shell_phone, "sendevent /dev/input/event42 1 330 1") == (
        1, b"sendevent: /dev/input/event42: No such file or directory\n")
    assert phone_says(adb_server, shell_phone, "sendevent /dev/input/event0 1") == (
        1, b'sendevent: Need 4 arguments (see "sendevent --help")\n')


# -- network: ifconfig, netstat, nc, inotifyd -----------------------------------------------------
@pytest.mark.parametrize("command", [
    "ifconfig lo down", "ifconfig lo 10.1.1.1", "ifconfig nosuch0", "nc", "nc 127.0.0.1 1", "nc -z 127.0.0.1 1",
    "inotifyd true", "inotifyd true {dir}/none:w",
])
def test_network_commands_fail_as_toybox_does_for_the_shell_user(adb_server, shell_phone, open_dir, command):
    status, err = oracle(command.format(dir=open_dir))
    assert phone_says(adb_server, shell_phone, command.format(dir="/data/local/tmp")) == (
        status, err.replace(open_dir.encode(), b"/data/local/tmp"))


def test_ifconfig_shows_loopback_as_toybox_does_and_the_wifi_the_phone_has(adb_server, shell_phone):
    _need_root_and("unshare")
    host = subprocess.run([TOYBOX, "ifconfig", "lo"], capture_output=True, check=True).stdout.decode()
    counters = re.compile(r"(packets|bytes):\d+")
    assert sh(adb_server, shell_phone, "ifconfig lo").stdout.decode() == counters.sub(r"\1:0", host)
    assert "inet addr:10.0.2.16" in sh(adb_server, shell_phone, "ifconfig wlan0").stdout.decode()
    sh(adb_server, shell_phone, "svc wifi disable")
    try:
        assert phone_says(adb_server, shell_phone, "ifconfig wlan0") == (1, b"ifconfig: wlan0: No such device\n")
    finally:
        sh(adb_server, shell_phone, "svc wifi enable")


def test_netstat_prints_toyboxs_headers(adb_server, shell_phone):
    _need_root_and("unshare")
    for flags in ("-tuln", "-x"):
        host = subprocess.run([TOYBOX, "netstat", flags], capture_output=True, check=True).stdout.decode()
        assert sh(adb_server, shell_phone, f"netstat {flags}").stdout.decode() == "".join(
            host.splitlines(keepends=True)[:2])


def test_nc_carries_a_tcp_stream_both_ways(adb_server, shell_phone):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            request = b""
            while chunk := conn.recv(100):
                request += chunk
            conn.sendall(b"got " + request)

    threading.Thread(target=answer, daemon=True).start()
    try:
        assert sh(adb_server, shell_phone, f"echo hello | nc 127.0.0.1 {port}").stdout == b"got hello\n"
    finally:
        server.close()
