"""The avd provisioner against a fake Android SDK whose emulator boots virtual phones: launch flags,
readiness phases, the failures CI users hit (slow boot, timeout, dying emulator, offline, busy
port) and a teardown that leaves nothing behind. One test runs on a real SDK when there is one."""

from __future__ import annotations

import os
import re
import socket
import time
from pathlib import Path

import psutil
import pytest

from pytest_phonebackup.errors import PhoneError
from pytest_phonebackup.provision import choose_console_port, port_lock
from pytest_phonebackup.provision.avd import (
    AvdProvisioner,
    check_kvm,
    create_avd,
    find_sdk,
    parse_kill_answer,
)


def processes_running(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def helper_pid(log_path: Path) -> int:
    match = re.search(r"crashpad_handler pid (\d+)", log_path.read_text())
    assert match, log_path.read_text()
    return int(match.group(1))


def test_boots_avd_ready_and_teardown_leaves_nothing(fake_sdk, adb_server):
    fake_sdk.add_avd("Pixel_7_API_34", helper=1)
    provisioner = fake_sdk.provisioner("Pixel_7_API_34")
    phone = provisioner.acquire()
    emulator = provisioner.emulators[phone.serial]
    assert phone.kind == "emulator" and phone.is_emulator
    assert adb_server.devices()[phone.serial] == "device"
    assert phone.shell("echo ready").stdout == "ready\n"
    assert phone.getprop("sys.boot_completed") == "1"
    launched = emulator.log_path.read_text()
    for flag in ("-avd Pixel_7_API_34", f"-port {emulator.port}", "-no-window", "-no-snapshot-save",
                 "-no-boot-anim", "-gpu swiftshader_indirect", "-delay-adb", "-accel off"):
        assert flag in launched
    assert "-read-only" not in launched
    # post-boot settings: no animations, no error dialogs
    assert phone.settings_get("global", "window_animation_scale") == "0"
    assert phone.settings_get("global", "hide_error_dialogs") == "1"
    helper = helper_pid(emulator.log_path)
    pid = emulator.process.pid

    provisioner.release()

    assert processes_running([pid, helper]) == []
    assert phone.serial not in adb_server.devices()
    assert provisioner.emulators == {}


def test_snapshots_are_saved_through_the_console_but_not_when_read_only(fake_sdk):
    fake_sdk.add_avd("Snap")
    with fake_sdk.provisioner("Snap") as provisioner:
        phone = provisioner.acquire()
        provisioner.save_snapshot(phone, "golden")
        assert "golden" in provisioner._emu(phone.serial, "avd", "snapshot", "list")
        provisioner.emulators[phone.serial].read_only = True
        with pytest.raises(PhoneError, match="-read-only"):
            provisioner.save_snapshot(phone, "again")


def test_slow_boot_is_waited_for(fake_sdk):
    fake_sdk.add_avd("Slow", boot_delay=2)
    started = time.monotonic()
    with fake_sdk.provisioner("Slow", boot_timeout=30) as provisioner:
        phone = provisioner.acquire()
        assert time.monotonic() - started >= 2
        assert phone.getprop("sys.boot_completed") == "1"


def test_boot_timeout_names_the_phase_and_shows_the_log(fake_sdk):
    fake_sdk.add_avd("Stuck", boot_delay=120)
    provisioner = fake_sdk.provisioner("Stuck", boot_timeout=2)
    with pytest.raises(PhoneError) as caught:
        provisioner.acquire()
    message = str(caught.value)
    assert "phase 'boot completed'" in message
    assert "--phone-boot-timeout" in message
    assert "Android emulator version" in message  # the log's tail
    assert provisioner.emulators == {}
    assert not [p for p in psutil.process_iter(["cmdline"]) if "Stuck" in " ".join(p.info["cmdline"] or [])]


def test_emulator_dying_during_boot_is_reported_at_once(fake_sdk):
    fake_sdk.add_avd("Crashy", boot_delay=120, die_after=1)
    provisioner = fake_sdk.provisioner("Crashy", boot_timeout=60)
    started = time.monotonic()
    with pytest.raises(PhoneError) as caught:
        provisioner.acquire()
    assert time.monotonic() - started < 20  # not the whole boot budget
    assert "exited with status 139" in str(caught.value)
    assert "Segmentation fault" in str(caught.value)


def test_offline_emulator_times_out_in_the_listing_phase_and_is_killed(fake_sdk, adb_server):
    fake_sdk.add_avd("Offline", offline=1)
    provisioner = fake_sdk.provisioner("Offline", boot_timeout=2)
    with pytest.raises(PhoneError) as caught:
        provisioner.acquire()
    message = str(caught.value)
    assert "phase 'listed as device'" in message and "offline" in message
    assert "boot stuck" in message
    assert not [p for p in psutil.process_iter(["cmdline"]) if "Offline" in " ".join(p.info["cmdline"] or [])]


def test_busy_port_is_skipped(fake_sdk):
    fake_sdk.add_avd("Pixel")
    with port_lock():
        first = choose_console_port(5570)
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", first))
    blocker.listen(1)
    try:
        with fake_sdk.provisioner("Pixel") as provisioner:
            phone = provisioner.acquire()
            assert phone.serial != f"emulator-{first}"
            assert phone.shell("echo ok").stdout == "ok\n"
    finally:
        blocker.close()


def test_unknown_avd_lists_the_available_ones(fake_sdk):
    fake_sdk.add_avd("Pixel_7_API_34")
    fake_sdk.add_avd("Tablet_API_33", api=33)
    with pytest.raises(PhoneError, match=r"no AVD named 'Pixel_9'.*available: Pixel_7_API_34, Tablet_API_33"):
        fake_sdk.provisioner("Pixel_9").acquire()


def test_invalid_flag_fails_fast_with_the_emulators_words(fake_sdk):
    fake_sdk.add_avd("Pixel")
    started = time.monotonic()
    with pytest.raises(PhoneError, match="invalid command-line parameter: -bogus"):
        fake_sdk.provisioner("Pixel", extra_flags=["-bogus"], boot_timeout=60).acquire()
    assert time.monotonic() - started < 20


def test_parallel_workers_share_the_avd_read_only(fake_sdk):
    folder = fake_sdk.add_avd("Pixel")
    env_worker = dict(fake_sdk.env, PYTEST_XDIST_WORKER="gw1")
    provisioner = AvdProvisioner("Pixel", env=env_worker, accel="off")
    command = provisioner.command(fake_sdk.root, folder, 5558)
    assert "-read-only" in command and "-no-snapshot-save" in command
    assert "-read-only" not in fake_sdk.provisioner("Pixel").command(fake_sdk.root, folder, 5554)


def test_snapshot_option_picks_the_snapshot_flags(fake_sdk):
    folder = fake_sdk.add_avd("Pixel", api=27)
    cold = fake_sdk.provisioner("Pixel", snapshot="none").command(fake_sdk.root, folder, 5554)
    named = fake_sdk.provisioner("Pixel", snapshot="golden").command(fake_sdk.root, folder, 5554)
    assert "-no-snapshot" in cold and "-snapshot" not in cold
    assert named[named.index("-snapshot") + 1] == "golden" and "-no-snapshot-save" in named
    assert "-delay-adb" not in cold  # API 27 has no -delay-adb


def test_sdk_discovery_errors_say_what_to_set(tmp_path):
    with pytest.raises(PhoneError, match="set ANDROID_SDK_ROOT"):
        find_sdk({})
    (tmp_path / "a" / "emulator").mkdir(parents=True)
    (tmp_path / "a" / "emulator" / "emulator").write_text("")
    with pytest.raises(PhoneError, match="name different SDKs"):
        find_sdk({"ANDROID_SDK_ROOT": str(tmp_path / "a"), "ANDROID_HOME": str(tmp_path / "b")})
    assert find_sdk({"ANDROID_HOME": str(tmp_path / "a")}) == tmp_path / "a"
    with pytest.raises(PhoneError, match="sdkmanager emulator"):
        find_sdk({"ANDROID_SDK_ROOT": str(tmp_path / "b")})


def test_missing_kvm_error_tells_the_fix(tmp_path):
    with pytest.raises(PhoneError, match="modprobe kvm_intel.*PHONEBACKUP_AVD_ACCEL=off"):
        check_kvm(tmp_path / "kvm")


def test_avdmanager_creates_once_and_keeps_an_existing_avd(fake_sdk):
    folder = create_avd(fake_sdk.root, "Made", "system-images;android-34;google_apis;x86_64",
                        settings={"hw.ramSize": "4096", "disk.dataPartition.size": "4G"},
                        home=fake_sdk.avd_home)
    config = (folder / "config.ini").read_text()
    assert "hw.ramSize=4096" in config and "hw.ramSize=2048" not in config
    assert "disk.dataPartition.size=4G" in config
    (folder / "snapshots").mkdir()
    assert create_avd(fake_sdk.root, "Made", "system-images;android-34;google_apis;x86_64",
                      home=fake_sdk.avd_home) == folder
    assert (folder / "snapshots").is_dir()  # not re-created: snapshots survive
    with pytest.raises(PhoneError, match="Package path is not valid"):
        create_avd(fake_sdk.root, "Bad", "system-images;android-99;x;y", home=fake_sdk.avd_home)


def test_emu_kill_answer_is_parsed_not_its_exit_status():
    assert parse_kill_answer("OK: killing emulator, bye bye\r\nOK\r\n")
    assert not parse_kill_answer("KO: authentication token does not match ~/.emulator_console_auth_token\r\n")
    assert not parse_kill_answer("error: could not connect to TCP port 5554: Connection refused\n")


def _real_sdk() -> tuple[Path, str] | None:
    root = os.environ.get("ANDROID_SDK_ROOT") or os.environ.get("ANDROID_HOME")
    if not root or not (Path(root) / "emulator" / "emulator").exists():
        return None
    if not any((Path(root) / "system-images").glob("android-*/*/*")):
        return None
    home = Path(os.environ.get("ANDROID_AVD_HOME") or Path.home() / ".android" / "avd")
    names = sorted(path.stem for path in home.glob("*.ini"))
    return (Path(root), names[0]) if names and os.access("/dev/kvm", os.R_OK | os.W_OK) else None


@pytest.mark.realsdk
@pytest.mark.skipif(_real_sdk() is None, reason="needs a real Android SDK (ANDROID_SDK_ROOT) with the emulator, "
                    "a system image, an AVD and /dev/kvm")
def test_real_emulator_boots_and_goes_away(adb_server, tmp_path):
    _, name = _real_sdk()  # type: ignore[misc]
    with AvdProvisioner(name, boot_timeout=600, log_dir=tmp_path) as provisioner:
        phone = provisioner.acquire()
        assert phone.info()["kind"] == "emulator"
        assert phone.shell("echo $EXTERNAL_STORAGE").stdout.strip()
        serial = phone.serial
    assert serial not in adb_server.devices()
