"""Pairing seeded items with the files found on the phone after a restore, without touching the phone:
same bytes at the same path, then same bytes elsewhere (restores rename and move files), then copies,
then same path with other bytes; pairing by pixels takes the distance function it is given.
Not for saying what a pair means (judging.py).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from ..manifest import MediaItem

Picture = TypeVar("Picture")


@dataclass
class Found:
    """A regular file on the phone after restore."""

    rel: str
    size: int
    mtime: float
    sha256: str | None = None


@dataclass
class Pairing:
    """How the seeded items and the found files pair up, before any judging."""

    same_bytes: list[tuple[MediaItem, Found]] = field(default_factory=list)  # in item order
    copies: list[tuple[MediaItem, Found]] = field(default_factory=list)  # extra copies of seeded bytes
    same_path: list[tuple[MediaItem, Found]] = field(default_factory=list)  # same path, other bytes
    unmatched: list[MediaItem] = field(default_factory=list)  # no file yet (in item order)
    unclaimed: set[str] = field(default_factory=set)  # found files no item took

    def claim(self, item: MediaItem, rel: str) -> None:
        """Record a later pairing (e.g. by pixels): the item is matched, the file taken."""
        self.unclaimed.discard(rel)
        self.unmatched = [other for other in self.unmatched if other.path != item.path]


def pair_by_content(items: list[MediaItem], found: dict[str, Found]) -> Pairing:
    """Pair items with found files by hash and path; `found` maps paths relative to the root to files."""
    by_hash: dict[str, list[str]] = defaultdict(list)
    for rel, f in found.items():
        if f.sha256:
            by_hash[f.sha256].append(rel)
    unclaimed = set(found)
    matched: dict[str, str] = {}  # item path -> found rel

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
    pairing = Pairing(same_bytes=[(item, found[matched[item.path]]) for item in items if item.path in matched])
    # 3. extra copies of seeded bytes
    seeded_hashes = {item.sha256: item for item in items}
    for rel in sorted(unclaimed):
        f = found[rel]
        if f.sha256 is not None and f.sha256 in seeded_hashes:
            unclaimed.discard(rel)
            pairing.copies.append((seeded_hashes[f.sha256], f))
    # 4. same path, other bytes
    for item in items:
        if item.path in matched or item.path not in unclaimed:
            continue
        claim(item, item.path)
        pairing.same_path.append((item, found[item.path]))
    pairing.unmatched = [item for item in items if item.path not in matched]
    pairing.unclaimed = unclaimed
    return pairing


def pair_by_pixels(items: Iterable[tuple[MediaItem, Picture]], candidates: dict[str, Picture],
                   distance: Callable[[Picture, Picture], float | None],
                   max_distance: float) -> list[tuple[MediaItem, str]]:
    """Pair each item's picture with the nearest unused candidate within `max_distance` (of equally near
    ones, the last in `candidates` order); items without a close enough candidate stay unpaired."""
    pairs: list[tuple[MediaItem, str]] = []
    taken: set[str] = set()
    for item, original in items:
        best, best_distance = None, max_distance
        for rel, picture in candidates.items():
            if rel in taken:
                continue
            d = distance(original, picture)
            if d is not None and d <= best_distance:
                best, best_distance = rel, d
        if best is not None:
            taken.add(best)
            pairs.append((item, best))
    return pairs
