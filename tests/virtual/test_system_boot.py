"""The Android side while booting and when storage runs out, through the real adb: `service list`
grows as system_server comes up; a full disk is logged where harnesses look for it."""

from __future__ import annotations

import os
import re

import pytest

from pytest_phonebackup.virtual import PhoneConfig


@pytest.fixture
def phone_config(tmp_path, request):
    """A fresh 64 MiB phone per test (`indirect` parameters change its configuration)."""
    return PhoneConfig(data_dir=tmp_path / "phone", **{"storage_bytes": 64 * 1024**2, **getattr(request, "param", {})})


@pytest.fixture
def phone(virtual_phone):
    return virtual_phone


# long enough that adb sees the phone well before boot completes, even on a busy machine
@pytest.mark.parametrize("phone_config", [{"boot_delay": 4.0}], indirect=True)
def test_service_list_is_short_until_boot_completes(adb_server, phone):
    early = adb_server.run("shell", "service list; getprop sys.boot_completed", serial=phone.serial)
    early_lines = early.stdout.decode().splitlines()
    assert early_lines[-1] == ""  # sys.boot_completed not yet 1
    early_count = int(re.fullmatch(r"Found (\d+) services:", early_lines[0]).group(1))
    assert "window" not in early.stdout.decode()
    assert phone.booted.wait(30)
    late = adb_server.run("shell", "service list", serial=phone.serial).stdout.decode()
    assert int(re.fullmatch(r"Found (\d+) services:", late.splitlines()[0]).group(1)) > early_count
    assert "\twindow: [android.view.IWindowManager]" in late


def test_storage_full_is_logged(adb_server, phone, tmp_path):
    assert phone.booted.wait(30)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(1024) * (96 * 1024))  # 96 MiB onto a 64 MiB phone
    push = adb_server.run("push", str(big), "/sdcard/Download/big.bin", serial=phone.serial, check=False)
    assert push.returncode != 0
    log = adb_server.run("logcat", "-d", "-b", "system", "-v", "brief", serial=phone.serial).stdout.decode()
    full = [line for line in log.splitlines() if line.startswith("W/DeviceStorageMonitorService")]
    assert len(full) == 1, full  # logged once, not once per chunk
    assert "No space left on device" in full[0] and "/Download/big.bin" in full[0]


def test_dumpsys_diskstats_reports_free_space(adb_server, phone):
    text = adb_server.run("shell", "dumpsys diskstats", serial=phone.serial).stdout.decode()
    line = next(row for row in text.splitlines() if row.startswith("Data-Free: "))
    free_k, total_k = (int(part.rstrip("K")) for part in line[len("Data-Free: "):].split(" total")[0].split(" / "))
    assert total_k == 64 * 1024
    assert free_k == phone.storage.free // 1024
