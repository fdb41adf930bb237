"""How adb-mirror decides what a second backup into the same folder must pull: by content (the phone's
sha256 of every file against the index), or — the deliberate defect `size-only`, as one popular
desktop tool's update mode does — by size alone, so an edit that keeps the size, or a new file time,
never reaches the backup. Not for pulling or pushing files (mirror.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Index = dict[str, dict[str, Any]]  # relative path -> {"size", "mtime", "sha256"}
Remote = dict[str, tuple[int, int]]  # relative path -> (size, mtime) on the phone
HashFiles = Callable[[list[str]], dict[str, str]]  # relative paths -> their sha256 on the phone


@dataclass
class Plan:
    """What one backup does: pull these files, only re-time those (same bytes), keep the rest."""

    pull: list[str] = field(default_factory=list)
    retime: dict[str, str] = field(default_factory=dict)  # path -> sha256, same content, new file time
    untouched: int = 0
    hashes: dict[str, str] = field(default_factory=dict)  # sha256 on the phone of what was hashed


def by_content(index: Index, remote: Remote, hash_files: HashFiles, present: Callable[[str], bool]) -> Plan:
    """Hash every file on the phone: new or other bytes are pulled, a new file time alone is re-timed."""
    plan = Plan(hashes=hash_files(sorted(remote)))
    for rel in sorted(remote):
        size, mtime = remote[rel]
        known = index.get(rel)
        digest = plan.hashes.get(rel)
        if known is None or not digest or known["sha256"] != digest or not present(rel):
            plan.pull.append(rel)
        elif known["mtime"] != mtime or known["size"] != size:
            plan.retime[rel] = digest
        else:
            plan.untouched += 1
    return plan


def by_size_only(index: Index, remote: Remote, hash_files: HashFiles, present: Callable[[str], bool]) -> Plan:
    """The defect: a file already in the index with the same size counts as unchanged."""
    plan = Plan()
    for rel in sorted(remote):
        known = index.get(rel)
        if known is None or known["size"] != remote[rel][0] or not present(rel):
            plan.pull.append(rel)
        else:
            plan.untouched += 1
    plan.hashes = hash_files(plan.pull)
    return plan


CHANGE_DETECTION: dict[str | None, Callable[[Index, Remote, HashFiles, Callable[[str], bool]], Plan]] = {
    None: by_content, "size-only": by_size_only,
}
BACKUP_FAULTS = tuple(name for name in CHANGE_DETECTION if name)


def plan_backup(index: Index, remote: Remote, hash_files: HashFiles, present: Callable[[str], bool],
                fault: str | None = None) -> Plan:
    try:
        detect = CHANGE_DETECTION[fault]
    except KeyError:
        raise ValueError(f"unknown backup fault {fault!r}; known: {', '.join(BACKUP_FAULTS)}") from None
    return detect(index, remote, hash_files, present)
