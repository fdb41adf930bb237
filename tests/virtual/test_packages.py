"""Packages on the virtual phone, driven through the real adb: the three install paths adb uses,
reinstall and downgrade rules, uninstall, clear, permissions, and the exact output formats of
pm / cmd package / dumpsys package that harnesses (Appium among them) parse."""

from __future__ import annotations

import hashlib
import re
import socket

import pytest

from pytest_phonebackup.nodetools import tools_dir
from pytest_phonebackup.virtual import PhoneConfig
from pytest_phonebackup.virtual.apk import Instrumentation, build_apk, read_apk
from pytest_phonebackup.virtual.cli import start_phone


@pytest.fixture(scope="module")
def shared_phone_config(tmp_path_factory) -> PhoneConfig:
    """One phone for the module (tests use distinct package names); booting per test is waste."""
    return PhoneConfig(data_dir=tmp_path_factory.mktemp("pkgphone"), storage_bytes=512 * 1024**2)


def shell(adb_server, phone, command: str, input: bytes | None = None) -> str:
    return adb_server.run("shell", command, serial=phone.serial, check=False, input=input).stdout.decode()


def write_apk(tmp_path, name: str, **kwargs) -> tuple[bytes, str]:
    data = build_apk(name, **kwargs)
    path = tmp_path / f"{name}.apk"
    path.write_bytes(data)
    return data, str(path)


def package_log(phone) -> list[str]:
    return [e.message for e in phone.system.logcat.entries() if e.tag == "PackageManager"]


def test_adb_install_streams_the_apk_through_abb_exec(adb_server, phone, tmp_path):
    data, path = write_apk(tmp_path, "com.example.streamed", version_code=7, version_name="7.0.1")
    result = adb_server.run("install", path, serial=phone.serial)
    assert "Success" in result.stdout.decode()
    # the banner offers abb_exec, so adb streamed the APK (no copy left in /data/local/tmp)
    assert f"Installing a streamed APK of {len(data)} bytes" in package_log(phone)
    assert "package:com.example.streamed versionCode:7" in shell(
        adb_server, phone, "cmd package list packages --show-versioncode streamed").splitlines()
    # the installed base.apk is the very file that was sent
    apk_path = shell(adb_server, phone, "pm path com.example.streamed").strip().removeprefix("package:")
    assert re.fullmatch(r"/data/app/~~[\w-]{22}==/com\.example\.streamed-[\w-]{22}==/base\.apk", apk_path)
    pulled = tmp_path / "pulled.apk"
    adb_server.run("pull", apk_path, str(pulled), serial=phone.serial)
    assert hashlib.sha256(pulled.read_bytes()).digest() == hashlib.sha256(data).digest()


def exec_service(adb_server, serial: str, command: str, stdin: bytes) -> bytes:
    """Open `exec:COMMAND` through the adb server, send stdin, read the reply until the device
    closes: what adb's own install does when the device offers `cmd` but not `abb_exec`."""
    def request(sock, text: str) -> None:
        sock.sendall(f"{len(text):04x}{text}".encode())
        status = sock.recv(4)
        assert status == b"OKAY", sock.recv(4096)

    with socket.create_connection(("127.0.0.1", adb_server.port), timeout=30) as sock:
        request(sock, f"host:transport:{serial}")
        request(sock, f"exec:{command}")
        sock.sendall(stdin)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
        return reply


def test_exec_cmd_install_reads_size_bytes_from_stdin(adb_server, phone, tmp_path):
    data, _ = write_apk(tmp_path, "com.example.execin", version_code=3)
    reply = exec_service(adb_server, phone.serial, f"cmd package 'install' -S {len(data)}", data)
    assert reply == b"Success\n"
    assert f"Installing a streamed APK of {len(data)} bytes" in package_log(phone)
    assert shell(adb_server, phone, "pm list packages com.example.execin") == "package:com.example.execin\n"


def test_shell_cmd_package_install_with_size_reads_stdin(adb_server, phone, tmp_path):
    data, _ = write_apk(tmp_path, "com.example.shellin", version_code=4)
    out = shell(adb_server, phone, f"cmd package install -S {len(data)}", input=data)
    assert out == "Success\n"
    assert "package:com.example.shellin versionCode:4" in shell(
        adb_server, phone, "pm list packages --show-versioncode")


def test_push_then_pm_install(adb_server, phone, tmp_path):
    """What adb does when the device offers neither `cmd` nor `abb_exec`."""
    _, path = write_apk(tmp_path, "com.example.pushed", version_code=11, version_name="11")
    adb_server.run("push", path, "/data/local/tmp/pushed.apk", serial=phone.serial)
    assert shell(adb_server, phone, "pm 'install' '-r' '/data/local/tmp/pushed.apk'") == "Success\n"
    assert "Installing from /data/local/tmp/pushed.apk" in package_log(phone)
    assert shell(adb_server, phone, "pm path com.example.pushed").startswith("package:/data/app/~~")


def test_reinstall_updates_version_and_keeps_uid_and_grants(adb_server, phone, tmp_path):
    perm = "android.permission.READ_MEDIA_IMAGES"
    _, v1 = write_apk(tmp_path, "com.example.update", version_code=1, version_name="1.0", permissions=[perm])
    adb_server.run("install", "-g", v1, serial=phone.serial)
    uid_before = shell(adb_server, phone, "pm list packages -U com.example.update")
    v2_data = build_apk("com.example.update", 2, "2.0", permissions=[perm])
    (tmp_path / "v2.apk").write_bytes(v2_data)
    assert "Success" in adb_server.run("install", "-r", str(tmp_path / "v2.apk"), serial=phone.serial).stdout.decode()
    dump = shell(adb_server, phone, "dumpsys package com.example.update")
    assert "    versionCode=2 minSdk=24 targetSdk=34\n" in dump
    assert "    versionName=2.0\n" in dump
    assert f"        {perm}: granted=true, " in dump
    assert shell(adb_server, phone, "pm list packages -U com.example.update") == uid_before


def test_downgrade_and_replace_refusals_use_androids_texts(adb_server, phone, tmp_path):
    _, new = write_apk(tmp_path, "com.example.downgrade", version_code=5)
    adb_server.run("install", new, serial=phone.serial)
    old = build_apk("com.example.downgrade", 4)
    proc = adb_server.run("shell", f"cmd package install -S {len(old)}", serial=phone.serial, input=old,
                          check=False)
    assert proc.returncode == 1
    assert proc.stdout.decode() == ("Failure [INSTALL_FAILED_VERSION_DOWNGRADE: Downgrade detected: Update "
                                    "version code 4 is older than current 5]\n")
    assert shell(adb_server, phone, f"cmd package install -d -S {len(old)}", input=old) == "Success\n"
    refused = shell(adb_server, phone, f"cmd package install -R -S {len(old)}", input=old)
    assert refused.startswith("Failure [INSTALL_FAILED_ALREADY_EXISTS: Attempt to re-install com.example.downgrade")


def test_damaged_apk_fails_with_parse_error_and_adb_exit_status(adb_server, phone, tmp_path):
    bad = tmp_path / "broken.apk"
    bad.write_bytes(b"PK\x03\x04 this is not a zip at all" * 10)
    proc = adb_server.run("install", str(bad), serial=phone.serial, check=False)
    assert proc.returncode != 0
    assert "Failure [INSTALL_PARSE_FAILED_NOT_APK: Failed to parse /data/app/vmdl" in (
        proc.stdout + proc.stderr).decode()


def test_uninstall_removes_package_and_data_unless_kept(adb_server, phone, tmp_path):
    for name in ("com.example.gone", "com.example.kept"):
        adb_server.run("install", write_apk(tmp_path, name)[1], serial=phone.serial)
        phone.storage.write_bytes(f"/data/data/{name}/cache/x", b"state\n")  # what the app kept
    assert adb_server.run("uninstall", "com.example.gone", serial=phone.serial).stdout.decode() == "Success\n"
    assert shell(adb_server, phone, "pm uninstall -k com.example.kept") == "Success\n"
    assert shell(adb_server, phone, "pm list packages com.example.gone") == ""
    assert shell(adb_server, phone, "pm list packages com.example.kept") == ""
    assert not phone.storage.exists("/data/data/com.example.gone")
    assert phone.storage.exists("/data/data/com.example.kept/cache/x")
    proc = adb_server.run("uninstall", "com.example.gone", serial=phone.serial, check=False)
    assert proc.stdout.decode() == "Failure [DELETE_FAILED_INTERNAL_ERROR]\n" and proc.returncode != 0
    assert shell(adb_server, phone, "pm uninstall --user 0 com.example.gone") == "Failure [not installed for 0]\n"


def test_dumpsys_package_matches_what_appium_parses(adb_server, phone, tmp_path):
    runtime, normal = "android.permission.CAMERA", "android.permission.INTERNET"
    _, path = write_apk(tmp_path, "io.example.settings", version_code=191, version_name="8.0.9",
                        permissions=[normal, runtime])
    adb_server.run("install", path, serial=phone.serial)
    dump = shell(adb_server, phone, "dumpsys package io.example.settings")
    # appium-adb: installed = a `Package [name] (hash):` line; then versionCode= / versionName=
    assert re.search(r"^\s*Package\s+\[io.example.settings\][^:]+:$", dump, re.MULTILINE)
    assert re.search(r"versionCode=(\d+)", dump).group(1) == "191"
    assert re.search(r"versionName=([\d+.]+)", dump).group(1) == "8.0.9"
    assert f"    install permissions:\n      {normal}: granted=true\n" in dump
    assert f"        {runtime}: granted=false, " in dump
    assert shell(adb_server, phone, f"pm grant io.example.settings {runtime}") == ""
    assert f"        {runtime}: granted=true, " in shell(adb_server, phone, "dumpsys package io.example.settings")
    shell(adb_server, phone, f"pm revoke io.example.settings {runtime}")
    assert f"        {runtime}: granted=false, " in shell(adb_server, phone, "pm dump io.example.settings")
    refused = adb_server.run("shell", f"pm grant io.example.settings {normal}", serial=phone.serial, check=False)
    assert refused.returncode == 255
    assert b"is not a changeable permission type" in refused.stderr
    assert shell(adb_server, phone, "dumpsys package com.example.never.installed") == ""


def test_pm_list_packages_formats_and_filters(adb_server, phone, tmp_path):
    _, path = write_apk(tmp_path, "com.example.listed", version_code=9)
    adb_server.run("install", path, serial=phone.serial)
    apk_path = shell(adb_server, phone, "pm path com.example.listed").strip().removeprefix("package:")
    assert shell(adb_server, phone, "pm list packages -f listed") == f"package:{apk_path}=com.example.listed\n"
    uid_line = shell(adb_server, phone, "pm list packages -U --show-versioncode listed")
    assert re.fullmatch(r"package:com\.example\.listed versionCode:9 uid:1\d{4}\n", uid_line)
    system = shell(adb_server, phone, "pm list packages -s").splitlines()
    third = shell(adb_server, phone, "pm list packages -3").splitlines()
    for name in ("android", "com.android.shell", "com.android.settings", "com.android.systemui",
                 "com.android.providers.media.module", "com.google.android.apps.nexuslauncher"):
        assert f"package:{name}" in system
    assert "package:com.example.listed" in third and "package:com.example.listed" not in system
    assert not set(system) & set(third)
    assert shell(adb_server, phone, "pm disable-user com.example.listed") == \
        "Package com.example.listed new state: disabled-user\n"
    assert "package:com.example.listed" in shell(adb_server, phone, "pm list packages -d").splitlines()
    assert "package:com.example.listed" not in shell(adb_server, phone, "pm list packages -e").splitlines()
    shell(adb_server, phone, "pm enable com.example.listed")
    assert "package:com.example.listed" in shell(adb_server, phone, "pm list packages -e").splitlines()


def test_pm_list_instrumentation_and_resolve_activity(adb_server, phone, tmp_path):
    _, app = write_apk(tmp_path, "io.example.server", version_code=278, activities=[".MainActivity"])
    _, tests = write_apk(tmp_path, "io.example.server.test", activities=[],
                         instrumentation=Instrumentation("androidx.test.runner.AndroidJUnitRunner",
                                                         "io.example.server"))
    adb_server.run("install", app, serial=phone.serial)
    adb_server.run("install", tests, serial=phone.serial)
    assert ("instrumentation:io.example.server.test/androidx.test.runner.AndroidJUnitRunner "
            "(target=io.example.server)") in shell(adb_server, phone, "pm list instrumentation").splitlines()
    lines = shell(adb_server, phone, "cmd package resolve-activity --brief io.example.server").splitlines()
    assert lines[-1] == "io.example.server/.MainActivity"
    assert shell(adb_server, phone, "cmd package resolve-activity --brief io.example.server.test") == \
        "No activity found\n"


def test_install_sessions_and_adb_install_multiple(adb_server, phone, tmp_path):
    data, _ = write_apk(tmp_path, "com.example.session", version_code=12)
    created = shell(adb_server, phone, f"pm install-create -S {len(data)}")
    session = re.fullmatch(r"Success: created install session \[(\d+)\]\n", created).group(1)
    assert shell(adb_server, phone, f"pm install-write -S {len(data)} {session} base.apk -", input=data) == \
        f"Success: streamed {len(data)} bytes\n"
    assert shell(adb_server, phone, f"pm install-commit {session}") == "Success\n"
    assert "package:com.example.session versionCode:12" in shell(
        adb_server, phone, "pm list packages --show-versioncode session")
    abandoned = re.search(r"\[(\d+)\]", shell(adb_server, phone, "pm install-create")).group(1)
    assert shell(adb_server, phone, f"pm install-abandon {abandoned}") == "Success\n"
    # adb install-multiple drives the same verbs through abb_exec; the split lands next to base.apk
    split = tmp_path / "config.xxhdpi.apk"
    split.write_bytes(build_apk("com.example.multiple", 2, split="config.xxhdpi"))
    _, multi = write_apk(tmp_path, "com.example.multiple", version_code=2)
    assert "Success" in adb_server.run("install-multiple", multi, str(split), serial=phone.serial).stdout.decode()
    paths = shell(adb_server, phone, "pm path com.example.multiple").splitlines()
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["base.apk", "split_config.xxhdpi.apk"]
    assert "    splits=[base, config.xxhdpi]\n" in shell(adb_server, phone, "dumpsys package com.example.multiple")
    other = tmp_path / "other.apk"
    other.write_bytes(build_apk("com.example.other", 1, split="config.en"))
    refused = adb_server.run("install-multiple", multi, str(other), serial=phone.serial, check=False)
    assert refused.returncode != 0
    assert "INSTALL_FAILED_INVALID_APK: Inconsistent package com.example.other" in (
        refused.stdout + refused.stderr).decode()


def test_pm_clear_empties_app_data_and_revokes_runtime_permissions(adb_server, phone, tmp_path):
    perm = "android.permission.READ_MEDIA_VIDEO"
    _, path = write_apk(tmp_path, "com.example.clear", permissions=[perm])
    adb_server.run("install", "-g", path, serial=phone.serial)
    shell(adb_server, phone, "mkdir -p /data/data/com.example.clear/files; "
                             "echo token > /data/data/com.example.clear/files/login")
    assert shell(adb_server, phone, "pm clear com.example.clear") == "Success\n"
    assert not phone.storage.exists("/data/data/com.example.clear/files/login")
    assert phone.storage.exists("/data/data/com.example.clear/cache")
    assert f"        {perm}: granted=false, " in shell(adb_server, phone, "dumpsys package com.example.clear")
    failed = adb_server.run("shell", "pm clear com.example.none", serial=phone.serial, check=False)
    assert failed.stderr == b"Failed\n" and failed.returncode == 1


def test_preinstalled_apks_can_be_pulled_and_parsed(adb_server, phone, tmp_path):
    apk_path = shell(adb_server, phone, "pm path com.android.settings").strip().removeprefix("package:")
    assert apk_path == "/system_ext/priv-app/Settings/Settings.apk"
    adb_server.run("pull", apk_path, str(tmp_path / "settings.apk"), serial=phone.serial)
    info = read_apk((tmp_path / "settings.apk").read_bytes())
    assert info.package == "com.android.settings"
    assert info.launcher_activity == "com.android.settings.Settings"


def test_installed_packages_survive_reboot(adb_server, virtual_phone, tmp_path):
    _, path = write_apk(tmp_path, "com.example.persist", version_code=21)
    adb_server.run("install", path, serial=virtual_phone.serial)
    adb_server.run("reboot", serial=virtual_phone.serial)
    adb_server.run("wait-for-device", serial=virtual_phone.serial, timeout=30)
    adb_server.run("shell", "while [ \"$(getprop sys.boot_completed)\" != 1 ]; do sleep 0.1; done",
                   serial=virtual_phone.serial, timeout=30)
    assert virtual_phone.boot_count == 2
    out = shell(adb_server, virtual_phone, "pm list packages --show-versioncode persist")
    assert out == "package:com.example.persist versionCode:21\n"


def test_adb_reboot_returns_only_once_the_phone_has_gone_down(adb_server, virtual_phone):
    """adbd's reboot service never answers: `adb reboot` ends when the transport drops, so a script's
    next `adb wait-for-device` cannot reach the phone that is shutting down."""
    boots_before = virtual_phone.boot_count
    adb_server.run("reboot", serial=virtual_phone.serial, timeout=30)
    assert not virtual_phone.booted.is_set() or virtual_phone.boot_count == boots_before + 1
    adb_server.run("wait-for-device", serial=virtual_phone.serial, timeout=30)
    adb_server.run("shell", "while [ \"$(getprop sys.boot_completed)\" != 1 ]; do sleep 0.1; done",
                   serial=virtual_phone.serial, timeout=30)
    assert virtual_phone.boot_count == boots_before + 1


def test_install_on_a_full_phone_fails_with_insufficient_storage(adb_server, tmp_path):
    small = start_phone(PhoneConfig(data_dir=tmp_path / "small", storage_bytes=6 * 1024**2))
    try:
        adb_server.wait_for(small.serial)
        big = tmp_path / "big.apk"
        big.write_bytes(build_apk("com.example.big", payload_bytes=8 * 1024**2))
        proc = adb_server.run("install", str(big), serial=small.serial, check=False)
        assert proc.returncode != 0
        assert "Failure [INSTALL_FAILED_INSUFFICIENT_STORAGE]" in (proc.stdout + proc.stderr).decode()
        assert shell(adb_server, small, "pm list packages com.example.big") == ""
        assert shell(adb_server, small, "ls /data/app") == ""  # nothing half-written is left behind
    finally:
        small.close()


def test_debloat_style_uninstall_for_user_and_install_existing(adb_server, phone):
    name = "com.android.camera2"
    assert shell(adb_server, phone, f"pm uninstall {name}") == "Failure [DELETE_FAILED_INTERNAL_ERROR]\n"
    assert shell(adb_server, phone, f"pm uninstall -k --user 0 {name}") == "Success\n"
    assert f"package:{name}" not in shell(adb_server, phone, "pm list packages").splitlines()
    assert f"package:{name}" in shell(adb_server, phone, "pm list packages -u").splitlines()
    assert shell(adb_server, phone, f"pm path {name}") == ""
    assert shell(adb_server, phone, f"cmd package install-existing {name}") == \
        f"Package {name} installed for user: 0\n"
    assert shell(adb_server, phone, f"pm path {name}") == "package:/system/app/Camera2/Camera2.apk\n"


APPIUM_APKS = tools_dir() / "node_modules" / "appium-uiautomator2-driver" / "node_modules"


@pytest.mark.skipif(not (APPIUM_APKS / "io.appium.settings").is_dir(),
                    reason="Appium's UiAutomator2 driver is not installed (phonebackup tools install)")
def test_real_appium_apks_install_and_read_as_appium_expects(adb_server, phone):
    """The APKs an Appium session pushes: what it then reads back must match appium-uia2.md."""
    settings = APPIUM_APKS / "io.appium.settings" / "apks" / "settings_apk-debug.apk"
    server_dir = APPIUM_APKS / "appium-uiautomator2-server" / "apks"
    for apk in (settings, server_dir / "appium-uiautomator2-server-v10.6.6.apk",
                server_dir / "appium-uiautomator2-server-debug-androidTest.apk"):
        assert "Success" in adb_server.run("install", "-r", "-g", str(apk), serial=phone.serial).stdout.decode()
    dump = shell(adb_server, phone, "dumpsys package io.appium.settings")
    assert re.search(r"^\s*Package\s+\[io.appium.settings\][^:]+:$", dump, re.MULTILINE)
    assert re.search(r"versionCode=(\d+)", dump).group(1) == "191"
    assert re.search(r"versionName=([\d+.]+)", dump).group(1) == "8.0.9"
    listed = shell(adb_server, phone, "cmd package list packages --show-versioncode").splitlines()
    assert "package:io.appium.uiautomator2.server versionCode:278" in listed
    assert "package:io.appium.uiautomator2.server.test versionCode:0" in listed
    assert ("instrumentation:io.appium.uiautomator2.server.test/androidx.test.runner.AndroidJUnitRunner "
            "(target=io.appium.uiautomator2.server)") in shell(adb_server, phone, "pm list instrumentation")
