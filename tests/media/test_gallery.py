"""Seeding onto the virtual phone through the real adb: files land with their bytes and capture
times, MediaStore lists exactly the items that should be indexed, and wiping removes only what was
seeded and is still unchanged."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import adbutils
import pytest

from pytest_phonebackup.errors import PhoneError, SafetyError
from pytest_phonebackup.media import Cache, generate
from pytest_phonebackup.media.gallery import Gallery, collection_of
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.virtual import PhoneConfig

REPO = Path(__file__).resolve().parents[2]
SMALL = textwrap.dedent("""\
    profile: small
    items:
      - {id: cam, count: 3, path: "DCIM/Camera/IMG_{n:04d}.jpg", size: 640x480}
      - {id: clip, path: DCIM/Camera/VID_0001.mp4, size: 320x240, duration: 1}
      - {id: nomedia, path: Pictures/Private/.nomedia, format: empty}
      - {id: private, path: Pictures/Private/secret.jpg, size: 400x300}
      - {id: hidden, path: DCIM/Camera/.pending.jpg, size: 400x300}
    """)


@pytest.fixture
def phone_config(tmp_path: Path) -> PhoneConfig:
    return PhoneConfig(data_dir=tmp_path / "phone", storage_bytes=2 * 1024**3)


@pytest.fixture
def phone(virtual_phone, adb_server) -> Phone:
    phone = Phone(virtual_phone.serial, adbutils.AdbClient(port=adb_server.port), "virtual")
    yield phone
    phone.close()


@pytest.fixture
def small_profile(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def test_seeding_edge_puts_every_item_on_the_phone_and_in_mediastore(phone, virtual_phone, media_cache, tmp_path):
    virtual_phone.storage.write_bytes("/sdcard/DCIM/Camera/user_photo.jpg", b"someone's photo", make_parents=True)
    gallery = Gallery(phone, cache=media_cache, workdir=tmp_path, progress=False)
    manifest = gallery.seed("edge", seed=7)

    assert manifest.serial == phone.serial and manifest.root == "/sdcard"
    assert "DCIM/Camera/user_photo.jpg" in manifest.preexisting
    on_phone = {item.path: item for item in phone.list_tree("/sdcard")}
    hashes = phone.hash_files(manifest.device_path(item) for item in manifest.items)
    for item in manifest.items:
        remote = on_phone[manifest.device_path(item)]
        assert (remote.size, int(remote.mtime)) == (item.size, int(item.mtime)), item.id
        assert hashes[manifest.device_path(item)] == item.sha256, item.id

    rows = gallery.indexed_paths()
    for item in manifest.items:
        if not (item.indexed and collection_of(item.path)):
            assert item.path not in rows, f"{item.id} should not be indexed"
            continue
        row = rows[item.path]
        assert int(row["_size"]) == item.size, item.id
        assert int(row["date_modified"]) == int(item.mtime), item.id
        if item.kind == "photo" and item.size and "damage:truncated" not in item.tags:
            assert (row["width"], row["height"]) == (str(item.width), str(item.height)), item.id
        if item.metadata.get("DateTimeOriginal"):
            taken_ms = int(datetime.fromisoformat(item.taken).timestamp() * 1000)
            assert int(row["datetaken"]) == taken_ms, item.id
    assert not any(path.startswith("Pictures/Private/") for path in rows)
    assert len([p for p in manifest.items if p.indexed and collection_of(p.path)]) >= 40


def test_wipe_removes_only_unchanged_seeded_files_and_their_rows(phone, virtual_phone, small_profile, tmp_path):
    virtual_phone.storage.write_bytes("/sdcard/DCIM/Camera/user_photo.jpg", b"someone's photo", make_parents=True)
    gallery = Gallery(phone, workdir=tmp_path, progress=False)
    manifest = gallery.seed(small_profile, seed=1)
    assert {"DCIM/Camera/IMG_0001.jpg", "DCIM/Camera/VID_0001.mp4"} <= gallery.indexed_paths().keys()
    # After seeding, someone edits one seeded photo: it is theirs now.
    virtual_phone.storage.write_bytes("/sdcard/DCIM/Camera/IMG_0002.jpg", b"edited by the user", make_parents=True)

    fresh = Phone(phone.serial, phone.adb, "virtual")  # another process knows only the manifest
    result = Gallery(fresh, progress=False).wipe(manifest)

    assert result.refused == ["/sdcard/DCIM/Camera/IMG_0002.jpg"] and result.missing == []
    assert len(result.removed) == len(manifest.items) - 1
    left = {item.path for item in phone.list_tree("/sdcard") if not item.is_dir}
    assert "/sdcard/DCIM/Camera/user_photo.jpg" in left and "/sdcard/DCIM/Camera/IMG_0002.jpg" in left
    assert not left & set(result.removed)
    gallery.wait_unindexed(manifest, [p for p in result.removed if collection_of(p)])
    assert "DCIM/Camera/IMG_0002.jpg" in gallery.indexed_paths()


def test_seeding_never_overwrites_a_file_that_was_there_before(phone, virtual_phone, small_profile, tmp_path):
    virtual_phone.storage.write_bytes("/sdcard/DCIM/Camera/IMG_0002.jpg", b"the user's own picture", make_parents=True)
    with pytest.raises(SafetyError, match="IMG_0002.jpg"):
        Gallery(phone, workdir=tmp_path, progress=False).seed(small_profile, seed=1)
    with virtual_phone.storage.open_read("/sdcard/DCIM/Camera/IMG_0002.jpg") as kept:
        assert kept.read() == b"the user's own picture"
    assert not phone.exists("/sdcard/DCIM/Camera/IMG_0001.jpg")


def test_cli_seeds_and_wipes_by_serial(phone, virtual_phone, small_profile, tmp_path):
    manifest_path = tmp_path / "seeded.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    seed = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "media", "seed", "--serial", phone.serial,
                           "--profile", str(small_profile), "--seed", "4", "--manifest", str(manifest_path),
                           "--cache", str(tmp_path / "cache")], capture_output=True, text=True, env=env, timeout=300)
    assert seed.returncode == 0, seed.stderr
    assert "pushing small" in seed.stderr and f"on {phone.serial}" in seed.stdout
    saved = json.loads(manifest_path.read_text())
    assert saved["serial"] == phone.serial and len(saved["items"]) == 7
    assert phone.exists("/sdcard/Pictures/Private/secret.jpg")

    wipe = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "media", "wipe", "--serial", phone.serial,
                           "--manifest", str(manifest_path)], capture_output=True, text=True, env=env, timeout=300)
    assert wipe.returncode == 0, wipe.stderr
    assert "removed 7" in wipe.stdout
    assert not phone.exists("/sdcard/Pictures/Private/secret.jpg")


def test_kept_originals_are_the_files_the_manifest_points_to_and_an_edit_of_one_never_reaches_the_cache(
        phone, small_profile, tmp_path):
    originals, cache = tmp_path / "originals", Cache(tmp_path / "cache")
    manifest = Gallery(phone, cache=cache, progress=False).seed(small_profile, seed=2, keep_originals=originals)
    assert manifest.source_dir == str(originals.resolve())
    for item in manifest.items:
        kept = (originals / item.path).read_bytes()
        assert len(kept) == item.size and hashlib.sha256(kept).hexdigest() == item.sha256, item.id
    biggest = max(manifest.items, key=lambda item: item.size)
    with open(originals / biggest.path, "r+b") as kept:  # edited in place, same size
        kept.seek(biggest.size // 2)
        kept.write(b"EDITED")
    again = generate(small_profile, 2, tmp_path / "again", cache=cache, progress=False)
    for item in again.items:
        made = (tmp_path / "again" / item.path).read_bytes()
        seeded = next(seeded for seeded in manifest.items if seeded.id == item.id)
        assert hashlib.sha256(made).hexdigest() == item.sha256 == seeded.sha256, item.id
    with pytest.raises(ValueError, match="not empty"):
        Gallery(phone, workdir=tmp_path, progress=False).seed(small_profile, seed=3, keep_originals=originals)


def test_an_item_that_did_not_land_is_named_with_a_hint_about_case(phone, virtual_phone, tmp_path):
    twins = tmp_path / "twins.yaml"
    twins.write_text("profile: twins\nitems:\n  - {id: lower, path: Pictures/Case/photo.jpg, size: 300x300}\n"
                     "  - {id: upper, path: Pictures/Case/Photo.jpg, size: 300x300}\n")
    gallery = Gallery(phone, workdir=tmp_path, progress=False)
    manifest = gallery.seed(twins, seed=1)
    gallery.check_landed(manifest)  # both there on a case-sensitive phone
    # What a case-folding phone would show: one of the two files.
    virtual_phone.storage.unlink("/sdcard/Pictures/Case/Photo.jpg")
    with pytest.raises(PhoneError, match=r"Pictures/Case/Photo.jpg.*ignore case"):
        gallery.check_landed(manifest)


def test_cli_seeds_and_wipes_around_a_user_file_whose_name_is_not_utf8(phone, virtual_phone, small_profile, tmp_path):
    user_file = b"/sdcard/DCIM/Camera/IMG_\xff\xfe.jpg".decode("utf-8", "surrogateescape")
    virtual_phone.storage.write_bytes(user_file, b"someone's photo", make_parents=True)
    files_before = {item.path for item in phone.list_tree("/sdcard") if not item.is_dir}
    manifest_path = tmp_path / "seeded.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def phonebackup(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "media", *args], capture_output=True,
                              text=True, env=env, timeout=300)

    seed = phonebackup("seed", "--serial", phone.serial, "--profile", str(small_profile), "--manifest",
                       str(manifest_path), "--cache", str(tmp_path / "cache"), "--quiet")
    assert seed.returncode == 0, seed.stderr
    saved = json.loads(manifest_path.read_bytes().decode("utf-8"))
    at = saved["preexisting"].index("DCIM/Camera/IMG_\\xff\\xfe.jpg")
    assert saved["preexisting_bytes"][at] == "RENJTS9DYW1lcmEvSU1HX//+LmpwZw=="

    again = phonebackup("seed", "--serial", phone.serial, "--profile", str(small_profile), "--manifest",
                        str(tmp_path / "again.json"), "--quiet")
    assert again.returncode == 1 and "would overwrite 7 file(s)" in again.stderr  # refuses; nothing truncated
    assert json.loads(manifest_path.read_text(encoding="utf-8")) == saved

    wipe = phonebackup("wipe", "--serial", phone.serial, "--manifest", str(manifest_path))
    assert wipe.returncode == 0, wipe.stderr
    assert "removed 7, already gone 0, left alone (changed since seeding) 0" in wipe.stdout
    assert {item.path for item in phone.list_tree("/sdcard") if not item.is_dir} == files_before
    with virtual_phone.storage.open_read(user_file) as kept:
        assert kept.read() == b"someone's photo"


def test_a_manifest_seed_cannot_write_is_printed_so_the_gallery_can_still_be_wiped(phone, small_profile, tmp_path):
    (tmp_path / "taken").mkdir()  # a folder where the manifest should go
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    seed = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "media", "seed", "--serial", phone.serial,
                           "--profile", str(small_profile), "--manifest", str(tmp_path / "taken"), "--quiet"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert seed.returncode == 1
    assert seed.stderr.startswith(f"phonebackup media seed: seeded, but cannot write {tmp_path / 'taken'}: ")
    assert "Traceback" not in seed.stderr
    (tmp_path / "printed.json").write_text(seed.stdout, encoding="utf-8")
    wipe = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "media", "wipe", "--serial", phone.serial,
                           "--manifest", str(tmp_path / "printed.json")], capture_output=True, text=True, env=env,
                          timeout=300)
    assert wipe.returncode == 0, wipe.stderr
    assert "removed 7" in wipe.stdout
