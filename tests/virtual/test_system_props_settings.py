"""getprop/setprop and the settings provider, through the real adb: Android's texts, refusals,
and what survives `adb reboot`."""

from __future__ import annotations

import time

import pytest

from pytest_phonebackup.virtual import PhoneConfig


def sh(adb_server, phone, command: str, check: bool = True):
    return adb_server.run("shell", command, serial=phone.serial, check=check)


def out(adb_server, phone, command: str) -> str:
    return sh(adb_server, phone, command).stdout.decode()


def test_getprop_lists_every_property_in_brackets(adb_server, phone):
    lines = out(adb_server, phone, "getprop").splitlines()
    assert "[ro.build.version.sdk]: [34]" in lines
    assert "[sys.boot_completed]: [1]" in lines
    assert all(line.startswith("[") and "]: [" in line and line.endswith("]") for line in lines)
    keys = [line[1:line.index("]: [")] for line in lines]
    assert keys == sorted(keys)  # Android's getprop sorts by name: ro.build.date before ro.build.date.utc


def test_getprop_one_key_and_default(adb_server, phone):
    assert out(adb_server, phone, "getprop ro.build.version.release") == "14\n"
    assert out(adb_server, phone, "getprop no.such.prop") == "\n"
    assert out(adb_server, phone, "getprop no.such.prop fallback") == "fallback\n"


def test_build_properties_name_one_emulator_image_consistently(adb_server, phone):
    """The ids tools print and compare (`Build.ID`, `Build.DISPLAY`, the fingerprint) are those of the
    API 34 emulator image and agree with each other."""
    props = {key: out(adb_server, phone, f"getprop {key}").strip() for key in (
        "ro.build.id", "ro.build.version.incremental", "ro.build.version.codename", "ro.build.product",
        "ro.build.fingerprint", "ro.build.display.id", "ro.build.flavor", "ro.vendor.build.fingerprint",
        "ro.build.date.utc")}
    assert props == {
        "ro.build.id": "UE1A.230829.036.A2",
        "ro.build.version.incremental": "11596452",
        "ro.build.version.codename": "REL",
        "ro.build.product": "emu64x",
        "ro.build.fingerprint": "google/sdk_gphone64_x86_64/emu64x:14/UE1A.230829.036.A2/11596452:userdebug/dev-keys",
        "ro.build.display.id": "sdk_gphone64_x86_64-userdebug 14 UE1A.230829.036.A2 11596452 dev-keys",
        "ro.build.flavor": "sdk_gphone64_x86_64-userdebug",
        "ro.vendor.build.fingerprint": "google/sdk_gphone64_x86_64/emu64x:14/UE1A.230829.036.A2/11596452:userdebug/dev-keys",
        "ro.build.date.utc": "1710871227",
    }


def test_an_older_api_level_gets_the_build_of_its_release(adb_server, tmp_path):
    from pytest_phonebackup.virtual.cli import start_phone

    vp = start_phone(PhoneConfig(data_dir=tmp_path / "phone", api=30))
    try:
        adb_server.wait_for(vp.serial)
        fingerprint = out(adb_server, vp, "getprop ro.build.fingerprint").strip()
        assert fingerprint.startswith("google/sdk_gphone64_x86_64/emu64x:11/R")
        assert out(adb_server, vp, "getprop ro.build.id").strip() in fingerprint
        assert out(adb_server, vp, "getprop ro.product.first_api_level") == "30\n"
    finally:
        vp.close()


def test_the_phone_says_it_is_virtual_and_still_looks_like_an_emulator(adb_server, phone):
    assert out(adb_server, phone, "getprop ro.phonebackup.virtual") == "1\n"
    assert out(adb_server, phone, "getprop ro.kernel.qemu") == "1\n"
    assert out(adb_server, phone, "getprop ro.build.characteristics") == "emulator\n"


def test_setprop_refuses_read_only_properties_like_android(adb_server, phone):
    proc = sh(adb_server, phone, "setprop ro.build.version.sdk 30", check=False)
    assert proc.returncode == 1
    assert proc.stderr.decode() == ("Failed to set property 'ro.build.version.sdk' to '30'.\n"
                                    "See dmesg for error reason.\n")
    assert out(adb_server, phone, "getprop ro.build.version.sdk") == "34\n"


def test_setprop_usage_error(adb_server, phone):
    proc = sh(adb_server, phone, "setprop only.name", check=False)
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("usage: setprop NAME VALUE")


def test_settings_defaults_and_missing_key_is_null(adb_server, phone):
    for namespace, key, value in [("global", "window_animation_scale", "1.0"), ("global", "airplane_mode_on", "0"),
                                  ("global", "wifi_on", "1"), ("global", "mobile_data", "1"),
                                  ("global", "adb_enabled", "1"), ("system", "screen_off_timeout", "60000"),
                                  ("secure", "user_setup_complete", "1")]:
        assert out(adb_server, phone, f"settings get {namespace} {key}") == value + "\n"
    assert out(adb_server, phone, "settings get secure no_such_setting") == "null\n"


def test_settings_put_list_delete(adb_server, phone):
    # The exact line Appium sends when a session starts (API >= 28)
    sh(adb_server, phone, "settings put global hidden_api_policy_pre_p_apps 1;"
       "settings put global hidden_api_policy_p_apps 1;settings put global hidden_api_policy 1")
    assert out(adb_server, phone, "settings get global hidden_api_policy") == "1\n"
    listing = out(adb_server, phone, "settings list global").splitlines()
    assert "hidden_api_policy_p_apps=1" in listing and "wifi_on=1" in listing
    assert out(adb_server, phone, "settings delete global hidden_api_policy") == "Deleted 1 rows\n"
    assert out(adb_server, phone, "settings delete global hidden_api_policy") == "Deleted 0 rows\n"
    assert out(adb_server, phone, "settings get global hidden_api_policy") == "null\n"
    assert out(adb_server, phone, "settings --user current get system font_scale") == "1.0\n"


def test_settings_rejects_unknown_namespace(adb_server, phone):
    proc = sh(adb_server, phone, "settings get galaxy wifi_on", check=False)
    assert proc.returncode == 255
    assert proc.stderr.decode().startswith("Invalid command: get galaxy wifi_on")


@pytest.fixture
def phone_config(tmp_path):
    return PhoneConfig(data_dir=tmp_path / "phone", reboot_downtime=0.3)


@pytest.fixture
def fresh_phone(virtual_phone):
    return virtual_phone


def test_settings_and_persist_props_survive_reboot_but_other_props_do_not(adb_server, fresh_phone):
    sh(adb_server, fresh_phone, "settings put system screen_off_timeout 600000; settings put global qa_marker 7;"
       "setprop persist.qa.kept yes; setprop debug.qa.lost yes")
    boots = fresh_phone.boot_count
    adb_server.run("reboot", serial=fresh_phone.serial)
    deadline = time.monotonic() + 30
    while fresh_phone.boot_count == boots and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fresh_phone.booted.wait(30)
    adb_server.run("wait-for-device", serial=fresh_phone.serial, timeout=30)
    assert out(adb_server, fresh_phone, "settings get system screen_off_timeout") == "600000\n"
    assert out(adb_server, fresh_phone, "settings get global qa_marker") == "7\n"
    assert out(adb_server, fresh_phone, "getprop persist.qa.kept") == "yes\n"
    assert out(adb_server, fresh_phone, "getprop debug.qa.lost") == "\n"


def test_cmd_settings_is_the_same_provider(adb_server, phone):
    # adb's abb_exec path (`settings get global enable_adb_incremental_install_default`) arrives as `cmd settings`
    sh(adb_server, phone, "cmd settings put global qa_cmd_path 5")
    assert out(adb_server, phone, "settings get global qa_cmd_path") == "5\n"
    assert out(adb_server, phone, "cmd settings get global enable_adb_incremental_install_default") == "null\n"
