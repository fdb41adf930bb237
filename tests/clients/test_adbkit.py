"""DeviceFarmer's adbkit (the Node ADB client STF is built on) drives the virtual phone as it drives a
real Android 14 phone, through the tests' own adb server: devices, properties, shell, sync (push, pull,
stat, readdir), screencap, framebuffer, logcat and /proc/stat. Where adbkit 3.3.9 itself is wrong
(stat's `mtime`, the version-2 framebuffer header), the tests pin its wrong answer down to its source."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import stat
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from pytest_phonebackup.nodetools import node_module

PROBE = Path(__file__).with_name("adbkit_probe.js")
Probe = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def adbkit_modules() -> Path:
    """node_modules holding @devicefarmer/adbkit; a missing node or adbkit skips (fails under CI)."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: install Node.js 20+")
    package = node_module("@devicefarmer/adbkit")
    if not (package / "package.json").exists():
        pytest.skip(f"adbkit is not installed at {package}: run `phonebackup tools install`")
    return package.parent.parent


@pytest.fixture
def adbkit(adbkit_modules: Path, adb_server, virtual_phone) -> Probe:
    """`adbkit(action, *args)`: what adbkit_probe.js prints for the virtual phone, as a dict."""

    def probe(action: str, *args: str) -> dict[str, Any]:
        env = {**os.environ, "NODE_PATH": str(adbkit_modules)}
        env.pop("ANDROID_ADB_SERVER_PORT", None)  # adbkit ignores it: the probe passes the port itself
        proc = subprocess.run(["node", str(PROBE), str(adb_server.port), virtual_phone.serial, action, *args],
                              capture_output=True, env=env, timeout=90)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
        return json.loads(proc.stdout)

    return probe


def shell(adb_server, phone, command: str) -> str:
    return adb_server.run("shell", command, serial=phone.serial).stdout.decode()


def test_adbkit_lists_the_phone_as_a_device(adbkit, virtual_phone):
    devices = adbkit("devices")["devices"]
    assert {"id": virtual_phone.serial, "type": "device"} in devices


def test_adbkit_properties_are_the_phones(adbkit, adb_server, virtual_phone):
    props = adbkit("props")["props"]
    assert props["ro.build.version.sdk"] == "34"
    assert props["ro.build.version.release"] == "14"
    assert props["ro.product.cpu.abi"] == "x86_64"
    assert props["sys.boot_completed"] == "1"
    # every line of `getprop` ("[name]: [value]") and nothing else
    listed = {}
    for line in shell(adb_server, virtual_phone, "getprop").splitlines():
        name, value = line.split("]: [", 1)
        listed[name.removeprefix("[")] = value.removesuffix("]")
    assert props == listed


def test_adbkit_shell_output_is_the_commands_bytes(adbkit):
    # a raw `shell:` stream (no pty): NUL, 0xff and bare LF come through untranslated
    output = base64.b64decode(adbkit("shell", r"printf 'a\0b\377\n'; echo done; echo err >&2")["output"])
    assert output == b"a\x00b\xff\ndone\nerr\n"


def test_adbkit_push_then_pull_gives_the_same_bytes(adbkit, adb_server, virtual_phone, tmp_path: Path):
    data = os.urandom(300_000)  # several 64 KiB sync DATA chunks and a short last one
    (tmp_path / "payload.bin").write_bytes(data)
    remote = "/data/local/tmp/adbkit-payload.bin"
    adbkit("push", str(tmp_path / "payload.bin"), remote, "644")
    assert base64.b64decode(adbkit("pull", remote)["data"]) == data
    assert adb_server.run("exec-out", "cat", remote, serial=virtual_phone.serial).stdout == data
    # daemon/file_sync_service.cpp do_send: "Copy user permission bits to group and other"
    assert shell(adb_server, virtual_phone, f"stat -c %a {remote}").strip() == "666"


def test_adbkit_stat_gives_size_mode_and_mtime_ms(adbkit, adb_server, virtual_phone, tmp_path: Path):
    local = tmp_path / "dated.txt"
    local.write_bytes(b"x" * 1234)
    local.chmod(0o640)
    os.utime(local, (1683356889, 1683356889))  # 2023-05-06 07:08:09 UTC; `adb push` keeps it
    remote = "/data/local/tmp/dated.txt"
    adb_server.run("push", str(local), remote, serial=virtual_phone.serial)
    found = adbkit("stat", remote)
    assert found["size"] == 1234
    assert found["mode"] == stat.S_IFREG | 0o666 and found["isFile"] and not found["isDirectory"]  # 0640 sent, as above
    assert found["mtimeMs"] == 1683356889_000
    # adbkit's own bug (dist/src/adb/sync/stats.js, class Stats): it calls `super()` of Node's
    # fs.Stats with no arguments, which on Node 20 sets `mtime` to a Date of undefined, and then
    # assigns only `mtimeMs`. So `stats.mtime` is an Invalid Date; only `mtimeMs` holds the time.
    assert found["mtimeIsDate"] and not found["mtimeValid"]
    folder = adbkit("stat", "/data/local/tmp")
    assert folder["isDirectory"] and stat.S_IMODE(folder["mode"]) == 0o771  # AOSP init.rc: mkdir /data/local/tmp 0771


def test_adbkit_readdir_names_the_entries(adbkit, adb_server, virtual_phone):
    shell(adb_server, virtual_phone, "mkdir -p /sdcard/DCIM/kit/sub && printf 12345 > /sdcard/DCIM/kit/a.jpg"
                                     " && : > '/sdcard/DCIM/kit/b c.txt'")
    entries = {entry["name"]: entry for entry in adbkit("readdir", "/sdcard/DCIM/kit")["entries"]}
    assert set(entries) == {"a.jpg", "b c.txt", "sub"}  # '.' and '..' dropped, as adbkit documents
    assert entries["a.jpg"]["size"] == 5 and entries["a.jpg"]["isFile"]
    assert entries["b c.txt"]["size"] == 0
    assert entries["sub"]["isDirectory"]
    assert abs(entries["a.jpg"]["mtimeMs"] / 1000 - time.time()) < 120


def test_adbkit_screencap_is_a_png_of_the_screen(adbkit):
    png = base64.b64decode(adbkit("screencap")["png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")  # `screencap -p` after an `echo`: no CRLF mangling
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        assert image.size == (1080, 2400)


def test_adbkit_framebuffer_misreads_the_version_2_header(adbkit, adb_server, virtual_phone):
    # What a real Android 14 adbd sends (daemon/framebuffer_service.cpp, DDMS_RAWIMAGE_VERSION 2):
    # fourteen uint32 — version, bpp, colorSpace, size, width, height, then offset/length of red,
    # blue, green, alpha — followed by the pixels.
    sent = adb_server.service(virtual_phone.serial, "framebuffer:")
    assert struct.unpack_from("<14I", sent) == (2, 32, 1, 1080 * 2400 * 4, 1080, 2400, 0, 8, 16, 8, 8, 8, 24, 8)
    assert len(sent) == 56 + 1080 * 2400 * 4
    # adbkit's own bug (dist/src/adb/command/host-transport/framebuffer.js, _parseHeader): it reads
    # 52 bytes as the version-1 struct, which has no colorSpace, so from `size` on every field is the
    # one before it, and the last header word (alpha_length) is left at the head of the pixel stream.
    found = adbkit("framebuffer")
    assert found["meta"] == {
        "version": 2, "bpp": 32, "size": 1, "width": 10_368_000, "height": 1080,
        "red_offset": 2400, "red_length": 0, "blue_offset": 8, "blue_length": 16,
        "green_offset": 8, "green_length": 8, "alpha_offset": 8, "alpha_length": 24, "format": "rgba",
    }
    assert found["rawLength"] == 4 + 1080 * 2400 * 4
    head = base64.b64decode(found["rawHead"])
    assert head[:4] == struct.pack("<I", 8) and head[4:] == sent[56:68]


def test_adbkit_logcat_reads_the_phones_binary_entries(adbkit):
    marker = f"adbkit-marker-{time.monotonic_ns()}"
    entry = adbkit("logcat", "AdbkitProbe", marker)["entry"]  # `logcat -B`, parsed by adbkit-logcat
    assert entry["tag"] == "AdbkitProbe" and entry["message"] == marker
    assert entry["priority"] == 4  # `log` writes at INFO (android_LogPriority ANDROID_LOG_INFO)
    assert entry["pid"] > 0 and entry["tid"] > 0
    assert abs(entry["dateMs"] / 1000 - time.time()) < 60


def test_adbkit_proc_stat_gives_cpu_loads(adbkit, adb_server, virtual_phone):
    loads = adbkit("procstat")["loads"]  # two pulls of /proc/stat, a second apart
    cpus = int(shell(adb_server, virtual_phone, "nproc"))
    assert set(loads) == {f"cpu{n}" for n in range(cpus)}
    for load in loads.values():
        parts = [load[name] for name in ("user", "nice", "system", "idle", "iowait", "irq", "softirq",
                                         "steal", "guest", "guestnice")]
        assert load["total"] == 100 and all(0 <= part <= 100 for part in parts) and sum(parts) <= 100
