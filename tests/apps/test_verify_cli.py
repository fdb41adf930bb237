"""`phonebackup verify` outside pytest: exit 0 when verified, 1 on differences, 2 when it could not
run, with rclone-style lines and report.json. Real CLI processes, real adb, a virtual phone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def phonebackup(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


@pytest.fixture
def seeded(virtual_phone, tmp_path):
    done = phonebackup("media", "seed", "--serial", virtual_phone.serial, "--profile", "smoke", "--seed", "4",
                       "--manifest", "manifest.json", "--originals", "originals", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "manifest.json").read_text())


def test_a_gallery_as_seeded_verifies_with_exit_0(virtual_phone, seeded, tmp_path):
    done = phonebackup("verify", "--serial", virtual_phone.serial, "--manifest", "manifest.json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"verified: {len(seeded['items'])} verdicts ({len(seeded['items'])} intact)" in done.stdout
    assert sum(1 for line in done.stdout.splitlines() if line.startswith("= intact")) == len(seeded["items"])
    report = json.loads((tmp_path / "phonebackup-verify" / "report.json").read_text())
    assert report["ok"] is True and report["counts"] == {"intact": len(seeded["items"])}


def test_a_damaged_and_a_lost_item_give_exit_1_and_name_them(virtual_phone, seeded, tmp_path):
    photos = [item for item in seeded["items"] if item["path"].endswith(".jpg")]
    damaged, lost = photos[0]["path"], photos[1]["path"]
    with virtual_phone.storage.open_write(f"/sdcard/{damaged}", append=True) as out:
        out.write(b"\0")
    virtual_phone.storage.unlink(f"/sdcard/{lost}")
    done = phonebackup("verify", "--serial", virtual_phone.serial, "--manifest", "manifest.json", "--originals",
                       "originals", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"- missing             {lost}" in done.stdout
    assert f"* corrupted           {damaged}" in done.stdout
    assert "round trip FAILED" in done.stdout


def test_it_says_why_it_could_not_run_with_exit_2(virtual_phone, tmp_path):
    done = phonebackup("verify", "--serial", virtual_phone.serial, "--manifest", "nope.json", cwd=tmp_path)
    assert done.returncode == 2 and "could not run: cannot read manifest nope.json" in done.stderr
    (tmp_path / "m.json").write_text(json.dumps({"profile": "x", "seed": 1, "items": []}))
    done = phonebackup("verify", "--serial", "emulator-5998", "--manifest", "m.json", "--wait", "2", cwd=tmp_path)
    assert done.returncode == 2 and "emulator-5998" in done.stderr


def test_a_restored_extra_whose_name_is_not_utf8_is_reported_with_its_bytes(virtual_phone, seeded, tmp_path):
    extra = b"/sdcard/DCIM/restored_\x80\n\xe2\x80\xae.jpg".decode("utf-8", "surrogateescape")
    virtual_phone.storage.write_bytes(extra, b"restored by the app")
    done = phonebackup("verify", "--serial", virtual_phone.serial, "--manifest", "manifest.json", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert r"+ extra               DCIM/restored_\x80\n\u202e.jpg  (on the phone after restore" in done.stdout
    assert "Traceback" not in done.stderr
    report = json.loads((tmp_path / "phonebackup-verify" / "report.json").read_bytes().decode("utf-8"))
    extras = [v for v in report["verdicts"] if v["verdict"] == "extra"]
    assert [(v["path"], v["path_bytes"]) for v in extras] == [("DCIM/restored_\\x80\n\u202e.jpg",
                                                               "RENJTS9yZXN0b3JlZF+ACuKAri5qcGc=")]


def test_a_user_file_whose_name_is_not_utf8_is_never_an_extra(virtual_phone, tmp_path):
    user_file = b"/sdcard/DCIM/IMG_\xff\xfe.jpg".decode("utf-8", "surrogateescape")
    virtual_phone.storage.write_bytes(user_file, b"someone's photo", make_parents=True)
    seed = phonebackup("media", "seed", "--serial", virtual_phone.serial, "--profile", "smoke", "--seed", "4",
                       "--manifest", "manifest.json", "--quiet", cwd=tmp_path)
    assert seed.returncode == 0, seed.stderr
    done = phonebackup("verify", "--serial", virtual_phone.serial, "--manifest", "manifest.json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    items = len(json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["items"])
    assert f"verified: {items} verdicts ({items} intact)" in done.stdout and "extra" not in done.stdout


def test_the_name_of_a_restored_item_that_changed_normalization_is_called_out(virtual_phone, tmp_path):
    profile = tmp_path / "accents.yaml"
    profile.write_text('profile: accents\nitems:\n  - {id: cafe, path: "DCIM/Caf\u00e9.jpg", size: 320x240}\n',
                       encoding="utf-8")
    seed = phonebackup("media", "seed", "--serial", virtual_phone.serial, "--profile", str(profile),
                       "--manifest", "manifest.json", "--quiet", cwd=tmp_path)
    assert seed.returncode == 0, seed.stderr
    virtual_phone.storage.rename("/sdcard/DCIM/Caf\u00e9.jpg", "/sdcard/DCIM/Cafe\u0301.jpg")  # as macOS restores it
    done = phonebackup("verify", "--serial", virtual_phone.serial, "--manifest", "manifest.json", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("= renamed             DCIM/Caf\u00e9.jpg -> DCIM/Cafe\u0301.jpg  "
            "(same bytes, name changed Unicode normalization NFC -> NFD: DCIM/Cafe\u0301.jpg)") in done.stdout


@pytest.mark.parametrize("content", ["[]", '{"profile": "x", "seed": 1, "items": "none"}', '{"items": [{"path": 1}]}'])
def test_a_manifest_of_the_wrong_shape_gives_exit_2_and_one_line(virtual_phone, tmp_path, content):
    (tmp_path / "manifest.json").write_text(content)
    done = phonebackup("verify", "--serial", virtual_phone.serial, "--manifest", "manifest.json", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("phonebackup verify: could not run: cannot read manifest manifest.json: ")
    assert "`phonebackup media seed --manifest`" in done.stderr and done.stderr.count("\n") == 1


def test_a_report_that_cannot_be_written_gives_exit_2_and_one_line(virtual_phone, seeded, tmp_path):
    (tmp_path / "out" / "report.json").mkdir(parents=True)  # a folder where report.json should go
    done = phonebackup("verify", "--serial", virtual_phone.serial, "--manifest", "manifest.json", "--out", "out",
                       cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("phonebackup verify: could not run: cannot write out/report.json: ")
    assert "writable folder" in done.stderr and done.stderr.count("\n") == 1


def test_a_copy_restored_under_a_non_utf8_name_is_a_duplicate(virtual_phone, seeded, tmp_path):
    photo = next(item["path"] for item in seeded["items"] if item["path"].endswith(".jpg"))
    with virtual_phone.storage.open_read(f"/sdcard/{photo}") as original:
        data = original.read()
    copy = b"/sdcard/DCIM/copy \xe9.jpg".decode("utf-8", "surrogateescape")  # Latin-1 é, as old tools write it
    virtual_phone.storage.write_bytes(copy, data)
    done = phonebackup("verify", "--serial", virtual_phone.serial, "--manifest", "manifest.json", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"+ duplicated          DCIM/copy \\xe9.jpg  (a second copy of {photo})" in done.stdout
