"""The generation cache on the host: whole generated trees by (profile, seed, generator code)
(trees.py), and files that are slow to encode (big pictures, videos, HEIC) by content key, so a
profile that changed a little copies them instead of encoding again. Not for files on a phone.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from ..files import json_bytes
from .catalog import MediaSpec
from .trees import LINK_REFUSED, Trees

# Below this many encoded pixels (all frames) a file is made faster than it is copied and checked.
CACHE_MIN_PIXELS = 1_000_000
# Padded files up to this size are kept (75 MB photos); bigger ones are mostly a hole in the file
# that a copy would fill, so they are made again (padding costs nothing, the small encode little).
CACHE_MAX_PADDED_BYTES = 256 * 1000**2


def default_cache_dir() -> Path:
    """$PHONEBACKUP_MEDIA_CACHE, else $XDG_CACHE_HOME/pytest-phonebackup/media (~/.cache/...)."""
    if os.environ.get("PHONEBACKUP_MEDIA_CACHE"):
        return Path(os.environ["PHONEBACKUP_MEDIA_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "pytest-phonebackup" / "media"


def worth_caching(spec: MediaSpec) -> bool:
    if spec.format in ("empty", "text"):
        return False
    if spec.bytes is not None:
        return spec.bytes <= CACHE_MAX_PADDED_BYTES
    if spec.format == "heic" or spec.kind == "video":
        return True  # x265, x264 and AAC cost far more than a copy, even for small files
    frames = spec.frames if spec.format == "gif" else 1
    return (spec.width or 0) * (spec.height or 0) * frames >= CACHE_MIN_PIXELS


@dataclass
class Facts:
    """What generation measured about a made file (the rest of its description is in its spec)."""

    size: int
    sha256: str
    duration: float | None = None


class Cache:
    """Files by content key in `root/<key[:2]>/<key>`, with their Facts beside them as JSON, and
    whole trees in `root/trees/` (`self.trees`)."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.hits = 0
        self.misses = 0
        self.trees = Trees(self.root)  # whole generated trees by (profile, seed, generator code)

    def _entry(self, spec: MediaSpec) -> tuple[Path, Path]:
        key = spec.content_key()
        folder = self.root / key[:2]
        return folder / key, folder / f"{key}.json"

    def fetch(self, spec: MediaSpec, dest: Path) -> Facts | None:
        """Copy the cached file to `dest` and return its recorded facts, or None on a miss (or an
        entry whose size or time changed since it was stored). Always a copy: the tree it goes into
        is hard-linked to callers, who must not reach this file."""
        data, facts_file = self._entry(spec)
        try:
            recorded = json.loads(facts_file.read_text(encoding="utf-8"))
            stored_ns = recorded.pop("mtime_ns")
            facts = Facts(**recorded)
            found = data.stat()
            if found.st_size != facts.size or found.st_mtime_ns != stored_ns:
                raise ValueError("the file changed after it was stored")
        except (OSError, ValueError, TypeError, KeyError):
            self.misses += 1
            return None
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data, dest)
        self.hits += 1
        return facts

    def store(self, spec: MediaSpec, made: Path, facts: Facts) -> None:
        """Keep a freshly made file (its time already set): a hard link to it where the file system
        allows (the file is in a tree being built, which is never edited in place), else a copy.
        Linked or copied under a temporary name and renamed, so parallel runs (xdist workers) never
        see half a file. A lost entry only costs a new encode, so nothing is fsynced."""
        data, facts_file = self._entry(spec)
        data.parent.mkdir(parents=True, exist_ok=True)
        tmp = data.with_name(f".{data.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            try:
                os.link(made, tmp)
            except OSError as exc:
                if exc.errno not in LINK_REFUSED:
                    raise
                shutil.copyfile(made, tmp)
                os.utime(tmp, ns=(made.stat().st_atime_ns, made.stat().st_mtime_ns))
            os.replace(tmp, data)
            record = dict(asdict(facts), mtime_ns=data.stat().st_mtime_ns)
            facts_tmp = facts_file.with_name(f".{facts_file.name}.{uuid.uuid4().hex[:8]}.tmp")
            facts_tmp.write_bytes(json_bytes(record, indented=False))
            os.replace(facts_tmp, facts_file)
        finally:
            tmp.unlink(missing_ok=True)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
