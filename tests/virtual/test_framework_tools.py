"""device_config, sm, ime, locksettings, requestsync and telecom as the shell user meets them on an
Android 14 emulator; each agrees with the settings and packages the phone has. Texts are those of
DeviceConfigService.MyShellCommand, cmds/sm/Sm.java, InputMethodManagerService.ShellCommandImpl,
LockSettingsShellCommand, cmds/requestsync and cmds/telecom."""

from __future__ import annotations

import subprocess

import pytest

from pytest_phonebackup.virtual import PhoneConfig


@pytest.fixture(scope="module")
def shared_phone_config(tmp_path_factory) -> PhoneConfig:
    return PhoneConfig(data_dir=tmp_path_factory.mktemp("framework-phone"))  # this module changes settings


def sh(adb_server, phone, command: str) -> subprocess.CompletedProcess:
    return adb_server.run("shell", command, serial=phone.serial, check=False)


def out(adb_server, phone, command: str) -> str:
    return sh(adb_server, phone, command).stdout.decode()


def test_device_config_keeps_flags_by_namespace(adb_server, phone):
    assert out(adb_server, phone, "device_config get backup_flags fast_path") == "null\n"
    sh(adb_server, phone, "device_config put backup_flags fast_path true; device_config put other k v")
    assert out(adb_server, phone, "device_config get backup_flags fast_path") == "true\n"
    assert out(adb_server, phone, "device_config list backup_flags") == "fast_path=true\n"
    assert out(adb_server, phone, "device_config list") == "backup_flags/fast_path=true\nother/k=v\n"
    assert out(adb_server, phone, "device_config delete other k; device_config delete other k") == (
        "Successfully deleted k from other\nFailed to delete k from other\n")
    assert out(adb_server, phone, "device_config get_sync_disabled_for_tests") == "none\n"
    sh(adb_server, phone, "device_config set_sync_disabled_for_tests persistent")
    assert out(adb_server, phone, "device_config get_sync_disabled_for_tests") == "persistent\n"
    assert out(adb_server, phone, "device_config").startswith("Device Config (device_config) commands:\n")


def test_sm_shows_the_emulated_primary_storage_only(adb_server, phone):
    assert out(adb_server, phone, "sm list-volumes") == "emulated;0 mounted null\n"
    assert out(adb_server, phone, "sm list-volumes public; sm list-disks") == ""
    assert out(adb_server, phone, "sm has-adoptable; sm get-primary-storage-uuid") == "false\nnull\n"
    got = sh(adb_server, phone, "sm frobnicate")
    assert got.returncode == 1 and got.stderr.startswith(b"usage: sm list-disks [adoptable]\n")


def test_ime_lists_and_selects_the_keyboard_settings_name(adb_server, phone):
    default = out(adb_server, phone, "settings get secure default_input_method")
    assert out(adb_server, phone, "ime list -s") == default
    ime_id = default.strip()
    assert out(adb_server, phone, f"ime set {ime_id}") == f"Input method {ime_id} selected for user #0\n"
    assert out(adb_server, phone, f"ime enable {ime_id}") == f"Input method {ime_id}: already enabled for user #0\n"
    got = sh(adb_server, phone, "ime enable com.example/.Nope")
    assert (got.returncode, got.stderr) == (
        255, b"Unknown input method com.example/.Nope cannot be enabled for user #0\n")


def test_locksettings_sets_and_clears_a_pin(adb_server, phone):
    assert out(adb_server, phone, "locksettings get-disabled") == "true\n"
    assert out(adb_server, phone, "locksettings set-pin 1234") == "Pin set to '1234'\n"
    assert out(adb_server, phone, "locksettings get-disabled") == "false\n"
    got = sh(adb_server, phone, "locksettings clear")
    assert (got.returncode, got.stdout) == (255, b"Old password '' didn't match\n")
    assert out(adb_server, phone, "locksettings verify --old 1234") == "Lock credential verified successfully\n"
    assert out(adb_server, phone, "locksettings clear --old 1234") == "Lock credential cleared\n"
    assert out(adb_server, phone, "locksettings get-disabled") == "true\n"
    assert out(adb_server, phone, "locksettings clear") == "Lock credential cleared\n"


def test_requestsync_and_telecom(adb_server, phone):
    assert sh(adb_server, phone, "requestsync -a com.android.contacts").returncode == 0
    assert sh(adb_server, phone, "requestsync --bogus").stderr == b"Error: Unknown option: --bogus\n"
    # no dialer package is installed on the phone, so no app holds the dialer role
    assert out(adb_server, phone, "pm list packages com.android.dialer") == ""
    assert out(adb_server, phone, "telecom get-default-dialer; telecom get-system-dialer") == (
        "null\ncom.android.dialer\n")
