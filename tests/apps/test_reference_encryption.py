"""adb-mirror's encrypted backups, run as users run them (its own process, the real adb): what the
backup folder holds, and what a restore does with the right and a wrong password."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

PHOTO = "/sdcard/DCIM/Camera/IMG_secret.jpg"
CONTENT = b"\xff\xd8\xff\xe0" + random.Random(5).randbytes(20_000)  # no stretch of it repeats


def mirror(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest_phonebackup.reference.mirror", *args],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_an_encrypted_backup_restores_with_its_password_and_refuses_another(virtual_phone, tmp_path):
    virtual_phone.storage.write_bytes(PHOTO, CONTENT, make_parents=True)
    dest = tmp_path / "backup"
    done = mirror("backup", "--serial", virtual_phone.serial, "--dest", str(dest), "--password", "s3cret")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["blobs", "encryption.json", "index.enc"]
    held = every_byte(dest)
    assert CONTENT[:200] not in held and b"IMG_secret" not in held
    assert json.loads((dest / "encryption.json").read_text())["scheme"] == "aes-256-gcm+scrypt/1"

    virtual_phone.storage.unlink(PHOTO)
    wrong = mirror("restore", "--serial", virtual_phone.serial, "--src", str(dest), "--password", "guess")
    assert wrong.returncode == 1
    assert "the password does not open the encrypted backup" in wrong.stderr
    assert not virtual_phone.storage.exists(PHOTO)
    none = mirror("restore", "--serial", virtual_phone.serial, "--src", str(dest))
    assert none.returncode == 1 and "is encrypted; pass --password" in none.stderr

    right = mirror("restore", "--serial", virtual_phone.serial, "--src", str(dest), "--password", "s3cret")
    assert right.returncode == 0, right.stderr
    with virtual_phone.storage.open_read(PHOTO) as restored:
        assert restored.read() == CONTENT


def test_the_obfuscating_defect_leaves_the_bytes_readable(virtual_phone, tmp_path):
    virtual_phone.storage.write_bytes(PHOTO, CONTENT, make_parents=True)
    dest = tmp_path / "backup"
    done = mirror("backup", "--serial", virtual_phone.serial, "--dest", str(dest), "--password", "s3cret",
                  "--fault", "obfuscate", "--fault-log", str(tmp_path / "log.json"))
    assert done.returncode == 0, done.stderr
    held = every_byte(dest)
    assert CONTENT[:64] not in held and CONTENT[64:] in held
    assert "DCIM/Camera/IMG_secret.jpg" in json.loads((tmp_path / "log.json").read_text())["damaged"]
