"""Verification of a gallery larger than one hash batch, spread over many folders, on the virtual phone
through the real adb: hashing starts while the listing still arrives, and every file still gets the
verdict it would get one call at a time: losses, damage, moves, extras and the phone's own files."""

from __future__ import annotations

import hashlib

import adbutils
import pytest

from pytest_phonebackup.manifest import Manifest, MediaItem
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.policy import Policy
from pytest_phonebackup.verification import verify

FOLDERS, PER_FOLDER = 45, 60  # 2,700 items: three hash batches, more folders than listings asked ahead
MTIME = 1_700_000_000


@pytest.fixture
def phone(virtual_phone, adb_server) -> Phone:
    phone = Phone(virtual_phone.serial, adbutils.AdbClient(port=adb_server.port), "virtual")
    yield phone
    phone.close()


def _content(folder: int, index: int) -> bytes:
    return f"photo {folder}/{index} ".encode() * (1 + index % 7)


def test_a_gallery_of_several_hash_batches_gets_each_verdict(phone, virtual_phone, tmp_path):
    storage = virtual_phone.storage
    items = []
    for folder in range(FOLDERS):
        for index in range(PER_FOLDER):
            data = _content(folder, index)
            path = f"DCIM/F{folder:02d}/IMG_{index:03d}.jpg"
            items.append(MediaItem(path=path, kind="photo", mime="image/jpeg", size=len(data),
                                   sha256=hashlib.sha256(data).hexdigest(), mtime=MTIME, format="jpeg", id=path))
            storage.write_bytes(f"/sdcard/{path}", data, make_parents=True)
            storage.utime(f"/sdcard/{path}", MTIME)
    manifest = Manifest(profile="wide", seed=1, items=items, preexisting=["Pictures/mine.jpg"])
    storage.unlink("/sdcard/DCIM/F00/IMG_000.jpg")  # lost
    storage.unlink("/sdcard/DCIM/F44/IMG_059.jpg")  # lost, in the last folder listed
    damaged = _content(20, 5)
    storage.write_bytes("/sdcard/DCIM/F20/IMG_005.jpg", bytes([damaged[0] ^ 1]) + damaged[1:])  # same size
    storage.utime("/sdcard/DCIM/F20/IMG_005.jpg", MTIME)
    storage.rename("/sdcard/DCIM/F30/IMG_010.jpg", "/sdcard/DCIM/F31/moved.jpg")
    storage.write_bytes("/sdcard/Download/extra.bin", b"never seeded", make_parents=True)
    storage.write_bytes("/sdcard/Pictures/mine.jpg", _content(1, 1), make_parents=True)  # the phone's own
    lines: list[str] = []
    report = verify(manifest, phone, Policy.from_dict({}), workdir=tmp_path / "verify",
                    progress=lines.append)
    by_path = {v.path: v for v in report.verdicts}
    assert report.counts == {"intact": 2696, "moved": 1, "extra": 1, "corrupted": 1, "missing": 2}
    assert by_path["DCIM/F30/IMG_010.jpg"].found == "DCIM/F31/moved.jpg"
    assert by_path["DCIM/F20/IMG_005.jpg"].verdict == "corrupted"
    assert by_path["DCIM/F00/IMG_000.jpg"].verdict == by_path["DCIM/F44/IMG_059.jpg"].verdict == "missing"
    assert by_path["Download/extra.bin"].verdict == "extra"
    assert "Pictures/mine.jpg" not in by_path
    assert [line for line in lines if line.startswith("hashed")] == [
        "hashed 1000/2699 files on the phone", "hashed 2000/2699 files on the phone",
        "hashed 2699/2699 files on the phone"]
    assert report.phone_calls == 4 + report.pulled  # one listing, three hash batches, the pulls
