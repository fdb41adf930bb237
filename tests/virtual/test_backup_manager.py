"""`bmgr` and `bu` on the virtual phone, as the shell user meets them on an Android 14 emulator:
backup starts disabled, LocalTransport is the transport, and a `backupnow` then `pm clear` then
`restore` round trip brings an app's files back. Expected texts are those of AOSP's
frameworks/base/cmds/bmgr/src/com/android/commands/bmgr/Bmgr.java and cmds/bu/.../Backup.java;
bmgr and bu exit 0 even when they report an error (their main() catches everything).
"""

from __future__ import annotations

import subprocess

import pytest

from pytest_phonebackup.virtual import PhoneConfig
from pytest_phonebackup.virtual.apk import build_apk

NOTES = "com.example.notes"


@pytest.fixture(scope="module")
def shared_phone_config(tmp_path_factory) -> PhoneConfig:
    return PhoneConfig(data_dir=tmp_path_factory.mktemp("backup-phone"))  # this module changes backup state


def sh(adb_server, phone, command: str) -> subprocess.CompletedProcess:
    return adb_server.run("shell", command, serial=phone.serial, check=False)


def out(adb_server, phone, command: str) -> str:
    return sh(adb_server, phone, command).stdout.decode()


@pytest.fixture(scope="module")
def notes_app(adb_server, phone, tmp_path_factory) -> str:
    apk = tmp_path_factory.mktemp("apk") / "notes.apk"
    apk.write_bytes(build_apk(NOTES, 3, "3.0", debuggable=True))
    adb_server.run("install", str(apk), serial=phone.serial)
    sh(adb_server, phone, f"run-as {NOTES} sh -c 'mkdir -p files databases cache; echo first note > files/a.txt;"
                          f" echo db > databases/notes.db; echo temp > cache/tmp'")
    return NOTES


def test_backup_starts_disabled_with_the_local_transport(adb_server, phone):
    assert out(adb_server, phone, "bmgr activated; bmgr enabled") == (
        "Backup Manager currently activated\nBackup Manager currently disabled\n")
    assert out(adb_server, phone, "bmgr list transports") == "  * com.android.localtransport/.LocalTransport\n"
    assert out(adb_server, phone, "bmgr list transports -c") == "com.android.localtransport/.LocalTransport\n"
    assert out(adb_server, phone, "settings get secure backup_transport") == (
        "com.android.localtransport/.LocalTransport\n")
    # the transport is an installed package, as on the emulator image
    assert out(adb_server, phone, "pm list packages com.android.localtransport") == (
        "package:com.android.localtransport\n")


def test_dumpsys_backup_agrees_with_bmgr(adb_server, phone):
    sh(adb_server, phone, "bmgr enable false")
    lines = out(adb_server, phone, "dumpsys backup").splitlines()
    assert lines[0] == "Backup Manager is disabled / setup complete / not pending init"
    assert lines[1] == "Auto-restore is enabled"
    assert lines[lines.index("Available transports:") + 1] == "  * com.android.localtransport/.LocalTransport"
    sh(adb_server, phone, "bmgr enable true")
    assert out(adb_server, phone, "dumpsys backup").startswith("Backup Manager is enabled / ")
    sh(adb_server, phone, "bmgr enable false")


def test_backupnow_is_refused_while_backup_is_disabled(adb_server, phone):
    sh(adb_server, phone, "bmgr enable false")
    got = sh(adb_server, phone, "bmgr backupnow --all")
    assert (got.returncode, got.stdout, got.stderr) == (
        0, b"Running incremental backup for all packages.\nBackup finished with result: Backup is not allowed\n",
        b"Unable to run backup\n")


def test_backupnow_and_restore_bring_an_apps_files_back(adb_server, phone, notes_app):
    assert out(adb_server, phone, "bmgr enable true") == "Backup Manager now enabled\n"
    got = out(adb_server, phone, f"bmgr backupnow {notes_app} com.example.absent")
    lines = got.splitlines()
    assert lines[0] == "Running incremental backup for 2 requested packages."
    assert "Package com.example.absent with result: Package not found" in lines
    assert "Package @pm@ with result: Success" in lines
    assert f"Package {notes_app} with result: Success" in lines
    assert any(line.startswith(f"Package {notes_app} with progress: ") for line in lines)
    assert lines[-1] == "Backup finished with result: Success"

    sh(adb_server, phone, f"pm clear {notes_app}")
    assert sh(adb_server, phone, f"run-as {notes_app} cat files/a.txt").returncode != 0
    assert out(adb_server, phone, "bmgr list sets") == "  1 : Local disk image\n"
    assert out(adb_server, phone, f"bmgr restore 1 {notes_app}") == (
        f"Scheduling restore: Local disk image\nrestoreStarting: 1 packages\nonUpdate: 1 = {notes_app}\n"
        "restoreFinished: 0\ndone\n")
    assert out(adb_server, phone, f"run-as {notes_app} cat files/a.txt databases/notes.db") == "first note\ndb\n"
    # the cache folder is never part of a backup
    assert out(adb_server, phone, f"run-as {notes_app} ls cache") == ""


def test_backupnow_all_takes_third_party_apps_and_the_settings_provider(adb_server, phone, notes_app):
    sh(adb_server, phone, "bmgr enable true")
    lines = out(adb_server, phone, "bmgr backupnow --all").splitlines()
    results = [line for line in lines if " with result: " in line]
    assert "Package com.android.providers.settings with result: Success" in results
    assert f"Package {notes_app} with result: Success" in results
    assert not any("com.android.systemui" in line for line in lines)


def test_restore_names_its_errors(adb_server, phone):
    assert out(adb_server, phone, "bmgr restore 7") == (
        "No matching restore set token.  Available sets:\n  1 : Local disk image\ndone\n")
    got = sh(adb_server, phone, "bmgr restore com.example.notes")
    assert got.stderr == (b"The syntax 'restore <package>' is no longer supported, please use \n"
                          b"'restore <token> <package>'.\n")


def test_transport_selection_and_backupnow_arguments(adb_server, phone):
    assert out(adb_server, phone, "bmgr transport com.example.nothing") == (
        "Unknown transport 'com.example.nothing' specified; no changes made.\n")
    assert out(adb_server, phone, "bmgr transport com.android.localtransport/.LocalTransport") == (
        "Selected transport com.android.localtransport/.LocalTransport "
        "(formerly com.android.localtransport/.LocalTransport)\n")
    assert sh(adb_server, phone, "bmgr backupnow").stderr == b"Provide '--all' flag or list of packages.\n"
    assert sh(adb_server, phone, "bmgr backupnow --all com.example.notes").stderr == (
        b"Provide only '--all' flag or list of packages.\n")


def test_bmgr_without_arguments_prints_its_usage_and_an_unknown_one_says_so(adb_server, phone):
    got = sh(adb_server, phone, "bmgr; echo $?")
    assert got.stdout == b"0\n"
    assert got.stderr.startswith(b"usage: bmgr [--user <userId>] [backup|restore|list|transport|run]\n")
    assert sh(adb_server, phone, "bmgr frobnicate").stderr.startswith(b"Unknown command\nusage: bmgr")
    assert sh(adb_server, phone, "bmgr --user 10 enabled").stderr == (
        b"Error: Backup Manager is not activated for user 10\n")


def test_bu_prints_its_usage_and_refuses_a_backup_of_nothing(adb_server, phone):
    got = sh(adb_server, phone, "bu; echo $?")
    assert got.stdout == b"0\n"
    assert got.stderr.startswith(b"WARNING: bu is deprecated and may be removed in a future release\n\n"
                                 b"Usage: bu <command> [options]\n")
    assert sh(adb_server, phone, "bu backup").stderr == (
        b"Error: no backup packages supplied and neither -shared nor -all given\n")
    assert sh(adb_server, phone, "bu backup -bogus").stderr == (
        b"Error: Unknown backup flag -bogus\n"
        b"Error: no backup packages supplied and neither -shared nor -all given\n")


def test_seedvaults_transport_appears_with_its_package(adb_server, phone, tmp_path, notes_app):
    seedvault = "com.stevesoltys.seedvault.transport.ConfigurableBackupTransport"
    apk = tmp_path / "seedvault.apk"
    apk.write_bytes(build_apk("com.stevesoltys.seedvault", 34))
    adb_server.run("install", str(apk), serial=phone.serial)
    try:
        assert out(adb_server, phone, "bmgr list transports") == (
            "  * com.android.localtransport/.LocalTransport\n" f"    {seedvault}\n")
        assert out(adb_server, phone, f"bmgr transport {seedvault}") == (
            f"Selected transport {seedvault} (formerly com.android.localtransport/.LocalTransport)\n")
        assert out(adb_server, phone, "settings get secure backup_transport") == seedvault + "\n"
        sh(adb_server, phone, "bmgr enable true")
        # Seedvault takes backups only once its app has been given a storage location
        assert out(adb_server, phone, f"bmgr backupnow {notes_app}").splitlines()[-1] == (
            "Backup finished with result: Transport error")
        assert out(adb_server, phone, "bmgr list sets") == "No restore sets\n"
    finally:
        sh(adb_server, phone, "bmgr transport com.android.localtransport/.LocalTransport")
        adb_server.run("uninstall", "com.stevesoltys.seedvault", serial=phone.serial)
    assert out(adb_server, phone, "bmgr list transports") == "  * com.android.localtransport/.LocalTransport\n"


def test_adb_backup_runs_bu_on_the_phone(adb_server, phone, tmp_path):
    # adbd's backup: service runs `bu backup ARGS` raw: what bu says lands in the host's file
    target = tmp_path / "nothing.ab"
    adb_server.run("backup", "-f", str(target), "-nosystem", serial=phone.serial, check=False, timeout=15)
    assert target.read_bytes() == b"Error: no backup packages supplied and neither -shared nor -all given\n"
