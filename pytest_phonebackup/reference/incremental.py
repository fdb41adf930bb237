"""How adb-mirror decides what a second backup into the same folder must pull.

By content, the default: a file whose size, file time and inode change time (ctime, which no app can
set back) are what the index recorded is unchanged; every other file already in the backup is hashed
on the phone, and pulled only when its bytes differ (a new file time alone is just re-timed). A ctime
from the very second the last listing was taken, or none at all (a phone without `ls_v2`), proves
nothing: such a file is hashed too, as git treats a "racily clean" entry.

The deliberate defect `size-only`, as one popular desktop tool's update mode does, compares sizes
alone, so an edit that keeps the size, or a new file time, never reaches the backup.
Not for pulling or pushing files (mirror.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

Index = dict[str, dict[str, Any]]  # relative path -> {"size", "mtime", "sha256", "ctime"}
HashFiles = Callable[[list[str]], dict[str, str]]  # relative paths -> their sha256 on the phone


class RemoteFile(NamedTuple):
    size: int
    mtime: int
    ctime: int | None  # None when the phone's listing has no ctime (sync LIST v1)


Remote = dict[str, RemoteFile]  # relative path -> what the phone's listing says of it


@dataclass
class Plan:
    """What one backup does: pull these files, only re-time those (same bytes), keep the rest."""

    pull: list[str] = field(default_factory=list)
    retime: dict[str, str] = field(default_factory=dict)  # path -> sha256, same content, new file time
    untouched: int = 0
    hashes: dict[str, str] = field(default_factory=dict)  # sha256 on the phone of what was hashed


def trusted_ctime(remote: RemoteFile, listed_at: int | None) -> int | None:
    """The ctime to keep in the index: one from before the listing's second proves the file unchanged
    at the next backup; one from that second (or later, a clock set back) does not."""
    if remote.ctime is None or listed_at is None or remote.ctime >= listed_at:
        return None
    return remote.ctime


def unchanged(known: dict[str, Any], remote: RemoteFile) -> bool:
    """Whether the listing alone proves the file is what the backup holds."""
    return (known.get("ctime") is not None and known["ctime"] == remote.ctime
            and known["size"] == remote.size and known["mtime"] == remote.mtime)


def by_content(index: Index, remote: Remote, hash_files: HashFiles, present: Callable[[str], bool]) -> Plan:
    """New files are pulled; a known file the listing cannot vouch for is hashed on the phone: other
    bytes are pulled, a new file time alone is re-timed."""
    plan = Plan()
    suspects: list[str] = []
    for rel in sorted(remote):
        known = index.get(rel)
        if known is None or not present(rel):
            plan.pull.append(rel)
        elif unchanged(known, remote[rel]):
            plan.untouched += 1
        else:
            suspects.append(rel)
    plan.hashes = hash_files(suspects) if suspects else {}
    for rel in suspects:
        known, now, digest = index[rel], remote[rel], plan.hashes.get(rel)
        if not digest or known["sha256"] != digest:
            plan.pull.append(rel)
        elif known["mtime"] != now.mtime or known["size"] != now.size or known.get("ctime") != now.ctime:
            plan.retime[rel] = digest
        else:
            plan.untouched += 1
    plan.pull.sort()
    return plan


def by_size_only(index: Index, remote: Remote, hash_files: HashFiles, present: Callable[[str], bool]) -> Plan:
    """The defect: a file already in the index with the same size counts as unchanged."""
    plan = Plan()
    for rel in sorted(remote):
        known = index.get(rel)
        if known is None or known["size"] != remote[rel].size or not present(rel):
            plan.pull.append(rel)
        else:
            plan.untouched += 1
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
