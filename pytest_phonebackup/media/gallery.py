"""Seed a phone's gallery with a generated profile and take it away again: push through sync with
the capture times as mtimes, scan, wait until MediaStore agrees, and wipe exactly what was seeded.
Standard commands only (works on real phones). Not for generating files or verifying restores.
"""

from __future__ import annotations

import logging
import posixpath
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..android import SHARED_STORAGE, is_image, is_video
from ..errors import PhoneError, SafetyError
from ..manifest import Manifest
from ..names import display
from ..phonelike import PhoneLike
from .cache import Cache
from .catalog import Profile, load_profile
from .generate import Progress, generate, generated_tree

log = logging.getLogger(__name__)

ROOT = SHARED_STORAGE
COLLECTIONS = {  # MediaStore collection of a file, chosen by extension as Android's scanner does
    "images": "content://media/external/images/media",
    "video": "content://media/external/video/media",
}
SCAN_ONE_BY_ONE_MAX = 200  # beyond this many files one volume scan beats a broadcast per file
SCAN_BATCH = 50  # broadcasts per shell call (keeps the command line short)
SCAN_FILE = "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d "
ROW_COLUMNS = ["_id", "_display_name", "relative_path", "mime_type", "_size", "width", "height", "date_modified",
               "datetaken", "duration"]


def poll_pauses(first: float = 0.05, longest: float = 0.5) -> Iterator[float]:
    """Pauses between polls of MediaStore: short at first (a scan of a few files is done in
    milliseconds), doubling up to `longest` (a scan of thousands takes seconds; each poll costs queries)."""
    pause = first
    while True:
        yield pause
        pause = min(longest, pause * 2)


def collection_of(path: str) -> str | None:
    """'images', 'video' or None (not in the gallery), from the name's extension as MediaStore does."""
    return "images" if is_image(path) else "video" if is_video(path) else None


@dataclass
class WipeResult:
    """What `Gallery.wipe` did: removed files, files it refused to touch (their bytes changed, so
    they may be the user's now) and seeded files that were already gone."""

    removed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


class Gallery:
    """Generated media on one phone.

        gallery = Gallery(phone)
        expected = gallery.seed("edge", seed=7)   # Manifest of what is now on the phone
        ...
        gallery.wipe(expected)                    # only those files, only if still unchanged

    Seeding pushes the generated tree straight from the media cache, so it writes nothing on this
    computer; `workdir` is still accepted, and unused.
    """

    def __init__(self, phone: PhoneLike, cache: Cache | None = None, workdir: str | Path | None = None,
                 progress: bool = True, scan_timeout: float = 120):
        self.phone = phone
        self.cache = cache
        self.workdir = Path(workdir) if workdir is not None else None
        self.progress = progress
        self.scan_timeout = scan_timeout
        self.seeded: list[Manifest] = []  # what this Gallery put on the phone, for wipe_seeded()

    # -- seeding ---------------------------------------------------------------------------------
    def seed(self, profile: str | Path | Profile, seed: int = 0, root: str = ROOT,
             keep_originals: str | Path | None = None) -> Manifest:
        """Put `profile` (built-in name, YAML path or Profile) on the phone and return its Manifest
        after MediaStore lists every item that should be indexed and none that should not.
        With `keep_originals`, the generated files stay in that folder (manifest.source_dir), so a
        verification can say how a restored file differs from what was seeded."""
        if keep_originals is not None and Path(keep_originals).is_dir() and any(Path(keep_originals).iterdir()):
            # the whole folder is pushed: it must hold only this profile
            raise ValueError(f"keep_originals folder {keep_originals} is not empty; give a new or empty folder")
        before = self.phone.list_tree(root) if self.phone.exists(root) else []
        preexisting = sorted(posixpath.relpath(item.path, root) for item in before if not item.is_dir)
        if not isinstance(profile, Profile) or profile.seed != seed:
            profile = load_profile(profile.source if isinstance(profile, Profile) else profile, seed)
        clashes = sorted(set(preexisting) & {spec.path for spec in profile.specs})
        if clashes:
            raise SafetyError(f"{self.phone.serial}: seeding {profile.name!r} would overwrite "
                              f"{len(clashes)} file(s) that were already on the phone, e.g. {display(root + '/' + clashes[0])}; "
                              "wipe the earlier gallery first or seed another profile")
        if keep_originals is None:
            # Pushed straight from the cache's own tree: nothing on this computer is written or removed.
            manifest, files = generated_tree(profile, seed, cache=self.cache, progress=self.progress)
            self._push(files, manifest, root)
        else:
            # Kept originals are hard links to the cache's files, as generate() gives: the cache
            # notices a file changed in place by its size and time and makes it again.
            staging = Path(keep_originals)
            staging.mkdir(parents=True, exist_ok=True)
            manifest = generate(profile, seed, staging, cache=self.cache, progress=self.progress)
            self._push(staging, manifest, root)
            manifest.source_dir = str(staging.resolve())
        manifest.root, manifest.serial, manifest.preexisting = root, self.phone.serial, preexisting
        manifest.created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.seeded.append(manifest)
        self.check_landed(manifest)
        self._scan(manifest)
        self.wait_indexed(manifest)
        return manifest

    def _push(self, staging: Path, manifest: Manifest, root: str) -> None:
        bar = Progress(f"pushing {manifest.profile} to {self.phone.serial}", len(manifest.items)) \
            if self.progress else None
        pushed = 0

        def advance(done: int, total: int, path: str) -> None:
            nonlocal pushed
            if bar is not None:
                bar.advance(0, done - pushed)
            pushed = done

        # One sync session for the whole tree; files keep their host mtimes (the capture times).
        self.phone.push_tree(staging, root, progress=advance)
        if bar is not None:
            bar.advance(len(manifest.items), 0)

    def check_landed(self, manifest: Manifest) -> None:
        """Every item is on the phone with its size and capture time (one listing). Catches storage
        that folds case (two names that differ only in case become one file) or drops odd names."""
        listed = {item.path: item for item in self.phone.list_tree(manifest.root)}
        wrong = []
        for item in manifest.items:
            found = listed.get(manifest.device_path(item))
            if found is None or found.size != item.size or int(found.mtime) != int(item.mtime):
                wrong.append(item.path)
        if wrong:
            lowered = [path.lower() for path in (item.path for item in manifest.items)]
            hint = (" The phone's storage seems to ignore case in names (the profile has names that differ "
                    "only in case); seed a profile without such twins on this phone."
                    if any(lowered.count(path.lower()) > 1 for path in wrong) else "")
            raise PhoneError(f"{self.phone.serial}: {len(wrong)} seeded item(s) did not land as pushed "
                             f"(missing, other size or other time), e.g. {display(manifest.root + '/' + wrong[0])}.{hint}")

    def _scan(self, manifest: Manifest) -> None:
        self.scan([manifest.device_path(item) for item in manifest.items])

    def scan(self, paths: list[str]) -> None:
        """Ask MediaStore to look at `paths` (files added, changed or removed): one scan-file
        broadcast each, many to a shell call, or one scan of the volume when there are many."""
        if len(paths) > SCAN_ONE_BY_ONE_MAX:
            self.phone.media_scan(None)
            return
        for start in range(0, len(paths), SCAN_BATCH):
            self.phone.shell("; ".join(SCAN_FILE + shlex.quote("file://" + path)
                                       for path in paths[start:start + SCAN_BATCH]))

    def indexed_paths(self, root: str = ROOT) -> dict[str, dict[str, str]]:
        """MediaStore rows of images and videos by path relative to shared storage."""
        rows: dict[str, dict[str, str]] = {}
        for uri in COLLECTIONS.values():
            for row in self.phone.query_media(uri, ROW_COLUMNS):
                folder = row.get("relative_path", "").strip("/")
                name = row.get("_display_name", "")
                rows[f"{folder}/{name}" if folder else name] = row
        return rows

    def wait_indexed(self, manifest: Manifest) -> dict[str, dict[str, str]]:
        """Wait until MediaStore shows exactly the items that should be indexed (and none of the
        others); returns the rows by item path. Raises PhoneError naming what is missing or extra."""
        sizes = {item.path: str(item.size) for item in manifest.items if item.indexed and collection_of(item.path)}
        wanted = set(sizes)
        unwanted = {item.path for item in manifest.items if not item.indexed or not collection_of(item.path)}
        deadline = time.monotonic() + self.scan_timeout
        pauses = poll_pauses()
        while True:
            rows = self.indexed_paths(manifest.root)
            # A row counts once it describes the whole file: a scan that met a half-pushed file is stale.
            missing = {path for path in wanted if rows.get(path, {}).get("_size") != sizes[path]}
            extra = unwanted & rows.keys()
            if not missing and not extra:
                return {path: rows[path] for path in wanted}
            if time.monotonic() > deadline:
                problems = []
                if missing:
                    problems.append(f"{len(missing)} item(s) not indexed, e.g. {display(sorted(missing)[0])}")
                if extra:
                    problems.append(f"{len(extra)} item(s) indexed that should not be, e.g. {display(sorted(extra)[0])}")
                raise PhoneError(f"{self.phone.serial}: MediaStore does not match the seeded gallery after "
                                 f"{self.scan_timeout:.0f}s: {'; '.join(problems)}. Is the media provider "
                                 "running? Try `adb shell content query --uri content://media/external/images/media`")
            time.sleep(next(pauses))

    # -- wiping ----------------------------------------------------------------------------------
    def wipe(self, manifest: Manifest) -> WipeResult:
        """Remove the seeded files that still hold the seeded bytes, and their MediaStore rows (a scan
        of the removed paths). A file whose bytes changed is left alone and listed in `refused`.
        Folders stay: an empty folder may have been there before."""
        self.phone.require_wipe_allowed("wipe seeded media")
        result = WipeResult()
        by_path = {manifest.device_path(item): item for item in manifest.items}
        present = self.phone.hash_files(by_path)
        for path, item in by_path.items():
            digest = present.get(path)
            if digest is None:
                result.missing.append(path)
            elif digest != item.sha256:
                result.refused.append(path)
            else:
                result.removed.append(path)
        for path in result.refused:
            log.warning("%s: not wiping %s: its bytes changed since seeding (it may be the user's now)",
                        self.phone.serial, display(path))
        if result.removed:
            # The hashes prove these are the files we made, even when another process seeded them.
            self.phone.created.update(result.removed)
            self.phone.remove(result.removed)
            self.scan(result.removed)
        return result

    def wipe_seeded(self) -> list[WipeResult]:
        """Wipe everything this Gallery seeded (the `gallery` fixture's teardown). On real hardware
        without allow_wipe nothing is wiped here; the phone's own cleanup removes the files."""
        if self.phone.kind == "hardware" and not self.phone.allow_wipe:
            return []
        results = [self.wipe(manifest) for manifest in reversed(self.seeded)]
        self.seeded.clear()
        return results

    def wait_unindexed(self, manifest: Manifest, paths: list[str]) -> None:
        """Wait until MediaStore no longer lists `paths` (device paths) after a wipe."""
        relative = {posixpath.relpath(path, manifest.root) for path in paths}
        deadline = time.monotonic() + self.scan_timeout
        pauses = poll_pauses()
        while relative & self.indexed_paths(manifest.root).keys():
            if time.monotonic() > deadline:
                left = sorted(relative & self.indexed_paths(manifest.root).keys())
                raise PhoneError(f"{self.phone.serial}: MediaStore still lists {len(left)} wiped item(s), "
                                 f"e.g. {display(left[0])}")
            time.sleep(next(pauses))

