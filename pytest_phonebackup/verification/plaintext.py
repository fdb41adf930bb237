"""Looking for plaintext in an encrypted backup: every file of the backup folder is searched for each
seeded item's whole-file SHA-256 (hex and raw) and for windows sampled from its bytes (4 KiB, or half
of a small file); a hit earns the item `plaintext-in-backup`. Not for deciding what a restore gave
back (judging.py) or for opening the backup (only the tool holds the key).
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, replace
from pathlib import Path

from ..manifest import Manifest, MediaItem
from ..names import display
from .model import ItemVerdict, Report, Verdict

WINDOW = 4096  # bytes of an item searched for at once
WINDOWS = 3  # windows sampled per item: a quarter, half and three quarters of the way in, and the end
MIN_WINDOW = 32  # a shorter run of bytes could appear in any file by chance; smaller items: hash only


@dataclass(frozen=True)
class Needle:
    """A run of bytes that, found in the backup, shows it holds an item readable."""

    what: str  # "its SHA-256 in hex", "4,096 bytes from offset 1,234"
    data: bytes


@dataclass(frozen=True)
class Finding:
    item: str  # the seeded path
    what: str
    file: str  # the backup file it is in, relative to the backup folder
    offset: int


def needles(item: MediaItem, original: Path | None) -> list[Needle]:
    """What to search for: the item's hash as hex (lower and upper case) and raw, and windows of its bytes."""
    found = [Needle("its SHA-256 in hex", item.sha256.lower().encode()),
             Needle("its SHA-256 in upper-case hex", item.sha256.upper().encode()),
             Needle("its raw SHA-256", bytes.fromhex(item.sha256))]
    if original is None or not original.is_file():
        return found
    size = original.stat().st_size
    width = min(WINDOW, size // 2)
    if width < MIN_WINDOW:
        return found
    offsets = sorted({size * k // (WINDOWS + 1) for k in range(1, WINDOWS + 1)} | {size - width})
    with original.open("rb") as f:
        for offset in offsets:
            start = min(offset, size - width)
            f.seek(start)
            found.append(Needle(f"{width:,} bytes from offset {start:,}", f.read(width)))
    return found


def find_plaintext(manifest: Manifest, backup: Path, originals: Path | None) -> list[Finding]:
    """Every item some file of `backup` holds readable (the first hit per item)."""
    wanted = {item.path: needles(item, _original(originals, item)) for item in manifest.items}
    findings: dict[str, Finding] = {}
    for path in sorted(p for p in backup.rglob("*") if p.is_file() and p.stat().st_size > 0):
        with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for item_path, items_needles in wanted.items():
                if item_path in findings:
                    continue
                for needle in items_needles:
                    at = data.find(needle.data)
                    if at >= 0:
                        findings[item_path] = Finding(item_path, needle.what, path.relative_to(backup).as_posix(), at)
                        break
    return [findings[item.path] for item in manifest.items if item.path in findings]


def _original(originals: Path | None, item: MediaItem) -> Path | None:
    if originals is None:
        return None
    candidate = (originals / item.path).resolve()
    try:
        candidate.relative_to(originals.resolve())
    except ValueError:
        return None
    return candidate


def judge_plaintext(report: Report, findings: list[Finding]) -> Report:
    """The report with each item found readable in the backup judged `plaintext-in-backup`, whatever
    the restore gave back (kept under details)."""
    by_path = {f.item: f for f in findings}
    verdicts: list[ItemVerdict] = []
    for v in report.verdicts:
        finding = by_path.get(v.path) if v.item_id and v.verdict != Verdict.DUPLICATED else None
        if finding is None:
            verdicts.append(v)
            continue
        reason = (f"the encrypted backup holds {finding.what} readable, in {display(finding.file)} "
                  f"at offset {finding.offset:,}")
        verdicts.append(replace(v, verdict=Verdict.PLAINTEXT_IN_BACKUP, ok=False, reason=reason,
                                details={**v.details, "restored_as": v.verdict.value, "backup_file": finding.file,
                                         "offset": finding.offset}))
    return replace(report, verdicts=verdicts)
