"""toolbox's start, stop and the toolbox multiplexer (system/core/toolbox/start.cpp, toolbox.c),
and ziptool's zipinfo (system/libziparchive/ziptool.cpp InfoOne, MaybeShowHeader/Footer), on the
phone as the shell user, with the texts of those sources."""

from __future__ import annotations

import io
import subprocess
import time
import zipfile


def sh(adb_server, phone, command: str) -> subprocess.CompletedProcess:
    return adb_server.run("shell", command, serial=phone.serial, check=False)


def switch_root(adb_server, phone, want: bool) -> None:
    adb_server.run("root" if want else "unroot", serial=phone.serial)
    user = b"root\n" if want else b"shell\n"
    deadline = time.monotonic() + 15
    while sh(adb_server, phone, "echo $USER").stdout != user:
        assert time.monotonic() < deadline, "adbd never came back"
        time.sleep(0.2)


def test_start_and_stop_need_root(adb_server, shell_phone):
    for command in ("start", "stop zygote", "start --help"):
        got = sh(adb_server, shell_phone, command)
        assert (got.returncode, got.stdout, got.stderr) == (1, b"", b"Must be root\n")


def test_root_controls_init_services_init_knows(adb_server, shell_phone):
    switch_root(adb_server, shell_phone, True)
    try:
        assert sh(adb_server, shell_phone, "stop adbd_test_none").stderr == (
            b"Unable to stop service 'adbd_test_none'\nSee dmesg for error reason.\n")
        assert sh(adb_server, shell_phone, "stop netd; getprop init.svc.netd; start netd; getprop init.svc.netd"
                  ).stdout == b"stopped\nrunning\n"
        assert sh(adb_server, shell_phone, "stop --help").stdout == (
            b"usage: stop [SERVICE...]\n\nStops the given system service, or netd/surfaceflinger/zygotes.\n")
    finally:
        switch_root(adb_server, shell_phone, False)


def test_toolbox_lists_and_runs_its_tools(adb_server, shell_phone):
    assert sh(adb_server, shell_phone, "toolbox").stdout == b"getevent getprop setprop start stop\n"
    assert sh(adb_server, shell_phone, "toolbox getprop ro.build.version.sdk").stdout == b"34\n"
    got = sh(adb_server, shell_phone, "toolbox ls")
    assert (got.returncode, got.stdout) == (127, b"ls: no such tool\n")


def _archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        text = zipfile.ZipInfo("notes/a.txt", (2023, 11, 14, 22, 13, 20))
        text.external_attr = 0o100644 << 16
        text.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(text, b"hello\n" * 50)
        folder = zipfile.ZipInfo("notes/", (2023, 11, 14, 22, 13, 20))
        folder.external_attr = (0o040755 << 16) | 0x10
        zf.writestr(folder, b"")
        raw = zipfile.ZipInfo("photo.jpg", (2024, 1, 2, 3, 4, 6))
        raw.external_attr = 0o100600 << 16
        zf.writestr(raw, bytes(range(256)))
    return buffer.getvalue()


def test_zipinfo_lists_entries_as_ziptool_does(adb_server, shell_phone, tmp_path):
    data = _archive()
    (tmp_path / "a.zip").write_bytes(data)
    adb_server.run("push", str(tmp_path / "a.zip"), "/data/local/tmp/a.zip", serial=shell_phone.serial)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        packed = zf.getinfo("notes/a.txt").compress_size
    compressed = packed + 256
    ratio = 100 * (300 + 256 - compressed) / (300 + 256)
    assert sh(adb_server, shell_phone, "zipinfo /data/local/tmp/a.zip").stdout.decode() == (
        "Archive:  /data/local/tmp/a.zip\n"
        f"Zip file size: {len(data)} bytes, number of entries: 3\n"
        "-rw-r--r--  2.0 unx      300 bx defN 2023-11-14 22:13 notes/a.txt\n"
        "drwxr-xr-x  2.0 unx        0 bx stor 2023-11-14 22:13 notes/\n"
        "-rw-------  2.0 unx      256 bx stor 2024-01-02 03:04 photo.jpg\n"
        f"3 files, 556 bytes uncompressed, {compressed} bytes compressed:  {ratio:.1f}%\n")
    assert sh(adb_server, shell_phone, "zipinfo -1 /data/local/tmp/a.zip '*.jpg'").stdout == b"photo.jpg\n"
    assert sh(adb_server, shell_phone, "zipinfo /data/local/tmp/a.zip -x 'notes/*'").stdout.decode().endswith(
        " photo.jpg\n")
    got = sh(adb_server, shell_phone, "zipinfo /data/local/tmp/none.zip")
    assert (got.returncode, got.stderr) == (
        1, b"zipinfo: couldn't open /data/local/tmp/none.zip: No such file or directory\n")
