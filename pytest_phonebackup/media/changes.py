"""Changing a seeded gallery between two backups, as a phone's owner does: new photos, deletions,
edits in place that keep the size (one keeping its file time too, as careless editors do), edits
that change it, a new file time only, a rename and a move. Deterministic: the items are chosen by
path from the plain photos and videos, covering both kinds. Not for verifying (verification/).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import write_json
from ..manifest import Manifest, MediaItem
from .gallery import Gallery
from .probe import sha256_of

LATER = 86400  # seconds: a changed item's new file time, one day after its capture time
EDIT_BYTES = 64  # bytes an in-place edit rewrites, in the middle of the file
GROWTH = 4096  # bytes an edit that changes the size appends

# Each role takes one item, preferring this kind; the deletions take a photo and a video.
ROLES = (("deleted", "photo"), ("deleted", "video"), ("edited", "photo"), ("edited_keeping_time", "video"),
         ("resized", "photo"), ("touched", "photo"), ("renamed", "photo"), ("moved", "video"))
ADDED = (("photo", "DCIM/Camera/IMG_added_{n:02d}{ext}"), ("video", "DCIM/Camera/VID_added_{n:02d}{ext}"))
MOVED_TO = "Pictures/Moved"


@dataclass
class GalleryChange:
    """What changed between the two backups, by path relative to the manifest root; `before` holds
    the first backup's version of every item changed, deleted, renamed or moved, by its old path."""

    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)  # other bytes, same size, new file time
    edited_keeping_time: list[str] = field(default_factory=list)  # other bytes, same size, same file time
    resized: list[str] = field(default_factory=list)  # other bytes, other size
    touched: list[str] = field(default_factory=list)  # same bytes, new file time
    renamed: dict[str, str] = field(default_factory=dict)  # old path -> new path, same folder
    moved: dict[str, str] = field(default_factory=dict)  # old path -> new path, other folder
    before: dict[str, MediaItem] = field(default_factory=dict)

    @property
    def changed_in_place(self) -> list[str]:
        """Paths that hold other bytes or another file time than at the first backup."""
        return self.edited + self.edited_keeping_time + self.resized + self.touched

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["before"] = {path: {"sha256": item.sha256, "size": item.size, "mtime": item.mtime}
                          for path, item in self.before.items()}
        return data

    def save(self, path: str | Path) -> Path:
        return write_json(path, self.to_dict())


def choose(manifest: Manifest) -> dict[str, list[MediaItem]]:
    """The items each role changes, by path order among plain items (no limit crossed, indexed, not
    damaged or hidden), a photo or a video as ROLES prefers when the gallery has one. A gallery with
    fewer plain items than ROLES gets the first roles only (see changes.json)."""
    plain = [item for item in sorted(manifest.items, key=lambda i: i.path)
             if item.kind in ("photo", "video") and item.indexed and not item.limits and item.size >= 4096
             and not any(t.startswith("damaged") for t in item.tags) and "/." not in "/" + item.path]
    if not plain:
        raise ValueError(f"profile {manifest.profile!r} has no plain photos or videos to change between backups; "
                         "use smoke or edge")
    chosen: dict[str, list[MediaItem]] = {}
    used: set[str] = set()
    for role, kind in ROLES[:len(plain)]:  # a small gallery gets the first changes only
        pick = next((i for i in plain if i.kind == kind and i.path not in used), None) \
            or next(i for i in plain if i.path not in used)
        used.add(pick.path)
        chosen.setdefault(role, []).append(pick)
    return chosen


def change_gallery(gallery: Gallery, manifest: Manifest, workdir: Path) -> tuple[Manifest, GalleryChange]:
    """Apply the changes on the phone; returns the manifest of the changed gallery and what changed.
    Changed files are written to the manifest's originals folder (or `workdir`/changed) and pushed."""
    phone = gallery.phone
    chosen = choose(manifest)
    originals = Path(manifest.source_dir) if manifest.source_dir else workdir / "changed"
    change = GalleryChange()
    items = {item.path: item for item in manifest.items}
    pushed: list[MediaItem] = []
    gone: list[MediaItem] = []

    def local(item: MediaItem) -> Path:
        path = originals / item.path
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            phone.pull(manifest.device_path(item), path)
        return own_copy(path)

    def rewrite(item: MediaItem, path: Path, mtime: float) -> MediaItem:
        os.utime(path, (mtime, mtime))
        new = dataclasses.replace(item, size=path.stat().st_size, sha256=sha256_of(path), mtime=mtime)
        items[new.path] = new
        pushed.append(new)
        return new

    for role, victims in chosen.items():
        for item in victims:
            change.before[item.path] = item
            path = local(item)
            if role == "deleted":
                change.deleted.append(item.path)
                gone.append(item)
                del items[item.path]
                path.unlink()
            elif role in ("edited", "edited_keeping_time"):
                _edit_in_place(path)
                getattr(change, role).append(item.path)
                rewrite(item, path, item.mtime if role == "edited_keeping_time" else int(item.mtime) + LATER)
            elif role == "resized":
                with path.open("ab") as f:
                    f.write(hashlib.sha256(item.sha256.encode()).digest() * (GROWTH // 32))
                change.resized.append(item.path)
                rewrite(item, path, int(item.mtime) + LATER)
            elif role == "touched":
                change.touched.append(item.path)
                rewrite(item, path, int(item.mtime) + LATER)
            else:
                stem, ext = os.path.splitext(item.name)
                new_path = (f"{item.folder}/{stem}_renamed{ext}" if role == "renamed"
                            else f"{MOVED_TO}/{item.name}").lstrip("/")
                getattr(change, role)[item.path] = new_path
                target = originals / new_path
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
                del items[item.path]
                gone.append(item)
                rewrite(dataclasses.replace(item, path=new_path), target, item.mtime)
    for n, (kind, pattern) in enumerate(ADDED, 1):
        template = next((i for i in sorted(items.values(), key=lambda i: i.path) if i.kind == kind
                         and i.indexed and not i.limits and i.size >= 4096 and i.path not in change.added), None)
        if template is None:
            continue
        new_path = pattern.format(n=n, ext=os.path.splitext(template.name)[1])
        target = originals / new_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local(template), target)
        with target.open("ab") as f:
            f.write(hashlib.sha256(new_path.encode()).digest() * (GROWTH // 32))
        change.added.append(new_path)
        rewrite(dataclasses.replace(template, path=new_path, id=f"added-{n}"), target, int(template.mtime) + LATER)
    for item in pushed:
        phone.push(originals / item.path, manifest.device_path(item))
    if gone:
        gallery.wipe(dataclasses.replace(manifest, items=gone))
    changed = dataclasses.replace(manifest, items=sorted(items.values(), key=lambda i: i.path),
                                  source_dir=str(originals) if manifest.source_dir else "")
    gallery.check_landed(changed)
    gallery.scan([changed.device_path(item) for item in pushed])
    gallery.wait_indexed(changed)
    return changed, change


def own_copy(path: Path) -> Path:
    """Give `path` a file of its own (same bytes and time) when it shares them with other names: the
    originals may be hard links into the generation cache, which an edit or a new time would change."""
    if path.stat().st_nlink > 1:
        fresh = path.with_name(f".own-{os.getpid()}")  # short: the name itself may be 255 bytes
        shutil.copy2(path, fresh)
        os.replace(fresh, path)
    return path


def _edit_in_place(path: Path) -> None:
    """Rewrite EDIT_BYTES bytes in the middle of a file, keeping its size."""
    with path.open("r+b") as f:
        f.seek(path.stat().st_size // 2)
        data = f.read(EDIT_BYTES)
        f.seek(-len(data), os.SEEK_CUR)
        f.write(bytes(b ^ 0x5A for b in data))

