"""Where each loss happened: an inventory of the backup taken right after it was made (the bytes and
file times it holds), and the stage every verdict but intact gets from it — lost at backup, lost at
restore, or backup not inspectable. Not for judging items (judging.py) or taking backups (apps/).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..manifest import Manifest
from ..media.probe import sha256_of
from ..phonelike import PhoneLike
from .model import Report, Verdict

#: Verdicts about a file found on the phone rather than a seeded item: judged by the found bytes.
ABOUT_FOUND_FILES = (Verdict.EXTRA, Verdict.DUPLICATED, Verdict.RESURRECTED)


@dataclass
class BackupInventory:
    """What a backup holds, by content: sha256 -> the file times of the backup's files with those bytes.
    `inspectable` is False when the harness cannot read the backup (no folder, nothing in it)."""

    inspectable: bool
    times: dict[str, list[float]] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    source: str = ""  # where it was read, for the report

    @classmethod
    def not_inspectable(cls, why: str) -> BackupInventory:
        return cls(False, source=why)

    @classmethod
    def of_folder(cls, folder: Path | None) -> BackupInventory:
        """Hash every file under a plain-file backup folder on the host."""
        if folder is None or not Path(folder).is_dir():
            return cls.not_inspectable("the app keeps no backup folder on the host")
        inventory = cls(True, source=str(folder))
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and not path.is_symlink():
                stat = path.stat()
                inventory.add(sha256_of(path), stat.st_mtime, stat.st_size)
        if not inventory.files:
            return cls.not_inspectable(f"the backup folder {folder} holds no files")
        return inventory

    @classmethod
    def of_contents(cls, entries: Iterable[tuple[str, float, int]], source: str) -> BackupInventory:
        """An inventory from (sha256, file time, size) entries, e.g. the objects of a cloud store."""
        inventory = cls(True, source=source)
        for sha256, mtime, size in entries:
            inventory.add(sha256, mtime, size)
        return inventory

    def add(self, sha256: str, mtime: float, size: int) -> None:
        self.times.setdefault(sha256, []).append(mtime)
        self.files += 1
        self.bytes += size

    def holds(self, sha256: str | None, mtime: float | None = None, tolerance: float = 2.0) -> bool:
        """True when the backup has these bytes (and, given `mtime`, with that file time)."""
        times = self.times.get(sha256 or "")
        if not times:
            return False
        return mtime is None or any(abs(t - mtime) <= tolerance for t in times)


def assign_stages(report: Report, expected: Manifest, inventory: BackupInventory, phone: PhoneLike,
                  tolerance: float = 2.0) -> None:
    """Give every verdict but intact its stage. A seeded item the backup holds intact (bytes, and for
    time verdicts the file time) was lost at restore, otherwise at backup; a found file that should
    not be there (extra, resurrected) came from the backup when the backup holds its bytes, a second
    copy (duplicated) when the backup holds two."""
    items = {item.path: item for item in expected.items}
    if not inventory.inspectable:
        for v in report.verdicts:
            if v.verdict != Verdict.INTACT:
                v.stage = "not-inspectable"
        return
    found_files = [v.found for v in report.verdicts if v.verdict in ABOUT_FOUND_FILES and v.found]
    root = expected.root.rstrip("/")
    hashes = phone.hash_files([f"{root}/{rel}" for rel in found_files]) if found_files else {}
    for v in report.verdicts:
        if v.verdict == Verdict.INTACT:
            continue
        if v.verdict == Verdict.DUPLICATED:  # a second copy came from the backup if it holds two
            held = len(inventory.times.get(hashes.get(f"{root}/{v.found}") or "", ())) > 1
        elif v.verdict in ABOUT_FOUND_FILES:
            held = inventory.holds(hashes.get(f"{root}/{v.found}"))
        else:
            item = items.get(v.path)
            if item is None:
                continue
            with_time = v.verdict in (Verdict.TIMESTAMP_CHANGED, Verdict.STALE)
            held = inventory.holds(item.sha256, item.mtime if with_time else None, tolerance)
        v.stage = "backup" if held == (v.verdict in ABOUT_FOUND_FILES) else "restore"
