"""Which items a selective restore asks for, how the selection file writes their names, and what the
verdicts of a selective restore say. Pure: built manifests and reports, no phone."""

from __future__ import annotations

from pathlib import Path

from pytest_phonebackup.manifest import Manifest, MediaItem
from pytest_phonebackup.reference.selecting import read_selection
from pytest_phonebackup.verification import ItemVerdict, Report
from pytest_phonebackup.verification.selection import choose, judge_selection, write_selection

ODD = b"DCIM/IMG_\xff\xfe.jpg".decode("utf-8", "surrogateescape")


def item(path: str, kind: str = "photo", fmt: str = "jpeg") -> MediaItem:
    return MediaItem(path=path, kind=kind, mime="", size=10, sha256=path, mtime=0, format=fmt, id=path)


MANIFEST = Manifest(profile="p", seed=1, items=[
    item("DCIM/a.jpg"), item("DCIM/b.jpg"), item("DCIM/c.jpg"), item("DCIM/d.jpg"),
    item("DCIM/v1.mp4", "video", "mp4"), item("DCIM/v2.mp4", "video", "mp4"),
    item("Pictures/s.png", fmt="png"), item("Download/notes.txt", "other", ""),
    item("Pictures/été.jpg"), item(ODD), item(b"DCIM/\xe9t\xe9.jpg".decode("utf-8", "surrogateescape")),
])


def test_the_selection_covers_every_kind_format_and_name_and_leaves_the_rest():
    chosen = [i.path for i in choose(MANIFEST)]
    assert chosen == ["DCIM/a.jpg", "DCIM/c.jpg", "DCIM/v1.mp4", "Pictures/s.png", "Download/notes.txt",
                      "Pictures/été.jpg", ODD]
    assert choose(MANIFEST) == choose(MANIFEST)


def test_the_selection_file_is_utf8_with_other_bytes_escaped_and_reads_back(tmp_path: Path):
    path = write_selection([MANIFEST.items[0], MANIFEST.items[8], MANIFEST.items[9]], tmp_path / "sel.txt")
    assert path.read_bytes() == "DCIM/a.jpg\nPictures/été.jpg\nDCIM/IMG_\\xff\\xfe.jpg\n".encode()
    assert read_selection(path) == ["DCIM/a.jpg", "Pictures/été.jpg", ODD]


def verdict(path: str, name: str, ok: bool, item_id: str | None = None) -> ItemVerdict:
    return ItemVerdict(name, path, ok, "as judged", found=path, item_id=path if item_id is None else item_id)


def test_unchosen_items_are_fine_when_absent_and_a_failure_when_back():
    chosen = [MANIFEST.items[0], MANIFEST.items[2]]
    report = Report("p", 1, "s", [
        verdict("DCIM/a.jpg", "intact", True), verdict("DCIM/c.jpg", "missing", False),
        verdict("DCIM/b.jpg", "missing", False), verdict("DCIM/d.jpg", "intact", True),
        verdict("DCIM/v1.mp4", "moved", False), verdict("Download/x.txt", "extra", False, item_id=""),
        verdict("DCIM/a (1).jpg", "duplicated", False, item_id="DCIM/a.jpg"),
        verdict("DCIM/d (1).jpg", "duplicated", False, item_id="DCIM/d.jpg"),
    ], policy={})
    judged = judge_selection(report, chosen)
    assert [(v.path, v.verdict.value, v.ok) for v in judged.verdicts] == [
        ("DCIM/a.jpg", "intact", True), ("DCIM/c.jpg", "missing", False),
        ("DCIM/b.jpg", "not-selected", True), ("DCIM/d.jpg", "restored-unselected", False),
        ("DCIM/v1.mp4", "restored-unselected", False), ("Download/x.txt", "extra", False),
        ("DCIM/a (1).jpg", "duplicated", False), ("DCIM/d (1).jpg", "restored-unselected", False),
    ]
    assert judged.verdicts[4].reason == "left out of the selection, yet restored as moved"
    assert judged.verdicts[3].mark == "+" and judged.verdicts[2].mark == "~"
    assert judged.worst == "missing"  # a chosen item lost is worse than unchosen ones brought back
