"""Android 14's permission model for the shell user, through the real adb: read-only system mounts,
the private /data, the shell's own /data/local/tmp, shared storage as MediaProvider's FUSE daemon
shows it, and `adb root` lifting it all. Messages follow Debian's toybox 0.8.9 on a read-only bind
mount and as an unprivileged user (the oracle tests at the end); sync FAIL texts follow adbd's
file_sync_service.cpp.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from pytest_phonebackup.virtual import VirtualPhone
from pytest_phonebackup.virtual.apk import build_apk

TOYBOX = "/usr/bin/toybox"


def shell(adb_server, phone: VirtualPhone, command: str) -> tuple[int, str, str]:
    proc = adb_server.run("shell", command, serial=phone.serial, check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def out(adb_server, phone: VirtualPhone, command: str) -> str:
    """stdout and stderr of a command, together (adb shell's pty-less v2 keeps them apart)."""
    _, stdout, stderr = shell(adb_server, phone, command + " 2>&1")
    return stdout + stderr


@pytest.fixture
def as_root(adb_server, phone):
    adb_server.run("root", serial=phone.serial)
    adb_server.wait_for(phone.serial)
    try:
        yield
    finally:
        adb_server.run("unroot", serial=phone.serial)
        adb_server.wait_for(phone.serial)


# -- the shell user -------------------------------------------------------------------------------
def test_shell_runs_as_uid_2000_with_adbds_groups(adb_server, phone):
    assert out(adb_server, phone, "id -u; id -g") == "2000\n2000\n"
    assert "groups=2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw)" in out(adb_server, phone, "id")


def test_system_images_are_read_only(adb_server, phone):
    # toybox 0.8.9 quotes the operand in touch and mkdir, not in rm (see the oracle test below)
    assert out(adb_server, phone, "touch /system/x") == "touch: '/system/x': Read-only file system\n"
    assert out(adb_server, phone, "mkdir /foo") == "mkdir: '/foo': Read-only file system\n"
    assert out(adb_server, phone, "rm /system/bin/sh") == "rm: /system/bin/sh: Read-only file system\n"
    assert out(adb_server, phone, "mkdir /vendor/x") == "mkdir: '/vendor/x': Read-only file system\n"
    assert "Read-only file system" in out(adb_server, phone, "echo x > /system/y")
    assert out(adb_server, phone, "ls /system/bin/sh") == "/system/bin/sh\n"  # reading is fine


def test_data_is_private_to_the_shell(adb_server, phone):
    assert out(adb_server, phone, "ls /data") == "ls: /data: Permission denied\n"
    assert out(adb_server, phone, "ls /data/data") == "ls: /data/data: Permission denied\n"
    assert out(adb_server, phone, "ls /data/app") == "ls: /data/app: Permission denied\n"
    assert out(adb_server, phone, "cat /data/system/packages.xml") == (
        "cat: /data/system/packages.xml: Permission denied\n")
    assert out(adb_server, phone, "touch /data/x") == "touch: '/data/x': Permission denied\n"
    status, _, _ = shell(adb_server, phone, "ls /data/data")
    assert status == 1


def test_an_apps_private_folder_is_closed_to_the_shell(adb_server, phone):
    listing = out(adb_server, phone, "ls -ld /data/data/com.android.camera2")
    # installd: an app's data folder is drwx------ and belongs to the app's uid (u0_a120 here)
    assert re.match(r"drwx------ \d+ u0_a120 u0_a120 ", listing), listing
    assert out(adb_server, phone, "ls /data/data/com.android.camera2") == (
        "ls: /data/data/com.android.camera2: Permission denied\n")
    assert out(adb_server, phone, "ls /data/data/com.android.camera2/cache") == (
        "ls: /data/data/com.android.camera2/cache: Permission denied\n")


def test_data_local_tmp_belongs_to_the_shell(adb_server, phone):
    assert re.match(r"drwxrwx--x \d+ shell shell ", out(adb_server, phone, "ls -ld /data/local/tmp"))
    assert out(adb_server, phone, "cd /data/local/tmp && mkdir -p p/q && echo hi > p/q/f && cat p/q/f "
                                  "&& rm -r p && echo done") == "hi\ndone\n"
    assert out(adb_server, phone, "ls /data/local") == "ls: /data/local: Permission denied\n"


def test_shared_storage_shows_mediaproviders_owners(adb_server, phone):
    # MediaProvider's jni/FuseDaemon.cpp (pf_getattr) replies with the lower file's stat under
    # /data/media/0: created by MediaProvider (u0_a94 on this image), group media_rw from vold's
    # setgid /data/media, folders 2770 and files 0660; Android/ is vold's, media_rw 2771.
    assert out(adb_server, phone, "echo x > /sdcard/DCIM/perm.jpg && echo ok") == "ok\n"
    try:
        listing = out(adb_server, phone, "ls -l /sdcard/DCIM/perm.jpg; ls -ld /sdcard/DCIM /sdcard/Android")
        lines = listing.splitlines()
        assert re.match(r"-rw-rw---- 1 u0_a94 media_rw 2 .* /sdcard/DCIM/perm.jpg$", lines[0]), listing
        assert re.match(r"drwxrws--x \d+ media_rw media_rw .* /sdcard/Android$", lines[1]), listing
        assert re.match(r"drwxrws--- \d+ u0_a94 +media_rw .* /sdcard/DCIM$", lines[2]), listing
    finally:
        shell(adb_server, phone, "rm -f /sdcard/DCIM/perm.jpg")


def test_run_as_works_as_the_app_in_its_own_data_only(adb_server, phone, tmp_path):
    apk = tmp_path / "debug.apk"
    apk.write_bytes(build_apk("com.example.permsdebug", debuggable=True))
    adb_server.run("install", str(apk), serial=phone.serial)
    uid = phone.system.packages.get("com.example.permsdebug").uid
    app = f"u0_a{uid - 10000}"
    run = "run-as com.example.permsdebug"
    assert out(adb_server, phone, f"{run} id -u") == f"{uid}\n"
    assert out(adb_server, phone, f"{run} sh -c 'echo kept > cache/f && cat cache/f'") == "kept\n"
    assert re.match(rf"-\S+ 1 {app} +{app} +5 ", out(adb_server, phone, f"{run} ls -l cache/f"))
    # the shell itself cannot look in, nor can the app look into another app's data
    assert out(adb_server, phone, "cat /data/data/com.example.permsdebug/cache/f") == (
        "cat: /data/data/com.example.permsdebug/cache/f: Permission denied\n")
    assert out(adb_server, phone, f"{run} ls /data/data/com.android.camera2") == (
        "ls: /data/data/com.android.camera2: Permission denied\n")


def test_root_lifts_the_restrictions_and_unroot_restores_them(adb_server, phone, as_root):
    assert out(adb_server, phone, "id -u") == "0\n"
    assert "packages.xml" in out(adb_server, phone, "ls /data/system")
    assert out(adb_server, phone, "touch /data/rootfile && rm /data/rootfile && echo ok") == "ok\n"
    # root is still refused by a read-only mount
    assert out(adb_server, phone, "touch /system/x") == "touch: '/system/x': Read-only file system\n"


def test_unroot_restores_the_restrictions(adb_server, phone):
    adb_server.run("root", serial=phone.serial)
    adb_server.wait_for(phone.serial)
    adb_server.run("unroot", serial=phone.serial)
    adb_server.wait_for(phone.serial)
    assert out(adb_server, phone, "ls /data") == "ls: /data: Permission denied\n"


# -- adb push and pull ----------------------------------------------------------------------------
# adbd's file_sync_service.cpp: handle_send_file fails with "couldn't create file: <strerror>",
# do_recv with "open failed: <strerror>"; the adb client prefixes "remote " and its own context.
def test_push_to_a_read_only_folder_fails_as_adbd_says(adb_server, phone, tmp_path):
    local = tmp_path / "f"
    local.write_bytes(b"data")
    proc = adb_server.run("push", str(local), "/system/f", serial=phone.serial, check=False)
    assert proc.returncode == 1
    text = proc.stdout.decode() + proc.stderr.decode()
    assert f"adb: error: failed to copy '{local}' to '/system/f': remote couldn't create file: " \
           "Read-only file system" in text, text


def test_push_to_a_relative_path_resolves_from_the_root(adb_server, phone, tmp_path):
    # adbd opens a relative path from its working folder, `/`, which is read-only
    local = tmp_path / "f"
    local.write_bytes(b"data")
    proc = adb_server.run("push", str(local), "None", serial=phone.serial, check=False)
    assert proc.returncode == 1
    assert b"remote couldn't create file: Read-only file system" in proc.stdout + proc.stderr
    assert not os.path.lexists(phone.storage.host("/None", follow=False))


def test_pull_of_an_unreadable_file_fails_as_adbd_says(adb_server, phone, tmp_path):
    proc = adb_server.run("pull", "/data/system/packages.xml", str(tmp_path / "p.xml"),
                          serial=phone.serial, check=False)
    assert proc.returncode == 1
    text = proc.stdout.decode() + proc.stderr.decode()
    assert "remote open failed: Permission denied" in text, text


def test_push_into_data_is_refused_but_root_may(adb_server, phone, tmp_path):
    local = tmp_path / "f"
    local.write_bytes(b"data")
    proc = adb_server.run("push", str(local), "/data/f", serial=phone.serial, check=False)
    assert b"remote couldn't create file: Permission denied" in proc.stdout + proc.stderr
    adb_server.run("push", str(local), "/data/local/tmp/f", serial=phone.serial)
    adb_server.run("pull", "/data/local/tmp/f", str(tmp_path / "back"), serial=phone.serial)
    assert (tmp_path / "back").read_bytes() == b"data"


# -- the oracle: Debian's toybox 0.8.9 on a read-only mount and as an unprivileged user -----------
def _need_root_and(tool: str) -> None:
    """The oracle needs root and `tool`; under CI their absence is a failure."""
    if os.geteuid() != 0 or not shutil.which(tool):
        reason = f"the toybox oracle needs root and {tool}"
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)


def _oracle(argv: list[str], as_nobody: bool = False) -> str:
    if not os.path.exists(TOYBOX):
        pytest.fail(f"{TOYBOX} is missing (apt-get install toybox)")
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if as_nobody else []
    proc = subprocess.run([*prefix, TOYBOX, *argv], capture_output=True, check=False)
    return proc.stderr.decode()


@pytest.fixture
def read_only_dir(tmp_path):
    """A read-only bind mount of a folder holding `f` and a private `sub/` (needs root and unshare)."""
    _need_root_and("unshare")
    folder = tmp_path / "ro"
    (folder / "sub").mkdir(parents=True)
    (folder / "f").write_bytes(b"x")
    return folder


def _oracle_read_only(folder, command: str) -> str:
    script = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && {TOYBOX} {command}"
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, check=False)
    return proc.stderr.decode()


@pytest.mark.parametrize("command, device_path", [
    ("touch {}/x", "/system"), ("mkdir {}/d", "/system"), ("rm {}/f", "/system/bin"),
    ("ln -s a {}/l", "/system"), ("mkdir -p {}/a/b", "/system"),
])
def test_read_only_messages_match_toybox(adb_server, phone, read_only_dir, command, device_path):
    expected = _oracle_read_only(read_only_dir, command.format(read_only_dir))
    expected = expected.replace(str(read_only_dir), device_path)
    if command.startswith("rm "):
        expected = expected.replace(f"{device_path}/f", f"{device_path}/sh")
        command = "rm {}/sh"
    assert out(adb_server, phone, command.format(device_path)) == expected


@pytest.mark.parametrize("command, device_path", [
    ("ls {}", "/data"), ("cat {}", "/data/system/packages.xml"), ("touch {}/new", "/data"),
    ("mkdir {}/new", "/data"), ("wc -c {}", "/data/system/packages.xml"),
])
def test_permission_messages_match_toybox(adb_server, phone, tmp_path, command, device_path):
    private = tmp_path / "private"
    private.mkdir()
    (private / "file").write_bytes(b"x")
    os.chmod(private / "file", 0o600)
    os.chmod(private, 0o711 if "/new" in command else 0o700)
    os.chmod(tmp_path, 0o755)
    target = private / "file" if device_path.endswith(".xml") else private
    _need_root_and("setpriv")
    expected = _oracle(command.format(target).split(), as_nobody=True).replace(str(target), device_path)
    assert out(adb_server, phone, command.format(device_path)) == expected
