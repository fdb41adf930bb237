"""The reference tool itself, run as users run it (its own process, the real adb): what it keeps."""

from __future__ import annotations

import json
import subprocess
import sys

ODD_NAME = b"/sdcard/DCIM/Camera/IMG_\xff\xfe.jpg".decode("utf-8", "surrogateescape")


def mirror(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest_phonebackup.reference.mirror", *args],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_a_name_that_is_not_utf8_is_backed_up_and_restored_with_its_exact_bytes(virtual_phone, tmp_path):
    virtual_phone.storage.write_bytes(ODD_NAME, b"a photo with an odd name", make_parents=True)
    backup = mirror("backup", "--serial", virtual_phone.serial, "--dest", str(tmp_path / "backup"))
    assert backup.returncode == 0, backup.stderr
    index = json.loads((tmp_path / "backup" / "index.json").read_bytes().decode("ascii"))
    assert len(index) > 0
    assert not list((tmp_path / "backup").glob("*.partial"))

    virtual_phone.storage.unlink(ODD_NAME)
    restore = mirror("restore", "--serial", virtual_phone.serial, "--src", str(tmp_path / "backup"))
    assert restore.returncode == 0, restore.stderr
    with virtual_phone.storage.open_read(ODD_NAME) as restored:
        assert restored.read() == b"a photo with an odd name"
