"""Google's Mobly drives the virtual phone as it drives a real Android 14 phone: its AndroidDevice
controller is created from a serial, reads a complete build_info, collects logcat, takes a
screenshot and a bug report. Expected values come from Mobly's own source (mobly 1.13)."""

from __future__ import annotations

import io
import logging
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.requires_python("3.11")  # mobly 1.13 needs Python 3.11


@pytest.fixture
def android_device(virtual_phone, adb_on_path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A Mobly AndroidDevice for the virtual phone, made by `android_device.create` as a Mobly test
    config does, with its standing logcat service running; destroyed after the test."""
    android_device = pytest.importorskip("mobly.controllers.android_device",
                                         reason="mobly is not installed: pip install -e '.[test]'")
    monkeypatch.setattr(logging, "log_path", str(tmp_path / "mobly-logs"), raising=False)
    ads = android_device.create([{"serial": virtual_phone.serial}])
    yield ads[0]
    android_device.destroy(ads)


def test_mobly_creates_the_device_from_its_serial(android_device, virtual_phone):
    assert android_device.serial == virtual_phone.serial
    assert android_device.is_adb_detectable()
    assert android_device.is_emulator  # the virtual phone presents itself as Google's emulator image
    assert android_device.is_rootable  # a userdebug image: ro.debuggable=1
    assert android_device.model == "sdk_gphone64_x86_64"  # ro.product.name, lowercased


def test_mobly_build_info_is_complete_and_tells_one_story(android_device):
    info = android_device.build_info
    # every key Mobly 1.13 caches (BuildInfoConstants); sdk_full exists only on API levels above 36
    assert set(info) == {"build_id", "build_type", "build_fingerprint", "build_version_codename",
                         "build_version_incremental", "build_version_sdk", "build_version_sdk_full",
                         "build_product", "build_characteristics", "debuggable", "product_name", "hardware"}
    assert info["build_version_sdk_full"] == ""
    empty = sorted(key for key, value in info.items() if not value and key != "build_version_sdk_full")
    assert empty == []
    assert info["build_version_sdk"] == "34"
    assert info["build_version_codename"] == "REL"
    assert info["build_type"] == "userdebug" and info["debuggable"] == "1"
    assert info["build_characteristics"] == "emulator" and info["hardware"] == "ranchu"
    # BRAND/PRODUCT/DEVICE:RELEASE/ID/INCREMENTAL:TYPE/TAGS, each part agreeing with its own property
    brand_product_device, release_id_incremental, type_tags = info["build_fingerprint"].split(":")
    assert brand_product_device.split("/")[1] == info["product_name"]
    assert release_id_incremental == f"14/{info['build_id']}/{info['build_version_incremental']}"
    assert type_tags == f"{info['build_type']}/dev-keys"


def test_mobly_getprops_reads_the_release_and_skips_unknown_names(android_device):
    props = android_device.adb.getprops(["ro.build.version.release", "ro.build.version.sdk", "no.such.prop"])
    assert props == {"ro.build.version.release": "14", "ro.build.version.sdk": "34"}
    assert android_device.adb.getprop("ro.build.version.release") == "14"


def test_mobly_logcat_service_writes_the_phones_log_lines(android_device, adb_server, virtual_phone):
    logcat = android_device.services.logcat
    assert logcat.is_alive
    marker = f"mobly-marker-{time.monotonic_ns()}"
    adb_server.run("shell", "log", "-t", "MoblyProbe", marker, serial=virtual_phone.serial)
    path = Path(logcat.adb_logcat_file_path)
    deadline = time.monotonic() + 20
    while marker not in (path.read_text(errors="replace") if path.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.2)
    android_device.services.logcat.stop()
    lines = [line for line in path.read_text(errors="replace").splitlines() if marker in line]
    assert len(lines) == 1, path.read_text(errors="replace")[-2000:]
    # -v threadtime: "MM-DD HH:MM:SS.mmm  PID  TID PRIO TAG: message"
    fields = lines[0].split()
    assert len(fields[0]) == 5 and fields[0][2] == "-" and len(fields[1]) == 12
    assert fields[2].isdigit() and fields[3].isdigit() and fields[4] == "I"
    assert fields[5] == "MoblyProbe:" and fields[6] == marker


def test_mobly_screenshot_is_a_png_of_the_screen(android_device, tmp_path: Path):
    path = Path(android_device.take_screenshot(str(tmp_path / "shots")))
    assert path.parent == tmp_path / "shots" and path.suffix == ".png"
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.size == (1080, 2400)
    # Mobly removes its file from the phone after pulling it
    listing = android_device.adb.shell(["ls", "/storage/emulated/0/"]).decode()
    assert path.name not in listing


def test_mobly_bug_report_is_a_bugreportz_zip(android_device, tmp_path: Path):
    path = Path(android_device.take_bug_report(test_name="probe", destination=str(tmp_path / "br")))
    # Android 7+ answers `bugreportz -v`, so Mobly pulls the zip bugreportz wrote
    assert path.suffix == ".zip"
    with zipfile.ZipFile(path) as archive:
        main_entry = archive.read("main_entry.txt").decode().strip()
        assert main_entry.startswith("bugreport-") and main_entry.endswith(".txt")
        assert "== dumpstate:" in archive.read(main_entry).decode(errors="replace")
