"""The diagnostics tools of /system/bin through the real adb: bugreportz writes a real zip adb can
pull, screenrecord a real mp4, getevent sees the phone's input, `reboot` from the shell reboots as
`adb reboot` does, and run-as / app_process fail with the texts of the AOSP binaries."""

from __future__ import annotations

import subprocess
import threading
import time
import zipfile

import av
import pytest

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.apk import build_apk


@pytest.fixture(scope="module")
def phone(adb_server, tmp_path_factory):
    config = PhoneConfig(data_dir=tmp_path_factory.mktemp("diag"), storage_bytes=512 * 1024**2, reboot_downtime=0.3)
    with VirtualPhone(config) as phone:
        adb_server.wait_for(phone.serial)
        yield phone


def sh(adb_server, phone, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return adb_server.run("shell", command, serial=phone.serial, check=False, timeout=timeout)


def test_bugreportz_writes_a_zip_adb_pulls(adb_server, phone, tmp_path):
    got = sh(adb_server, phone, "bugreportz")
    line = got.stdout.decode().strip()
    assert line.startswith("OK:/data/user_de/0/com.android.shell/files/bugreports/bugreport-") and line.endswith(".zip")
    adb_server.run("pull", line[3:], str(tmp_path / "br.zip"), serial=phone.serial)
    with zipfile.ZipFile(tmp_path / "br.zip") as zf:
        main = zf.read("main_entry.txt").decode()
        text = zf.read(main).decode()
        assert zf.read("version.txt") == b"2.0"
    assert "[ro.build.version.sdk]: [34]" in text and "system_server" in text


def test_bugreportz_p_reports_progress_before_the_path(adb_server, phone):
    lines = sh(adb_server, phone, "bugreportz -p").stdout.decode().splitlines()
    assert lines[0].startswith("BEGIN:") and lines[-1] == "OK:" + lines[0][len("BEGIN:"):]
    assert "PROGRESS:100/100" in lines


def test_flat_bugreport_says_it_is_deprecated(adb_server, phone):
    got = sh(adb_server, phone, "bugreport")
    assert got.returncode == 0 and got.stdout == b""
    assert b"WARNING: On the device use: bugreportz\n" in got.stderr


def test_screenrecord_writes_an_mp4_of_the_time_limit(adb_server, phone, tmp_path):
    got = sh(adb_server, phone, "screenrecord --time-limit 1 --size 360x800 /sdcard/Movies/rec.mp4; echo $?")
    assert got.stdout == b"0\n"
    adb_server.run("pull", "/sdcard/Movies/rec.mp4", str(tmp_path / "rec.mp4"), serial=phone.serial)
    with av.open(str(tmp_path / "rec.mp4")) as container:
        video = container.streams.video[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 360, 800)
        frames = sum(1 for _ in container.decode(video))
    assert 5 <= frames <= 15


def test_screenrecord_needs_a_file_and_a_sane_limit(adb_server, phone):
    assert sh(adb_server, phone, "screenrecord").stderr == b"Must specify output file (see --help).\n"
    got = sh(adb_server, phone, "screenrecord --time-limit 999 /sdcard/x.mp4")
    assert (got.returncode, got.stderr) == (2, b"Invalid time limit 999\n")


def test_getevent_lists_devices_and_stops_after_c_events(adb_server, phone):
    listing = sh(adb_server, phone, "getevent -p").stdout.decode()
    assert 'name:     "virtio_input_multi_touch_1"' in listing and "/dev/input/event0" in listing
    result: list[subprocess.CompletedProcess] = []
    reader = threading.Thread(target=lambda: result.append(sh(adb_server, phone, "getevent -q -c 4")))
    reader.start()
    time.sleep(1.0)
    sh(adb_server, phone, "input keyevent 24")
    reader.join(30)
    assert not reader.is_alive()
    assert result[0].stdout.decode().splitlines() == [
        "/dev/input/event0: 0001 0018 00000001", "/dev/input/event0: 0000 0000 00000000",
        "/dev/input/event0: 0001 0018 00000000", "/dev/input/event0: 0000 0000 00000000"]


def test_run_as_refuses_unknown_and_release_packages(adb_server, phone):
    got = sh(adb_server, phone, "run-as com.example.nothere ls; run-as com.android.settings ls")
    assert got.stderr == (b"run-as: unknown package: com.example.nothere\n"
                          b"run-as: package not debuggable: com.android.settings\n")


def test_run_as_enters_a_debuggable_apps_data(adb_server, phone, tmp_path):
    apk = tmp_path / "debug.apk"
    apk.write_bytes(build_apk("com.example.debugbuild", debuggable=True))
    adb_server.run("install", str(apk), serial=phone.serial)
    got = sh(adb_server, phone, "run-as com.example.debugbuild pwd; run-as com.example.debugbuild ls")
    assert got.stdout.decode().splitlines()[0] == "/data/user/0/com.example.debugbuild"
    assert got.stdout.decode().splitlines()[1:] == ["cache", "code_cache"]


def test_app_process_without_a_class_aborts(adb_server, phone):
    got = sh(adb_server, phone, "app_process; echo $?")
    assert got.stdout == b"134\n"
    assert got.stderr.startswith(b"Error: no class name or --zygote supplied.\n")


def test_reboot_from_the_shell_reboots_the_phone(adb_server, phone):
    boots = phone.boot_count
    subprocess.Popen([adb_server.binary, "-P", str(adb_server.port), "-s", phone.serial, "shell", "reboot"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while phone.boot_count == boots:
        assert time.monotonic() < deadline, "the phone never rebooted"
        time.sleep(0.05)
    adb_server.run("wait-for-device", serial=phone.serial, timeout=30)
    assert sh(adb_server, phone, "getprop sys.boot_completed").stdout.strip() == b"1"
