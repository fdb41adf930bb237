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
