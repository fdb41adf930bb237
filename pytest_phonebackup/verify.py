"""Round-trip verification: the expected Manifest against what is on the phone after a restore,
one Verdict per seeded item (plus duplicates and extras), gathered in a Report.

Matching is by content hash first (restores rename and move files), then by path, then by pixels
(recompression). Hashing runs on the phone in batches; only files that differ are pulled, to say
*how* they differ. Not for talking ADB (that is `phone.py`) or for Allure (that is `report.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .android import is_image, is_private
from .manifest import Manifest, MediaItem
from .media.probe import Probe, probe
from .policy import Policy

#: Every verdict, from best to worst; a report's severity is its worst failing verdict.
VERDICTS = ["intact", "skipped-as-promised", "renamed", "moved", "recompressed", "timestamp-changed",
            "duplicated", "extra", "metadata-lost", "corrupted", "missing"]

#: rclone-check-style marks: = same, - only expected (lost), + only on the phone, * differs, ~ skipped.
MARKS = {"intact": "=", "renamed": "=", "moved": "=", "skipped-as-promised": "~", "missing": "-",
         "extra": "+", "duplicated": "+", "recompressed": "*", "metadata-lost": "*",
         "timestamp-changed": "*", "corrupted": "*"}

HASH_BATCH = 200  # paths per `sha256sum` call on the phone


@dataclass
class Verdict:
    """The harness's judgement of one item, in words a developer can act on."""

    verdict: str
    path: str  # the seeded path (relative to the manifest root); for extras, the path found
    ok: bool  # acceptable under the app's policy
    reason: str
    found: str | None = None  # where the item was found after restore, if anywhere
    item_id: str = ""
    kind: str = ""
    size: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def mark(self) -> str:
        return MARKS.get(self.verdict, "!")

    def line(self) -> str:
        where = f" -> {self.found}" if self.found and self.found != self.path else ""
        return f"{self.mark} {self.verdict:<19} {self.path}{where}  ({self.reason})"


@dataclass
class Report:
    """All verdicts of one verification, with counts and the figures behind them."""

    profile: str
    seed: int
    serial: str
    verdicts: list[Verdict]
    policy: dict[str, Any]
    seconds: float = 0.0
    phone_calls: int = 0  # round trips to the phone (listing, hash batches, pulls)
    pulled: int = 0  # files pulled for diagnosis
    app: str = ""

    @property
    def counts(self) -> dict[str, int]:
        counts = {name: 0 for name in VERDICTS}
        for v in self.verdicts:
            counts[v.verdict] = counts.get(v.verdict, 0) + 1
        return {k: n for k, n in counts.items() if n}

    @property
    def failures(self) -> list[Verdict]:
        return sorted((v for v in self.verdicts if not v.ok), key=lambda v: -VERDICTS.index(v.verdict))

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def worst(self) -> str:
        failing = self.failures
        return failing[0].verdict if failing else "intact"

    def summary(self, limit: int = 10) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.counts.items())
        head = (f"{'verified' if self.ok else 'round trip FAILED'}: {len(self.verdicts)} verdicts "
                f"({counts}); profile {self.profile}, seed {self.seed}, phone {self.serial}")
        failing = self.failures
        if not failing:
            return head
        lines = [head, f"{len(failing)} item(s) not acceptable under the policy; worst first:"]
        lines += ["  " + v.line() for v in failing[:limit]]
        if len(failing) > limit:
            lines.append(f"  ... and {len(failing) - limit} more (see report.json)")
        return "\n".join(lines)

    def rclone_lines(self) -> list[str]:
        return [v.line() for v in sorted(self.verdicts, key=lambda v: v.path)]

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile, "seed": self.seed, "serial": self.serial, "app": self.app,
                "ok": self.ok, "worst": self.worst, "counts": self.counts, "seconds": round(self.seconds, 3),
                "phone_calls": self.phone_calls, "pulled": self.pulled, "policy": self.policy,
                "verdicts": [asdict(v) for v in self.verdicts]}

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Report:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        verdicts = [Verdict(**v) for v in data["verdicts"]]
        return cls(profile=data["profile"], seed=data["seed"], serial=data["serial"], verdicts=verdicts,
                   policy=data["policy"], seconds=data.get("seconds", 0.0),
                   phone_calls=data.get("phone_calls", 0), pulled=data.get("pulled", 0), app=data.get("app", ""))


@dataclass
class Found:
    """A regular file on the phone after restore."""

    rel: str
    size: int
    mtime: float
    sha256: str | None = None


# --------------------------------------------------------------------------------------------
# Comparing file contents (host side, on pulled copies)


def read_facts(path: Path) -> Probe:
    """Decode a file with the independent readers of media/probe.py (never raises on bad files)."""
    try:
        return probe(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure means "does not decode"
        return Probe(size=path.stat().st_size, sha256="", format="unknown", decodes=False,
                     error=f"{type(exc).__name__}: {exc}")


def pixel_distance(a: Path, b: Path, size: int = 64) -> float | None:
    """Mean absolute difference (0..255) of two images scaled to `size`x`size` grey; None if either
    does not decode. 0 = same picture; recompression stays in single digits; another picture is far."""
    from PIL import Image, ImageOps

    try:
        with Image.open(a) as ia, Image.open(b) as ib:
            ia.draft("L", (size * 4, size * 4))
            ib.draft("L", (size * 4, size * 4))
            ga = ImageOps.exif_transpose(ia).convert("L").resize((size, size))
            gb = ImageOps.exif_transpose(ib).convert("L").resize((size, size))
    except Exception:  # noqa: BLE001
        return None
    pa, pb = ga.tobytes(), gb.tobytes()
    return sum(abs(x - y) for x, y in zip(pa, pb, strict=True)) / len(pa)


RECOMPRESSED_MAX_DISTANCE = 12.0  # mean grey difference up to which two images show the same picture


def describe_byte_difference(original: Path, restored: Path) -> tuple[str, dict[str, Any]] | None:
    """Truncation, data appended, or a few flipped bytes: damage, not recompression. None otherwise."""
    osize, rsize = original.stat().st_size, restored.stat().st_size
    with original.open("rb") as fo, restored.open("rb") as fr:
        if rsize < osize:
            if _is_prefix(fr, fo, rsize):
                return f"truncated: {rsize:,} of {osize:,} bytes came back", {"truncated_at": rsize, "expected_size": osize}
            return None
        if rsize > osize:
            if _is_prefix(fo, fr, osize):
                return (f"grew by {rsize - osize:,} bytes: the original followed by extra data",
                        {"extra_bytes": rsize - osize, "expected_size": osize})
            return None
        differing, first = 0, None
        offset = 0
        while True:
            ca, cb = fo.read(1 << 20), fr.read(1 << 20)
            if not ca:
                break
            if ca != cb:
                for i, (x, y) in enumerate(zip(ca, cb, strict=False)):
                    if x != y:
                        differing += 1
                        if first is None:
                            first = offset + i
            offset += len(ca)
        if first is not None and differing <= max(16, osize // 1000):
            return (f"{differing} byte(s) differ, first at offset {first:,} (same size): damaged in transfer or storage",
                    {"differing_bytes": differing, "first_difference": first})
    return None


def _is_prefix(short, long, length: int) -> bool:
    while length > 0:
        a, b = short.read(min(length, 1 << 20)), long.read(min(length, 1 << 20))
        if a != b:
            return False
        length -= len(a)
    return True


# --------------------------------------------------------------------------------------------
# The verification


class Verifier:
    """Runs one verification against a phone. Use `verify(...)` unless you need the pieces."""

    def __init__(self, expected: Manifest, phone: Any, policy: Policy, *, workdir: Path,
                 originals: Path | None = None, progress: Callable[[str], None] | None = None):
        self.expected = expected
        self.phone = phone
        self.policy = policy
        self.workdir = Path(workdir)
        src = originals or (Path(expected.source_dir) if expected.source_dir else None)
        self.originals = src if src and src.is_dir() else None
        self.progress = progress or (lambda _msg: None)
        self.calls = 0
        self.pulled = 0
        self._pull_dir = self.workdir / "pulled"

    # -- gathering ------------------------------------------------------------------------------
    def list_phone(self) -> dict[str, Found]:
        root = self.expected.root.rstrip("/")
        self.calls += 1
        found: dict[str, Found] = {}
        for entry in self.phone.list_tree(root):
            if entry.is_dir:
                continue
            rel = posixpath.relpath(entry.path, root)
            if rel.startswith("../") or is_private(rel):
                continue
            found[rel] = Found(rel, entry.size, entry.mtime)
        return found

    def hash_on_phone(self, files: list[Found]) -> None:
        root = self.expected.root.rstrip("/")
        for start in range(0, len(files), HASH_BATCH):
            batch = files[start:start + HASH_BATCH]
            self.calls += 1
            hashes = self.phone.hash_files([f"{root}/{f.rel}" for f in batch])
            for f in batch:
                f.sha256 = hashes.get(f"{root}/{f.rel}")
            self.progress(f"hashed {min(start + HASH_BATCH, len(files))}/{len(files)} files on the phone")

    def pull(self, rel: str) -> Path:
        """Pull one file for diagnosis under a name of our own (the phone's name may be hostile)."""
        self._pull_dir.mkdir(parents=True, exist_ok=True)
        local = self._pull_dir / (hashlib.sha1(rel.encode("utf-8", "surrogateescape")).hexdigest()[:16]
                                  + _safe_suffix(rel))
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
        self.progress(f"listing {self.expected.root} on {getattr(self.phone, 'serial', 'the phone')}")
        found = {rel: f for rel, f in self.list_phone().items() if rel not in preexisting}
        sizes = {item.size for item in items}
        self.hash_on_phone([f for f in found.values() if f.size in sizes])

        by_hash: dict[str, list[str]] = defaultdict(list)
        for rel, f in found.items():
            if f.sha256:
                by_hash[f.sha256].append(rel)
        unclaimed = set(found)
        verdicts: list[Verdict] = []
        matched: dict[str, str] = {}  # item id/path -> found rel

        def claim(item: MediaItem, rel: str) -> None:
            unclaimed.discard(rel)
            matched[item.path] = rel

        # 1. same bytes at the same path
        for item in items:
            same_path = found.get(item.path)
            if same_path is not None and same_path.sha256 == item.sha256 and item.path in unclaimed:
                claim(item, item.path)
        # 2. same bytes elsewhere (renamed / moved); prefer the same folder, then the same name
        for item in items:
            if item.path in matched:
                continue
            options = [rel for rel in by_hash.get(item.sha256, []) if rel in unclaimed]
            if options:
                options.sort(key=lambda rel: (posixpath.dirname(rel) != item.folder,
                                              posixpath.basename(rel) != item.name, rel))
                claim(item, options[0])
        for item in items:
            matched_rel = matched.get(item.path)
            if matched_rel is not None:
                verdicts.append(self.judge_same_bytes(item, found[matched_rel]))
        # 3. extra copies of seeded bytes
        seeded_hashes = {item.sha256: item for item in items}
        for rel in sorted(unclaimed):
            f = found[rel]
            if f.sha256 in seeded_hashes and f.sha256 is not None:
                item = seeded_hashes[f.sha256]
                unclaimed.discard(rel)
                verdicts.append(Verdict("duplicated", rel, self.policy.allow_duplicates,
                                        f"a second copy of {item.path}", found=rel, item_id=item.id,
                                        kind=item.kind, size=f.size))
        # 4. same path, other bytes
        for item in items:
            if item.path in matched or item.path not in unclaimed:
                continue
            claim(item, item.path)
            verdicts.append(self.judge_changed(item, found[item.path]))
        # 5. other path, same picture (recompressed and renamed/moved)
        leftovers = [item for item in items if item.path not in matched]
        if leftovers and unclaimed:
            for item, rel in self.match_by_pixels(leftovers, found, unclaimed):
                claim(item, rel)
                verdicts.append(self.judge_changed(item, found[rel]))
        # 6. not found
        for item in items:
            if item.path not in matched:
                verdicts.append(self.judge_absent(item))
        # 7. never seeded
        for rel in sorted(unclaimed):
            f = found[rel]
            verdicts.append(Verdict("extra", rel, self.policy.allow_extras,
                                    "on the phone after restore but never seeded (and not there before seeding)",
                                    found=rel, size=f.size))
        return Report(profile=self.expected.profile, seed=self.expected.seed,
                      serial=getattr(self.phone, "serial", ""), verdicts=verdicts, policy=self.policy.to_dict(),
                      seconds=time.monotonic() - started, phone_calls=self.calls, pulled=self.pulled)

    def judge_same_bytes(self, item: MediaItem, f: Found) -> Verdict:
        pol = self.policy.preserves
        problems: list[tuple[str, bool, str]] = []  # (verdict, ok, reason)
        details: dict[str, Any] = {}
        if f.rel != item.path:
            same_folder = posixpath.dirname(f.rel) == item.folder
            if same_folder:
                problems.append(("renamed", not pol.name, f"same bytes under another name: {posixpath.basename(f.rel)}"))
            else:
                problems.append(("moved", not pol.folder, f"same bytes in another folder: {posixpath.dirname(f.rel) or '/'}"))
        drift = f.mtime - item.mtime
        if abs(drift) > self.policy.time_tolerance:
            details["mtime"] = {"expected": item.mtime, "found": f.mtime, "drift_seconds": round(drift, 3)}
            problems.append(("timestamp-changed", not pol.file_time,
                             f"file time off by {_human_seconds(drift)} (tolerance {self.policy.time_tolerance:g} s)"))
        if not problems:
            return Verdict("intact", item.path, True, "same bytes, same place, same time", found=f.rel,
                           item_id=item.id, kind=item.kind, size=item.size)
        return self._combine(item, f.rel, problems, details)

    def judge_changed(self, item: MediaItem, f: Found) -> Verdict:
        """The file came back with other bytes: say whether it is damage, recompression or lost metadata."""
        pol = self.policy.preserves
        restored = self.pull(f.rel)
        original = self.original(item)
        details: dict[str, Any] = {"expected_size": item.size, "found_size": f.size,
                                   "expected_sha256": item.sha256, "found_sha256": f.sha256}
        problems: list[tuple[str, bool, str]] = []
        if f.rel != item.path:
            where = "another name" if posixpath.dirname(f.rel) == item.folder else "another folder"
            problems.append(("renamed" if where == "another name" else "moved",
                             not (pol.name if where == "another name" else pol.folder), f"found under {where}: {f.rel}"))
        if original is not None:
            damage = describe_byte_difference(original, restored)
            if damage is not None:
                details.update(damage[1])
                return self._combine(item, f.rel, problems + [("corrupted", False, damage[0])], details)
        elif f.size == item.size:
            # Recompression practically never lands on the same size: same size, other bytes is damage.
            return self._combine(item, f.rel, problems + [("corrupted", False,
                                 "same size but other bytes: damaged in transfer or storage")], details)
        facts = read_facts(restored)
        if not facts.decodes:
            return self._combine(item, f.rel, problems + [("corrupted", False, f"does not decode: {facts.error}")], details)
        lost = self.lost_metadata(item, facts)
        if lost:
            details["metadata"] = lost
        distance = pixel_distance(original, restored) if original is not None and item.kind == "photo" else None
        if distance is not None:
            details["pixel_distance"] = round(distance, 2)
        if item.width and facts.width and (facts.width, facts.height) not in ((item.width, item.height), (item.height, item.width)):
            details["dimensions"] = {"expected": [item.width, item.height], "found": [facts.width, facts.height]}
        if distance is not None and distance > RECOMPRESSED_MAX_DISTANCE:
            return self._combine(item, f.rel, problems + [("corrupted", False,
                                 f"shows another picture (mean pixel difference {distance:.1f} of 255)")], details)
        if item.kind == "video" and item.duration and facts.duration is not None \
                and abs(facts.duration - item.duration) > max(0.5, item.duration * 0.05):
            return self._combine(item, f.rel, problems + [("corrupted", False,
                                 f"plays {facts.duration:.1f} s instead of {item.duration:.1f} s")], details)
        if lost:
            names = ", ".join(sorted(lost))
            problems.append(("metadata-lost", False, f"lost or changed {names}"))
        pixels_same = distance is not None and distance < 0.5 and "dimensions" not in details
        if pixels_same and not lost:
            problems.append(("recompressed", pol.content == "pixels", "file rewritten; pixels and kept metadata are the same"))
        elif not lost or not pixels_same:
            how = "downsized" if "dimensions" in details else "re-encoded"
            problems.append(("recompressed", pol.content == "pixels",
                             f"{how}: same picture, other bytes ({f.size:,} instead of {item.size:,} bytes)"))
        drift = f.mtime - item.mtime
        if abs(drift) > self.policy.time_tolerance:
            details["mtime"] = {"expected": item.mtime, "found": f.mtime, "drift_seconds": round(drift, 3)}
            problems.append(("timestamp-changed", not pol.file_time, f"file time off by {_human_seconds(drift)}"))
        return self._combine(item, f.rel, problems, details)

    def lost_metadata(self, item: MediaItem, facts: Probe) -> dict[str, dict[str, str | None]]:
        keep = set(self.policy.preserves.exif)
        if not self.policy.preserves.capture_time:
            keep -= {"DateTimeOriginal", "OffsetTimeOriginal", "creation_time"}
        lost: dict[str, dict[str, str | None]] = {}
        for name, value in item.metadata.items():
            if name not in keep and not (name == "creation_time" and self.policy.preserves.capture_time):
                continue
            got = facts.metadata.get(name)
            if got is None or not _same_value(value, got):
                lost[name] = {"expected": value, "found": got}
        return lost

    def judge_absent(self, item: MediaItem) -> Verdict:
        reason = self.policy.skip_reason(item)
        if reason is not None:
            return Verdict("skipped-as-promised", item.path, True, reason, item_id=item.id, kind=item.kind, size=item.size)
        return Verdict("missing", item.path, False,
                       "not on the phone after restore, under any name; the policy promises it comes back",
                       item_id=item.id, kind=item.kind, size=item.size)

    def match_by_pixels(self, items: list[MediaItem], found: dict[str, Found], unclaimed: set[str]):
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
        pairs = []
        taken: set[str] = set()
        pulled = {rel: self.pull(rel) for rel in candidates}
        for item, original in photos:
            best, best_distance = None, RECOMPRESSED_MAX_DISTANCE
            for rel in candidates:
                if rel in taken:
                    continue
                distance = pixel_distance(original, pulled[rel])
                if distance is not None and distance <= best_distance:
                    best, best_distance = rel, distance
            if best is not None:
                taken.add(best)
                pairs.append((item, best))
        return pairs

    @staticmethod
    def _combine(item: MediaItem, rel: str, problems: list[tuple[str, bool, str]], details: dict[str, Any]) -> Verdict:
        """One verdict per item: the worst failing problem, else the worst acceptable one."""
        failing = [p for p in problems if not p[1]]
        pool = failing or problems
        verdict, ok, reason = max(pool, key=lambda p: VERDICTS.index(p[0]))
        others = [f"{v}: {r}" for v, o, r in problems if (v, o, r) != (verdict, ok, reason)]
        if others:
            details["also"] = others
        return Verdict(verdict, item.path, not failing, reason, found=rel, item_id=item.id,
                       kind=item.kind, size=item.size, details=details)


def verify(expected: Manifest, phone: Any, policy: Policy, *, workdir: str | Path,
           originals: str | Path | None = None, progress: Callable[[str], None] | None = None) -> Report:
    """Judge every seeded item on `phone` after a restore. See the module docstring."""
    return Verifier(expected, phone, policy, workdir=Path(workdir),
                    originals=Path(originals) if originals else None, progress=progress).run()


def _same_value(expected: str, found: str) -> bool:
    if str(expected).strip() == str(found).strip():
        return True
    try:
        return abs(float(expected) - float(found)) < 1e-5
    except (TypeError, ValueError):
        return False


def _safe_suffix(rel: str) -> str:
    ext = os.path.splitext(rel)[1].lower()
    return ext if ext[1:].isalnum() and len(ext) <= 6 else ""


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
