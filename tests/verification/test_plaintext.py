"""Finding a seeded item readable in a backup folder: by its hash (hex or raw) or by a window of its
bytes anywhere in any file; and nothing found in sealed bytes. Real files on disk, no phone."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from pytest_phonebackup.manifest import Manifest, MediaItem
from pytest_phonebackup.verification import ItemVerdict, Report
from pytest_phonebackup.verification.plaintext import find_plaintext, judge_plaintext


def seeded(originals: Path, files: dict[str, bytes]) -> Manifest:
    items = []
    for path, data in files.items():
        (originals / path).parent.mkdir(parents=True, exist_ok=True)
        (originals / path).write_bytes(data)
        items.append(MediaItem(path=path, kind="photo", mime="", size=len(data),
                               sha256=hashlib.sha256(data).hexdigest(), mtime=0, id=path))
    return Manifest(profile="p", seed=1, items=items, source_dir=str(originals))


def test_an_item_is_found_by_its_hash_or_by_any_window_of_its_bytes(tmp_path: Path):
    rng = random.Random(3)
    photos = {name: rng.randbytes(size) for name, size in
              [("a.jpg", 50_000), ("b.jpg", 9_000), ("c.jpg", 300), ("d.jpg", 20), ("e.jpg", 40_000), ("f.jpg", 70)]}
    manifest = seeded(tmp_path / "originals", photos)
    backup = tmp_path / "backup"
    (backup / "blobs").mkdir(parents=True)
    sha = {name: hashlib.sha256(data).digest() for name, data in photos.items()}
    (backup / "index.json").write_text('{"x": "' + sha["d.jpg"].hex() + '"}')  # a tiny file, by its hash
    (backup / "blobs" / "1").write_bytes(rng.randbytes(100) + photos["a.jpg"][20_000:30_000])  # a slice
    (backup / "blobs" / "2").write_bytes(b"x" + photos["b.jpg"][64:])  # all but its first bytes
    (backup / "blobs" / "3").write_bytes(photos["c.jpg"][150:])  # the second half of a small file
    (backup / "blobs" / "4").write_bytes(sha["e.jpg"] + rng.randbytes(500))  # a raw hash
    (backup / "blobs" / "5").write_bytes(photos["f.jpg"][40:])  # 30 bytes: too few to tell
    found = {f.item: (f.file, f.what) for f in find_plaintext(manifest, backup, tmp_path / "originals")}
    assert found == {
        "a.jpg": ("blobs/1", "4,096 bytes from offset 25,000"),
        "b.jpg": ("blobs/2", "4,096 bytes from offset 2,250"),
        "c.jpg": ("blobs/3", "150 bytes from offset 150"),
        "d.jpg": ("index.json", "its SHA-256 in hex"),
        "e.jpg": ("blobs/4", "its raw SHA-256"),
    }


def test_sealed_bytes_hold_nothing_readable(tmp_path: Path):
    rng = random.Random(4)
    manifest = seeded(tmp_path / "originals", {"a.jpg": rng.randbytes(30_000), "b.png": rng.randbytes(500)})
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "blob").write_bytes(rng.randbytes(40_000))
    (tmp_path / "backup" / "empty").write_bytes(b"")
    assert find_plaintext(manifest, tmp_path / "backup", tmp_path / "originals") == []


def test_an_item_found_readable_is_judged_plaintext_in_backup_whatever_came_back(tmp_path: Path):
    rng = random.Random(5)
    manifest = seeded(tmp_path / "originals", {"a.jpg": rng.randbytes(10_000), "b.jpg": rng.randbytes(10_000)})
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "blob").write_bytes((tmp_path / "originals" / "a.jpg").read_bytes())
    report = Report("p", 1, "s", [ItemVerdict("intact", "a.jpg", True, "same", item_id="a.jpg"),
                                  ItemVerdict("intact", "b.jpg", True, "same", item_id="b.jpg")], policy={})
    judged = judge_plaintext(report, find_plaintext(manifest, tmp_path / "backup", tmp_path / "originals"))
    assert [(v.path, v.verdict.value, v.ok) for v in judged.verdicts] == [
        ("a.jpg", "plaintext-in-backup", False), ("b.jpg", "intact", True)]
    assert judged.verdicts[0].reason == ("the encrypted backup holds 4,096 bytes from offset 2,500 readable, "
                                         "in blob at offset 2,500")
    assert judged.verdicts[0].details["restored_as"] == "intact"
    assert judged.verdicts[0].mark == "!"
