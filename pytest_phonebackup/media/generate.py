"""Make a whole profile on the host: every file in a folder tree mirroring /sdcard, mtimes set to
capture times, and the Manifest describing each item as read back from its bytes.
Not for putting files on a phone (gallery.py).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.context
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from ..manifest import Manifest, MediaItem
from .cache import Cache, Facts, worth_caching
from .catalog import MediaSpec, Profile, load_profile
from .make import make, render, set_mtime
from .probe import probe, sha256_of
from .trees import FILES, tree_key

THREADS = min(4, os.cpu_count() or 1)
BIG_THREADS = 2  # big files made at once: each holds a picture strip or a video encoder
SMALL_PIXELS = 1_000_000  # pictures up to this size are made in parallel (a few MB of memory each)
PROCESSES_FROM = 500  # small files from which worker processes make them (starting them costs ~0.3 s)
MAX_PROCESSES = 4
BATCH = 100  # small files a worker makes per task


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
             progress: Progress | None | bool = True, link: bool = True) -> Manifest:
    """Write every item of `profile` (a Profile, built-in name or YAML path) under `out` and return
    the Manifest. `cache=None` uses the default cache folder; pass `Cache(dir)` to choose one.

    A tree made once for (profile, seed) is kept in the cache and put back by hard links: such files
    share their bytes and times with the cache, so replace one (write a new file, rename it over)
    rather than edit or retime it in place, or pass `link=False` for private copies."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = cache if cache is not None else Cache()
    with _cached_tree(profile, seed, cache, progress) as (key, manifest):
        cache.trees.materialise(key, manifest, out, link=link)
    return manifest


def generated_tree(profile: Profile | str | Path, seed: int, cache: Cache | None = None,
                   progress: Progress | None | bool = True) -> tuple[Manifest, Path]:
    """The Manifest of `profile` and the cache's own folder of its files, made first if needed: for
    readers that only copy the tree elsewhere (a push to a phone), with no hard links to make and
    remove. Never change a file in it."""
    cache = cache if cache is not None else Cache()
    with _cached_tree(profile, seed, cache, progress) as (key, manifest):
        return manifest, cache.trees.entry(key) / FILES


@contextmanager
def _cached_tree(profile: Profile | str | Path, seed: int, cache: Cache,
                 progress: Progress | None | bool) -> Iterator[tuple[str, Manifest]]:
    """The tree's key and Manifest, with the key's lock held: made now unless the cache has it."""
    if isinstance(profile, Profile) and profile.seed != seed:
        profile = load_profile(profile.source, seed)
    key = tree_key(profile, seed)
    with cache.trees.lock(key):
        manifest = cache.trees.load(key)
        if manifest is None:
            if not isinstance(profile, Profile):
                profile = load_profile(profile, seed)
            bar = Progress(f"generating {profile.name}", len(profile.specs)) if progress is True else progress or None
            with cache.trees.building(key) as files:
                manifest = make_tree(profile, seed, files, cache, bar)
                cache.trees.finish(key, files, manifest)
        elif progress:
            bar = Progress(f"generating {manifest.profile}", len(manifest.items)) if progress is True else progress
            bar.advance(len(manifest.items), manifest.total_bytes)
        manifest.created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        yield key, manifest


def make_tree(profile: Profile, seed: int, out: Path, cache: Cache, progress: Progress | None) -> Manifest:
    """Make every item of `profile` under `out` (files slow to encode come from the cache)."""
    by_id = {spec.id: spec for spec in profile.specs}
    made: dict[str, Facts] = {}
    for folder in sorted({os.path.dirname(spec.path) for spec in profile.specs}):
        (out / folder).mkdir(parents=True, exist_ok=True)
    # Small pictures are made in parallel, in memory; big or cached ones two at a time (their encoders,
    # hashing and copying release the GIL; memory stays bounded); copies last, once their originals exist.
    small = [spec for spec in profile.specs if not spec.copy_of and not worth_caching(spec)
             and (spec.width or 0) * (spec.height or 0) <= SMALL_PIXELS]
    chosen = {spec.id for spec in small}
    big = [spec for spec in profile.specs if spec.id not in chosen and not spec.copy_of]
    copies = [spec for spec in profile.specs if spec.copy_of]
    for spec, facts in make_many(small, out):
        made[spec.id] = facts
        if progress:
            progress.advance(1, facts.size)
    with ThreadPoolExecutor(BIG_THREADS) as pool:
        for spec, facts in zip(big, pool.map(lambda spec: make_one(spec, out / spec.path, cache), big), strict=True):
            made[spec.id] = facts
            if progress:
                progress.advance(1, facts.size)
    for spec in copies:
        original = spec.copy_of or ""
        dest = out / spec.path
        shutil.copyfile(out / by_id[original].path, dest)
        set_mtime(dest, spec.mtime)
        made[spec.id] = made[original]
        if progress:
            progress.advance(1, made[spec.id].size)
    items = [manifest_item(spec, made[spec.id], profile) for spec in profile.specs]
    return Manifest(profile=profile.name, seed=seed, items=items)


def make_many(specs: list[MediaSpec], out: Path) -> Iterator[tuple[MediaSpec, Facts]]:
    """Make small files in batches: by worker processes when there are many (encoding them is
    Python and Pillow work that threads share one interpreter for), else by threads."""
    batches = [specs[start:start + BATCH] for start in range(0, len(specs), BATCH)]
    processes = min(os.cpu_count() or 1, MAX_PROCESSES)
    encoded = sum(spec.encoding != "shared" for spec in specs)  # shared JPEGs cost no encode
    executor: Executor = (ProcessPoolExecutor(processes, mp_context=_start_method())
                          if encoded >= PROCESSES_FROM and processes > 1 else ThreadPoolExecutor(THREADS))
    with executor:
        for batch, facts in zip(batches, executor.map(make_batch, [str(out)] * len(batches), batches), strict=True):
            yield from zip(batch, facts, strict=True)


def _start_method() -> multiprocessing.context.BaseContext:
    """fork when this process runs no other thread (fast, nothing to import again), else a fork
    server: forking a process whose other threads may hold locks is not safe."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def make_batch(out: str, specs: list[MediaSpec]) -> list[Facts]:
    return [make_small(spec, Path(out, spec.path)) for spec in specs]


def make_small(spec: MediaSpec, dest: Path) -> Facts:
    """Make a small file, hashed from memory when it is made in memory; its time set."""
    data = render(spec)
    if data is None:
        make(spec, dest)
        facts = Facts(size=dest.stat().st_size, sha256=sha256_of(dest))
    else:
        with open(dest, "wb") as file:
            file.write(data)
        facts = Facts(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    set_mtime(dest, spec.mtime)
    return facts


def make_one(spec: MediaSpec, dest: Path, cache: Cache) -> Facts:
    """Make (or fetch from the cache) one file with its time set; measure its size and hash (and a
    video's duration, which the encoder decides). Whether it decodes as specified is for probe.py to check."""
    cacheable = worth_caching(spec)
    if cacheable:
        facts = cache.fetch(spec, dest)
        if facts is not None:
            set_mtime(dest, spec.mtime)
            return facts
    make(spec, dest)
    set_mtime(dest, spec.mtime)
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
