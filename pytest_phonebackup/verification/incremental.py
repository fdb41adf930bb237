"""Judging a restore after an incremental backup: a changed item that came back as it was at the
first backup is `stale`; an item deleted (or renamed or moved away) between the backups that came
back is `resurrected`, acceptable only when the policy keeps deletions. Works on a Report that
judging.py made against the changed gallery. Not for changing the gallery (media/changes.py).
"""

from __future__ import annotations

from ..manifest import Manifest, MediaItem
from ..media.changes import GalleryChange
from ..names import display
from ..phonelike import PhoneLike
from ..policy import Policy
from .judging import kept_once_reason
from .model import ItemVerdict, Report, Verdict

#: Verdicts of an item whose file came back with the item's bytes.
WITH_THEIR_BYTES = (Verdict.INTACT, Verdict.RENAMED, Verdict.MOVED, Verdict.TIMESTAMP_CHANGED)


def judge_changes(report: Report, expected: Manifest, change: GalleryChange, phone: PhoneLike,
                  policy: Policy) -> None:
    """Turn the verdicts an incremental backup explains into `stale` and `resurrected`, in place;
    `expected` is the changed gallery the report was judged against."""
    now = {item.path: item for item in expected.items}
    previous = {path: change.before[path] for path in change.changed_in_place}
    gone = {change.before[old].sha256: old for old in [*change.deleted, *change.renamed, *change.moved]}
    root = expected.root.rstrip("/")
    looked_at = [v for v in report.verdicts if v.found and v.verdict != Verdict.INTACT and (
        v.path in previous or v.found != v.path or v.verdict in (Verdict.EXTRA, Verdict.DUPLICATED))]
    hashes = phone.hash_files([f"{root}/{v.found}" for v in looked_at]) if looked_at else {}
    for n, v in enumerate(report.verdicts):
        if v not in looked_at:
            continue
        digest = hashes.get(f"{root}/{v.found}")
        if v.path in previous:
            old = previous[v.path]
            same_bytes = old.sha256 == now[v.path].sha256  # only the file time changed
            if digest == old.sha256 and (not same_bytes or _came_back_with_old_time(v, old, policy)):
                report.verdicts[n] = _stale(v, old, same_bytes=same_bytes)
        elif digest in gone and v.verdict not in (Verdict.EXTRA, Verdict.DUPLICATED) and v.path in now:
            # Paired with a file that is an item deleted between the backups: the item itself is not back.
            item = now[v.path]
            came_back = {now[x.path].sha256: x.path for x in report.verdicts
                         if x.path in now and x.path != v.path and x.verdict in WITH_THEIR_BYTES}
            skip = policy.skip_reason(item) or kept_once_reason(policy, item, came_back)
            report.verdicts[n] = ItemVerdict(
                Verdict.SKIPPED_AS_PROMISED if skip else Verdict.MISSING, v.path, skip is not None,
                skip or f"not on the phone after restore under any name; {display(v.found or '')} is an item "
                        "deleted between the backups", item_id=item.id, kind=item.kind, size=item.size)
            report.verdicts.append(_resurrected(v.found or "", gone[digest], change, policy, v.kind, v.size))
        elif digest in gone and (v.verdict == Verdict.EXTRA or v.found == gone[digest]):
            report.verdicts[n] = _resurrected(v.found or gone[digest], gone[digest], change, policy, v.kind, v.size)


def _resurrected(found: str, old_path: str, change: GalleryChange, policy: Policy, kind: str,
                 size: int) -> ItemVerdict:
    how = ("deleted from the phone between the backups" if old_path in change.deleted
           else f"{'renamed' if old_path in change.renamed else 'moved'} between the backups, "
                f"to {display(change.renamed.get(old_path) or change.moved[old_path])}")
    keep = policy.deletions == "keep"
    return ItemVerdict(Verdict.RESURRECTED, found, keep, f"{how}, and back after the restore"
                       + (" (the policy keeps deletions)" if keep else "; the policy says deletions propagate"),
                       found=found, item_id=change.before[old_path].id, kind=kind, size=size,
                       details={"deleted": old_path})


def _came_back_with_old_time(v: ItemVerdict, old: MediaItem, policy: Policy) -> bool:
    found = (v.details.get("mtime") or {}).get("found")
    return found is not None and abs(float(found) - old.mtime) <= policy.time_tolerance


def _stale(v: ItemVerdict, old: MediaItem, *, same_bytes: bool) -> ItemVerdict:
    what = "file time" if same_bytes else "bytes"
    return ItemVerdict(Verdict.STALE, v.path, False,
                       f"the {what} from before the change came back: the second backup did not pick up the change",
                       found=v.found, item_id=v.item_id, kind=v.kind, size=v.size,
                       details={"previous": {"sha256": old.sha256, "mtime": old.mtime, "size": old.size}, **v.details})
