"""Whole generated trees in the cache: every file of a (profile, seed) with its manifest, kept under
a key of the profile's content, the seed and the generator's code, and put back into a new folder by
hard links (copies across file systems). Not for single files (cache.py) nor for making them (generate.py).
"""

from __future__ import annotations

import errno
import functools
import gc
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from importlib import metadata
from pathlib import Path

from filelock import FileLock

from ..manifest import Manifest, MediaItem
from .catalog import Profile, profile_text, text_digest

ENTRY_FILE = "entry.json"  # written last: a folder without it is a build that did not finish
FILES = "files"
STALE_SECONDS = 7 * 86400  # trees made by other generator code are removed after a week unused
LINK_REFUSED = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES)
# The code and libraries whose changes change the bytes or the manifest of a generated tree.
SOURCES = ("media/catalog.py", "media/make.py", "media/generate.py", "media/cache.py", "media/trees.py",
           "manifest.py", "policy.py", "units.py", "names.py")
LIBRARIES = ("pillow", "pillow-heif", "av", "numpy", "pyyaml")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the generator's source and the encoder libraries' versions."""
    from .make import GENERATOR_VERSION

    digest = hashlib.sha256(f"generator {GENERATOR_VERSION}\n".encode())
    package = Path(__file__).resolve().parents[1]
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes() + b"\0")
    for library in LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{library} {version}\n".encode())
    return digest.hexdigest()


def tree_key(profile: Profile | str | Path, seed: int) -> str:
    """The key of a generated tree. A profile given by name or path is keyed by its YAML text (no
    need to expand ten thousand items to find a hit), and so is a Profile object still as loaded;
    one whose items were changed after loading is keyed by its items as they are now."""
    digest = hashlib.sha256(f"{code_digest()}\nseed {seed}\n".encode())
    if not isinstance(profile, Profile):
        digest.update(b"yaml " + text_digest(profile_text(profile)).encode())
    elif profile.as_loaded:
        digest.update(b"yaml " + profile.text_digest.encode())
    else:
        digest.update(b"items " + profile.fingerprint().encode())
    return digest.hexdigest()


def mtime_ns(mtime: float) -> int:
    """The file time set_mtime gives a file with manifest time `mtime`."""
    return round(mtime * 1_000_000) * 1000


class Trees:
    """Trees in `root/<code digest[:16]>/<key>/` (`files/` and `entry.json`), one lock file per key,
    so xdist workers asking for the same profile make it once."""

    def __init__(self, root: Path):
        self.root = root / "trees"
        self.folder = self.root / code_digest()[:16]
        self.hits = 0
        self.misses = 0

    def entry(self, key: str) -> Path:
        return self.folder / key

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.folder / f"{key}.lock")):
            yield

    def load(self, key: str) -> Manifest | None:
        """The cached tree's manifest when every file is there with its size and time, else None
        (and a damaged entry is removed). Call with the key's lock held."""
        entry = self.entry(key)
        try:
            manifest = _read_manifest(entry / ENTRY_FILE, key)
            files = f"{entry / FILES}/"
            for item in manifest.items:
                found = os.stat(files + item.path)
                if found.st_size != item.size or found.st_mtime_ns != mtime_ns(item.mtime):
                    raise ValueError(f"{item.path} was changed")
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            if entry.exists():
                self.discard(key)
            self.misses += 1
            return None
        self.hits += 1
        os.utime(self.folder, None)  # this generation of trees is in use
        return manifest

    @contextmanager
    def building(self, key: str) -> Iterator[Path]:
        """A fresh folder to generate into; on success its manifest is written by `finish` and the
        folder renamed into place in one step, on failure it is removed. Call with the lock held."""
        for stale in self.folder.glob(f".building-{key}-*"):  # a build that crashed
            shutil.rmtree(stale, ignore_errors=True)
        building = self.folder / f".building-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        (building / FILES).mkdir(parents=True)
        try:
            yield building / FILES
        finally:
            shutil.rmtree(building, ignore_errors=True)

    def finish(self, key: str, files: Path, manifest: Manifest) -> None:
        """Record the manifest of a tree made in `building` and move it into place."""
        building = files.parent
        (building / ENTRY_FILE).write_text(_entry_json(key, manifest), encoding="ascii")
        self.discard(key)
        os.rename(building, self.entry(key))
        self._remove_stale_generations()

    def discard(self, key: str) -> None:
        entry = self.entry(key)
        if entry.exists():
            trash = self.folder / f".discarded-{key}-{uuid.uuid4().hex[:8]}"
            os.rename(entry, trash)
            shutil.rmtree(trash, ignore_errors=True)

    def _remove_stale_generations(self) -> None:
        now = time.time()
        for other in self.root.iterdir():
            if other != self.folder and other.is_dir() and now - other.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(other, ignore_errors=True)

    def materialise(self, key: str, manifest: Manifest, out: Path, link: bool = True) -> None:
        """Put every file of the tree under `out` with its time: hard links when `link` and the file
        system allows, else copies (holes in padded files stay holes)."""
        files, into = f"{self.entry(key) / FILES}/", f"{out}/"
        made: set[str] = set()
        for item in manifest.items:
            path = item.path
            folder = path.rpartition("/")[0]
            if folder not in made:
                os.makedirs(into + folder, exist_ok=True)
                made.add(folder)
            source, dest = files + path, into + path
            if link:
                try:
                    _link(source, dest)
                    continue
                except OSError as exc:
                    if exc.errno not in LINK_REFUSED:
                        raise
                    link = False  # another file system: copy this and the rest
            copy_file(source, dest)
            os.utime(dest, ns=(mtime_ns(item.mtime),) * 2)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _entry_json(key: str, manifest: Manifest) -> str:
    """The entry's record: the manifest with its items as rows of field values. ASCII JSON keeps
    names that are not UTF-8 exactly (as \\udcXX escapes)."""
    names = [f.name for f in fields(MediaItem)]
    rest = {f.name: getattr(manifest, f.name) for f in fields(Manifest) if f.name != "items"}
    rows = [[getattr(item, name) for name in names] for item in manifest.items]
    return json.dumps({"key": key, "manifest": rest, "fields": names, "items": rows}, ensure_ascii=True)


def _read_manifest(path: Path, key: str) -> Manifest:
    with _no_gc():  # tens of thousands of new objects, none in a cycle: collecting meanwhile doubles the time
        data = json.loads(path.read_text(encoding="ascii"))
        if data.get("key") != key or data.get("fields") != [f.name for f in fields(MediaItem)]:
            raise ValueError("the entry is of another key or another manifest form")
        return Manifest(items=[MediaItem(*row) for row in data["items"]], **data["manifest"])


@contextmanager
def _no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _link(source: str, dest: str) -> None:
    try:
        os.link(source, dest)
    except FileExistsError:
        os.unlink(dest)
        os.link(source, dest)


def copy_file(source: str | Path, dest: str | Path) -> None:
    """Copy `source` to a new file at `dest`; a sparse file's holes are skipped, not written out."""
    if os.path.lexists(dest):
        os.unlink(dest)
    found = os.stat(source)
    if found.st_blocks * 512 >= found.st_size or not hasattr(os, "SEEK_DATA"):
        shutil.copyfile(source, dest)
        return
    with open(source, "rb") as src, open(dest, "wb") as out:
        position = 0
        while position < found.st_size:
            try:
                start = os.lseek(src.fileno(), position, os.SEEK_DATA)
            except OSError as exc:  # ENXIO: only a hole is left
                if exc.errno == errno.ENXIO:
                    break
                raise
            end = os.lseek(src.fileno(), start, os.SEEK_HOLE)
            src.seek(start)
            out.seek(start)
            remaining = end - start
            while remaining:
                block = src.read(min(remaining, 1 << 20))
                out.write(block)
                remaining -= len(block)
            position = end
        out.truncate(found.st_size)
