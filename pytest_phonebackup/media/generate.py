"""Make a whole profile on the host: every file in a folder tree mirroring /sdcard, mtimes set to
capture times, and the Manifest describing each item as read back from its bytes.
Not for putting files on a phone (gallery.py).
"""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from ..manifest import Manifest, MediaItem
from .cache import Cache, Facts, worth_caching
from .catalog import MediaSpec, Profile, load_profile
from .make import make, set_mtime
from .probe import probe, sha256_of


@dataclass
class Progress:
    """One status line for long work ('generating edge: 41/80 items, 412.3 MB'), redrawn in place on
    a terminal and printed every few seconds otherwise (CI logs)."""

    label: str
    total: int
    stream: TextIO | None = field(default_factory=lambda: sys.stderr)
    every: float = 2.0
    done: int = 0
    bytes: int = 0
    _last: float = 0.0
    _start: float = field(default_factory=time.monotonic)

    def advance(self, items: int = 1, nbytes: int = 0) -> None:
        self.done += items
        self.bytes += nbytes
        now = time.monotonic()
        if self.done >= self.total or now - self._last >= (0.2 if self._tty else self.every):
            self._last = now
            self._show(final=self.done >= self.total)

    @property
    def _tty(self) -> bool:
        return bool(self.stream and getattr(self.stream, "isatty", lambda: False)())

    def _show(self, final: bool) -> None:
        if self.stream is None:
            return
        elapsed = max(time.monotonic() - self._start, 1e-9)
        line = (f"{self.label}: {self.done}/{self.total} items, {self.bytes / 1e6:.1f} MB, "
                f"{self.bytes / 1e6 / elapsed:.1f} MB/s")
        if self._tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def generate(profile: Profile | str | Path, seed: int, out: str | Path, cache: Cache | None = None,
             progress: Progress | None | bool = True, link: bool = False) -> Manifest:
    """Write every item of `profile` (a Profile, built-in name or YAML path) under `out` and return
    the Manifest. `cache=None` uses the default cache folder; pass `Cache(dir)` to choose one.
    `link=True` hard-links cached files into `out` (a staging folder that is pushed and deleted)."""
    if not isinstance(profile, Profile):
        profile = load_profile(profile, seed)
    elif profile.seed != seed:
        profile = load_profile(profile.source, seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = cache if cache is not None else Cache()
    if progress is True:
        progress = Progress(f"generating {profile.name}", len(profile.specs))
    elif progress is False:
        progress = None
    by_id = {spec.id: spec for spec in profile.specs}
    made: dict[str, Facts] = {}
    items: dict[str, MediaItem] = {}
    # Originals first, so copies can be taken from them; the manifest keeps the profile's order.
    for spec in sorted(profile.specs, key=lambda s: s.copy_of is not None):
        dest = out / spec.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        if spec.copy_of:
            shutil.copyfile(out / by_id[spec.copy_of].path, dest)
            facts = made[spec.copy_of]
        else:
            facts = make_one(spec, dest, cache, link)
        set_mtime(dest, spec.mtime)
        made[spec.id] = facts
        items[spec.id] = manifest_item(spec, facts, profile)
        if progress:
            progress.advance(1, facts.size)
    return Manifest(profile=profile.name, seed=seed, items=[items[spec.id] for spec in profile.specs],
                    created=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def make_one(spec: MediaSpec, dest: Path, cache: Cache, link: bool = False) -> Facts:
    """Make (or fetch from the cache) one file; measure its size and hash (and a video's duration,
    which the encoder decides). Whether it decodes as specified is for probe.py to check."""
    cacheable = worth_caching(spec)
    if cacheable:
        facts = cache.fetch(spec, dest, link=link)
        if facts is not None:
            return facts
    make(spec, dest)
    duration = probe(dest).duration if spec.kind == "video" else None
    facts = Facts(size=dest.stat().st_size, sha256=sha256_of(dest), duration=duration)
    if cacheable:
        cache.store(spec, dest, facts)
    return facts


def manifest_item(spec: MediaSpec, facts: Facts, profile: Profile) -> MediaItem:
    """The item as the Manifest records it: size and hash measured, the rest as the spec demands."""
    return MediaItem(
        path=spec.path, kind=spec.kind, mime=spec.mime, size=facts.size, sha256=facts.sha256, mtime=spec.mtime,
        width=spec.width, height=spec.height, duration=facts.duration, format=spec.format,
        taken=spec.taken.isoformat() if spec.kind != "other" else None, metadata=spec.expected_metadata(),
        indexed=spec.indexed, limits=profile.policy.crossed(spec.kind, facts.size, spec.width, spec.height),
        tags=list(spec.tags), id=spec.id,
    )
