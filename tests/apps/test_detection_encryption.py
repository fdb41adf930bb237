"""Proof that the encrypted round trip catches what it is for, beside the detection matrix: the
reference tool's encrypted backups pass all three checks, and each deliberately broken variant is
caught by the right check, on exactly the items it harmed. Real adb, virtual phone, tool process."""

from __future__ import annotations

import json
from pathlib import Path

import adbutils

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.apps.command import CommandApp
from pytest_phonebackup.encrypted import NO_PLAINTEXT, WRONG_PASSWORD, EncryptedRoundTrip
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.reference.encryption import ENCRYPTION_FAULTS
from pytest_phonebackup.roundtrip import RoundTripResult
from pytest_phonebackup.virtual import PhoneConfig
from pytest_phonebackup.virtual.cli import start_phone

# What each defect must be caught as: the verdict on its items, or the check that fails.
EXPECTED = {"obfuscate": "plaintext-in-backup", "ignore-password": WRONG_PASSWORD}


# Three camera photos and a one-pixel PNG (325 bytes with its metadata), and a text file of 6 bytes.
SMALL_AND_LARGE = """\
profile: small-and-large
units: decimal
defaults: {taken: 2024-05-01T10:00:00+02:00, every: 1h, size: 640x480}
items:
  - {id: camera, count: 3, path: "DCIM/Camera/IMG_{n:04d}.jpg"}
  - {id: one-pixel, path: Pictures/one_pixel.png, format: png, size: 1x1}
  - {id: notes, path: Download/notes.txt, format: text}
"""


def encrypted_round_trip(adb_server, base: Path, fault: str | None, profile: str = "smoke",
                         restore: str | None = None, refusal: str | None = None) -> tuple[RoundTripResult, list[str]]:
    """The encrypted round trip of adb-mirror-encrypted (with `fault` on backup and restore, or another
    `restore` line) on a new phone with the `profile` gallery: its result, and the paths the fault
    logged as harmed."""
    app = load_app("adb-mirror-encrypted")
    assert isinstance(app, CommandApp)
    log = base / "damaged.json"
    broken = f" --fault {fault} --fault-log {log}" if fault else ""
    variant = CommandApp(app.name, app.policy, app.commands["backup"] + broken,
                         restore or app.commands["restore"] + broken, password=app.password, source=app.source,
                         refusal=refusal)
    vp = start_phone(PhoneConfig(data_dir=base / "phone", storage_bytes=2 * 1024**3))
    try:
        adb_server.wait_for(vp.serial)
        phone = Phone(vp.serial, adbutils.AdbClient(port=adb_server.port), kind="virtual")
        result = EncryptedRoundTrip(phone, variant, profile=profile, seed=3, workdir=base / "work").run()
    finally:
        vp.close()
    return result, json.loads(log.read_text())["damaged"] if fault else []


def checks(result: RoundTripResult) -> dict[str, bool]:
    return {c.name: c.ok for c in result.checks}


def test_every_encryption_defect_has_an_expected_finding():
    assert set(EXPECTED) == set(ENCRYPTION_FAULTS)


def test_an_encrypted_backup_folder_is_not_inspectable_while_the_same_folder_unencrypted_is(tmp_path: Path):
    folder = tmp_path / "backup" / "files" / "DCIM"
    folder.mkdir(parents=True)
    (folder / "a.jpg").write_bytes(b"seeded bytes")
    plain, encrypted = load_app("adb-mirror"), load_app("adb-mirror-encrypted")
    assert isinstance(plain, CommandApp) and isinstance(encrypted, CommandApp)
    plain.backup_dir = encrypted.backup_dir = tmp_path / "backup"
    assert plain.backup_inventory().inspectable and plain.backup_inventory().files == 1
    inventory = encrypted.backup_inventory()
    assert not inventory.inspectable and "encrypted" in inventory.source


def test_the_encrypting_reference_tool_passes_every_check(adb_server, tmp_path: Path):
    result, _ = encrypted_round_trip(adb_server, tmp_path, None)
    assert checks(result) == {NO_PLAINTEXT: True, WRONG_PASSWORD: True}
    assert result.report.counts == {"intact": 20}, result.report.summary()
    wrong = next(c for c in result.checks if c.name == WRONG_PASSWORD)
    assert wrong.message == "refused, and nothing on the phone changed"
    assert "the password does not open the encrypted backup" in wrong.details["output"]
    assert [t.name for t in result.timings][2:7] == [
        "back up with adb-mirror-encrypted", "look for plaintext in the backup", "wipe the seeded items",
        "restore with a wrong password", "restore with adb-mirror-encrypted"]


def test_an_obfuscating_tool_is_caught_as_plaintext_in_backup_on_every_item_it_left_readable(adb_server, tmp_path):
    profile = tmp_path / "small-and-large.yaml"
    profile.write_text(SMALL_AND_LARGE)
    result, damaged = encrypted_round_trip(adb_server, tmp_path, "obfuscate", str(profile))
    assert checks(result)[NO_PLAINTEXT] is False
    judged = {v.path: v.verdict for v in result.report.verdicts}
    readable = ["DCIM/Camera/IMG_0001.jpg", "DCIM/Camera/IMG_0002.jpg", "DCIM/Camera/IMG_0003.jpg",
                "Pictures/one_pixel.png"]
    # the 6-byte text file is scrambled whole: nothing of it is readable, and it comes back intact
    assert judged == {**dict.fromkeys(readable, "plaintext-in-backup"), "Download/notes.txt": "intact"}
    assert {v.path for v in result.report.failures} == set(readable) == set(damaged) & set(judged)
    assert {v.stage for v in result.report.failures} == {"not-inspectable"}  # encrypted: no hashes to read
    first = result.report.failures[0]
    assert first.details["restored_as"] == "intact"
    assert "bytes from offset" in first.reason and "readable, in blobs/" in first.reason


def test_a_tool_that_ignores_the_password_fails_the_wrong_password_check(adb_server, tmp_path):
    result, damaged = encrypted_round_trip(adb_server, tmp_path, "ignore-password")
    assert checks(result) == {NO_PLAINTEXT: True, WRONG_PASSWORD: False}
    assert result.report.counts == {"intact": 20}
    wrong = next(c for c in result.checks if c.name == WRONG_PASSWORD)
    seeded = {item.path for item in result.manifest.items}
    assert set(wrong.details["changed"]) == seeded and seeded <= set(damaged)
    assert wrong.message.startswith("adb-mirror-encrypted given a wrong password: the restore succeeded "
                                    "(exit status 0); it changed 20 file(s) on the phone: ")


# Exits 0 whatever happens, saying on its output when the password was wrong.
ALWAYS_ZERO = ("sh -c '\"$@\" || echo refused' sh {python} -m pytest_phonebackup.reference.mirror restore "
               "--serial {serial} --src {backup_dir} --password {password}")


def test_a_tool_that_exits_0_refuses_a_wrong_password_by_the_refusal_it_prints(adb_server, tmp_path):
    result, _ = encrypted_round_trip(adb_server, tmp_path, None, restore=ALWAYS_ZERO,
                                     refusal="does not open the encrypted backup")
    assert checks(result) == {NO_PLAINTEXT: True, WRONG_PASSWORD: True}
    assert result.report.counts == {"intact": 20}


def test_a_tool_that_exits_0_without_a_refusal_to_read_has_not_refused(adb_server, tmp_path):
    result, _ = encrypted_round_trip(adb_server, tmp_path, None, restore=ALWAYS_ZERO)
    wrong = next(c for c in result.checks if c.name == WRONG_PASSWORD)
    assert not wrong.ok and wrong.details["changed"] == []
    assert wrong.message == "adb-mirror-encrypted given a wrong password: the restore succeeded (exit status 0)"
