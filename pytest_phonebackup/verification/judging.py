"""Judging a restore: the expected Manifest against the phone, with the app's Policy, one ItemVerdict per
seeded item (plus duplicates and extras) in a Report. Hashing runs on the phone in batches; only files
that differ are pulled, to say *how* they differ. Not for talking ADB (it takes a PhoneLike) or Allure.
"""

from __future__ import annotations

import hashlib
import math
import posixpath
import time
from collections.abc import Callable, Container
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..android import is_image, is_private
from ..manifest import Manifest, MediaItem
from ..names import display, normalization_change
from ..phonelike import PhoneLike
from ..policy import Policy
from .compare import RECOMPRESSED_MAX_DISTANCE, describe_byte_difference, pixel_distance, read_facts
from .matching import Found, pair_by_content, pair_by_pixels
from .model import ItemVerdict, Report, Verdict

HASH_BATCH = 1000  # paths per `sha256sum` call on the phone (a progress line each), sent while the listing goes on


Problem = tuple[Verdict, bool, str]  # (verdict, acceptable under the policy, reason)


def pulled_name(rel: str) -> str:
    """The host name a restored file is pulled under (the phone's name may be hostile)."""
    return hashlib.sha1(rel.encode("utf-8", "surrogateescape")).hexdigest()[:16] + safe_suffix(rel)


def safe_suffix(rel: str) -> str:
    ext = posixpath.splitext(rel)[1].lower()
    return ext if ext[1:].isalnum() and len(ext) <= 6 else ""


def relative_to_root(path: str, root: str) -> str:
    """`path` relative to `root`, as posixpath.relpath gives it; a plain path under root (the usual
    case, thousands of times a listing) is cut without relpath's normalising work."""
    prefix = root + "/"
    if (path.startswith(prefix) and len(path) > len(prefix) and "//" not in path and "/./" not in path
            and "/../" not in path and not path.endswith(("/.", "/.."))):
        return path[len(prefix):]
    return posixpath.relpath(path, root)


class Verifier:
    """Runs one verification against a phone. Use `verify(...)` unless you need the pieces."""

    def __init__(self, expected: Manifest, phone: PhoneLike, policy: Policy, *, workdir: Path,
                 originals: Path | None = None, progress: Callable[[str], None] | None = None):
        self.expected = expected
        self.phone = phone
        self.policy = policy
        self.workdir = Path(workdir)
        src = originals or (Path(expected.source_dir) if expected.source_dir else None)
        self.originals = src if src and src.is_dir() else None
        self.progress: Callable[[str], None] = progress or (lambda _msg: None)
        self.calls = 0
        self.pulled = 0
        self._pull_dir = self.workdir / "pulled"

    # -- gathering ------------------------------------------------------------------------------
    def gather(self, sizes: Container[int], skip: Container[str] = ()) -> dict[str, Found]:
        """The files under the manifest's root (but those in `skip`), by path relative to it, sorted;
        those of a seeded size hashed on the phone. Hashing starts while the listing still arrives:
        each HASH_BATCH of files goes to a second stream as soon as the folders holding them are read."""
        root = self.expected.root.rstrip("/")
        found: dict[str, Found] = {}
        to_hash: list[Found] = []
        batches: list[tuple[list[Found], Future[None]]] = []
        self.calls += 1
        # A failing listing is raised once the batches already sent have ended (the pool waits for them).
        with ThreadPoolExecutor(1, thread_name_prefix="phonebackup-hash") as hasher:
            for entries in self.phone.walk_tree(root):
                for entry in entries:
                    if entry.is_dir:
                        continue
                    rel = relative_to_root(entry.path, root)
                    if rel.startswith("../") or is_private(rel) or rel in skip:
                        continue
                    found[rel] = file = Found(rel, entry.size, entry.mtime)
                    if file.size in sizes:
                        to_hash.append(file)
                while len(to_hash) >= HASH_BATCH:
                    batches.append(self._hash_later(hasher, to_hash[:HASH_BATCH]))
                    del to_hash[:HASH_BATCH]
            if to_hash:
                batches.append(self._hash_later(hasher, to_hash))
            done, total = 0, sum(len(batch) for batch, _ in batches)
            for batch, hashed in batches:
                hashed.result()
                done += len(batch)
                self.progress(f"hashed {done}/{total} files on the phone")
        return dict(sorted(found.items()))

    def _hash_later(self, hasher: ThreadPoolExecutor, files: list[Found]) -> tuple[list[Found], Future[None]]:
        self.calls += 1
        return files, hasher.submit(self.hash_on_phone, list(files))

    def list_phone(self) -> dict[str, Found]:
        """The files under the manifest's root, by path relative to it, none hashed."""
        return self.gather(sizes=set())

    def hash_on_phone(self, files: list[Found]) -> None:
        """Set each file's sha256 from one batched call (None where the phone could not read it)."""
        root = self.expected.root.rstrip("/")
        hashes = self.phone.hash_files([f"{root}/{f.rel}" for f in files])
        for f in files:
            f.sha256 = hashes.get(f"{root}/{f.rel}")

    def pull(self, rel: str) -> Path:
        """Pull one file for diagnosis under a name of our own (see `pulled_name`)."""
        self._pull_dir.mkdir(parents=True, exist_ok=True)
        local = self._pull_dir / pulled_name(rel)
        if not local.exists():
            self.calls += 1
            self.pulled += 1
            self.phone.pull(f"{self.expected.root.rstrip('/')}/{rel}", str(local))
        return local

    def original(self, item: MediaItem) -> Path | None:
        if self.originals is None:
            return None
        candidate = (self.originals / item.path).resolve()
        try:
            candidate.relative_to(self.originals.resolve())
        except ValueError:
            return None
        return candidate if candidate.is_file() else None

    # -- judging --------------------------------------------------------------------------------
    def run(self) -> Report:
        started = time.monotonic()
        items = self.expected.items
        preexisting = {p.lstrip("/") for p in self.expected.preexisting}
        self.progress(f"listing {self.expected.root} on {self.phone.serial or 'the phone'}")
        found = self.gather({item.size for item in items}, skip=preexisting)

        pairing = pair_by_content(items, found)
        verdicts = [self.judge_same_bytes(item, f) for item, f in pairing.same_bytes]
        verdicts += [ItemVerdict(Verdict.DUPLICATED, f.rel, self.policy.allow_duplicates,
                                 f"a second copy of {display(item.path)}", found=f.rel, item_id=item.id,
                                 kind=item.kind, size=f.size) for item, f in pairing.copies]
        verdicts += [self.judge_changed(item, f) for item, f in pairing.same_path]
        # other path, same picture (recompressed and renamed/moved)
        if pairing.unmatched and pairing.unclaimed:
            for item, rel in self.match_by_pixels(pairing.unmatched, pairing.unclaimed):
                pairing.claim(item, rel)
                verdicts.append(self.judge_changed(item, found[rel]))
        came_back = {item.sha256: item.path for item, _ in pairing.same_bytes}
        verdicts += [self.judge_absent(item, came_back) for item in pairing.unmatched]
        verdicts += [ItemVerdict(Verdict.EXTRA, rel, self.policy.allow_extras,
                                 "on the phone after restore but never seeded (and not there before seeding)",
                                 found=rel, size=found[rel].size) for rel in sorted(pairing.unclaimed)]
        return Report(profile=self.expected.profile, seed=self.expected.seed, serial=self.phone.serial,
                      verdicts=verdicts, policy=self.policy.to_dict(), seconds=time.monotonic() - started,
                      phone_calls=self.calls, pulled=self.pulled)

    def judge_same_bytes(self, item: MediaItem, f: Found) -> ItemVerdict:
        problems: list[Problem] = []
        details: dict[str, Any] = {}
        if f.rel != item.path:
            problems.append(self.elsewhere(item, f.rel, same_bytes=True))
        self.judge_file_time(item, f, problems, details)
        if not problems:
            return ItemVerdict(Verdict.INTACT, item.path, True, "same bytes, same place, same time", found=f.rel,
                               item_id=item.id, kind=item.kind, size=item.size)
        return _combine(item, f.rel, problems, details)

    def judge_changed(self, item: MediaItem, f: Found) -> ItemVerdict:
        """The file came back with other bytes: say whether it is damage, recompression or lost metadata."""
        pol = self.policy.preserves
        restored = self.pull(f.rel)
        original = self.original(item)
        details: dict[str, Any] = {"expected_size": item.size, "found_size": f.size,
                                   "expected_sha256": item.sha256, "found_sha256": f.sha256}
        problems: list[Problem] = []
        if f.rel != item.path:
            problems.append(self.elsewhere(item, f.rel, same_bytes=False))

        def corrupted(reason: str) -> ItemVerdict:
            return _combine(item, f.rel, [*problems, (Verdict.CORRUPTED, False, reason)], details)

        if original is not None:
            damage = describe_byte_difference(original, restored)
            if damage is not None:
                details.update(damage[1])
                return corrupted(damage[0])
        elif f.size == item.size:
            # Recompression practically never lands on the same size: same size, other bytes is damage.
            return corrupted("same size but other bytes: damaged in transfer or storage")
        facts = read_facts(restored)
        if not facts.decodes:
            return corrupted(f"does not decode: {facts.error}")
        lost = self.lost_metadata(item, facts.metadata)
        if lost:
            details["metadata"] = lost
        distance = pixel_distance(original, restored) if original is not None and item.kind == "photo" else None
        if distance is not None:
            details["pixel_distance"] = round(distance, 2)
        if item.width and facts.width and (facts.width, facts.height) not in ((item.width, item.height),
                                                                            (item.height, item.width)):
            details["dimensions"] = {"expected": [item.width, item.height], "found": [facts.width, facts.height]}
        if distance is not None and distance > RECOMPRESSED_MAX_DISTANCE:
            return corrupted(f"shows another picture (mean pixel difference {distance:.1f} of 255)")
        if item.kind == "video" and item.duration and facts.duration is not None \
                and abs(facts.duration - item.duration) > max(0.5, item.duration * 0.05):
            return corrupted(f"plays {facts.duration:.1f} s instead of {item.duration:.1f} s")
        if lost:
            problems.append((Verdict.METADATA_LOST, False, f"lost or changed {', '.join(sorted(lost))}"))
        pixels_same = distance is not None and distance < 0.5 and "dimensions" not in details
        if pixels_same and not lost:
            problems.append((Verdict.RECOMPRESSED, pol.content == "pixels",
                             "file rewritten; pixels and kept metadata are the same"))
        elif not lost or not pixels_same:
            how = "downsized" if "dimensions" in details else "re-encoded"
            problems.append((Verdict.RECOMPRESSED, pol.content == "pixels",
                             f"{how}: same picture, other bytes ({f.size:,} instead of {item.size:,} bytes)"))
        self.judge_file_time(item, f, problems, details)
        return _combine(item, f.rel, problems, details)

    def judge_file_time(self, item: MediaItem, f: Found, problems: list[Problem], details: dict[str, Any]) -> None:
        """Add a timestamp-changed problem when the file time moved more than the policy's tolerance."""
        drift = file_time_drift(item.mtime, f.mtime)
        if abs(drift) > self.policy.time_tolerance:
            details["mtime"] = {"expected": item.mtime, "found": f.mtime, "drift_seconds": round(drift, 3)}
            problems.append((Verdict.TIMESTAMP_CHANGED, not self.policy.preserves.file_time,
                             f"file time {describe_drift(f.mtime, drift)} (tolerance {self.policy.time_tolerance:g} s)"))

    def elsewhere(self, item: MediaItem, rel: str, *, same_bytes: bool) -> Problem:
        """Renamed (same folder) or moved, saying so when only the name's Unicode normalization changed."""
        pol = self.policy.preserves
        renamed = posixpath.dirname(rel) == item.folder
        verdict, ok = (Verdict.RENAMED, not pol.name) if renamed else (Verdict.MOVED, not pol.folder)
        change = normalization_change(item.path, rel)
        if change is not None:
            return verdict, ok, f"{'same bytes, ' if same_bytes else ''}{change}: {display(rel)}"
        if same_bytes:
            where = (f"under another name: {display(posixpath.basename(rel))}" if renamed
                     else f"in another folder: {display(posixpath.dirname(rel) or '/')}")
            return verdict, ok, f"same bytes {where}"
        return verdict, ok, f"found under another {'name' if renamed else 'folder'}: {display(rel)}"

    def lost_metadata(self, item: MediaItem, found: dict[str, str]) -> dict[str, dict[str, str | None]]:
        """The item's metadata fields the policy keeps that are gone or changed in `found`."""
        keep = set(self.policy.preserves.exif)
        if not self.policy.preserves.capture_time:
            keep -= {"DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal", "creation_time"}
        lost: dict[str, dict[str, str | None]] = {}
        for name, value in item.metadata.items():
            if name not in keep and not (name == "creation_time" and self.policy.preserves.capture_time):
                continue
            got = found.get(name)
            if got is None or not _same_value(value, got):
                lost[name] = {"expected": value, "found": got}
        return lost

    def judge_absent(self, item: MediaItem, came_back: dict[str, str] | None = None) -> ItemVerdict:
        """`came_back`: sha256 -> path of seeded items that are back with their bytes."""
        reason = self.policy.skip_reason(item) or kept_once_reason(self.policy, item, came_back or {})
        if reason is not None:
            return ItemVerdict(Verdict.SKIPPED_AS_PROMISED, item.path, True, reason, item_id=item.id,
                               kind=item.kind, size=item.size)
        return ItemVerdict(Verdict.MISSING, item.path, False,
                           "not on the phone after restore, under any name; the policy promises it comes back",
                           item_id=item.id, kind=item.kind, size=item.size)

    def match_by_pixels(self, items: list[MediaItem], unclaimed: set[str]) -> list[tuple[MediaItem, str]]:
        """Pair lost photos with unclaimed restored images that show the same picture."""
        photos: list[tuple[MediaItem, Path]] = []
        for item in items:
            if item.kind == "photo":
                path = self.original(item)
                if path is not None:
                    photos.append((item, path))
        candidates = [rel for rel in sorted(unclaimed) if is_image(rel)]
        if not photos or not candidates:
            return []
        pulled = {rel: self.pull(rel) for rel in candidates}
        return pair_by_pixels(photos, pulled, pixel_distance, RECOMPRESSED_MAX_DISTANCE)


def _combine(item: MediaItem, rel: str, problems: list[Problem], details: dict[str, Any]) -> ItemVerdict:
    """One verdict per item: the worst failing problem, else the worst acceptable one."""
    failing = [p for p in problems if not p[1]]
    pool = failing or problems
    verdict, ok, reason = max(pool, key=lambda p: p[0].severity)
    others = [f"{v}: {r}" for v, o, r in problems if (v, o, r) != (verdict, ok, reason)]
    if others:
        details["also"] = others
    return ItemVerdict(verdict, item.path, not failing, reason, found=rel, item_id=item.id,
                       kind=item.kind, size=item.size, details=details)


def kept_once_reason(policy: Policy, item: MediaItem, came_back: dict[str, str]) -> str | None:
    """Why an absent item is fine under `keeps_identical_once`: another seeded item with its bytes
    (`came_back`: sha256 -> path of items back with their bytes) came back. None if none did."""
    twin = came_back.get(item.sha256)
    if not policy.limits.keeps_identical_once or not twin or twin == item.path:
        return None
    return f"the same bytes as {display(twin)}, which came back, and the app keeps identical bytes once"


def verify(expected: Manifest, phone: PhoneLike, policy: Policy, *, workdir: str | Path,
           originals: str | Path | None = None, progress: Callable[[str], None] | None = None) -> Report:
    """Judge every seeded item on `phone` after a restore: matching by content hash first (restores
    rename and move files), then by path, then by pixels (recompression)."""
    return Verifier(expected, phone, policy, workdir=Path(workdir),
                    originals=Path(originals) if originals else None, progress=progress).run()


def _same_value(expected: str, found: str) -> bool:
    if str(expected).strip() == str(found).strip():
        return True
    try:
        return abs(float(expected) - float(found)) < 1e-5
    except (TypeError, ValueError):
        return False


def file_time_drift(expected: float, found: float) -> float:
    """Seconds the found file time is off. A time in whole seconds, as ADB sync lists and pushes them
    (file_sync_protocol.h: 32-bit seconds in STAT, DENT and DONE), is compared with the seeded second:
    the seeded fraction cannot cross that protocol, whatever the backup app does."""
    if found == int(found):
        expected = math.floor(expected)
    return found - expected


def describe_drift(found: float, drift: float) -> str:
    """How a file time moved, naming the usual culprit when the change has its shape."""
    hours = round(drift / 3600)
    if hours and abs(drift - hours * 3600) < 0.001:
        return f"shifted by exactly {hours:+d} h, a time-zone error?"
    if found % 60 == 0 and -60 < drift < 0:
        return f"off by {_human_seconds(drift)}: seconds cut to the whole minute"
    if found % 2 == 0 and -2 < drift < 2:
        return f"off by {_human_seconds(drift)}: rounded to 2 s, as FAT and exFAT keep file times"
    return f"off by {_human_seconds(drift)}"


def _human_seconds(seconds: float) -> str:
    s = abs(seconds)
    sign = "+" if seconds >= 0 else "-"
    if s < 120:
        return f"{sign}{s:.1f} s"
    if s < 7200:
        return f"{sign}{s / 60:.1f} min"
    if s < 172800:
        return f"{sign}{s / 3600:.1f} h"
    return f"{sign}{s / 86400:.1f} days"
