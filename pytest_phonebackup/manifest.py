"""The Manifest: what a seeded gallery is expected to hold, item by item. It crosses every
boundary (media -> seeding -> verification -> report) and has a JSON form, in which a name that is
not UTF-8 keeps its exact bytes in a `path_bytes` field (names.py). Not for making files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .android import SHARED_STORAGE
from .files import json_bytes, write_json
from .names import decode_names, encode_names

MANIFEST_VERSION = 1


@dataclass
class MediaItem:
    """One seeded file and everything the harness must be able to check about it."""

    path: str  # device path relative to shared storage, e.g. "DCIM/Camera/IMG_0001.jpg"
    kind: str  # "photo" | "video" | "other"
    mime: str  # what the content is (not what the name says), e.g. "image/jpeg"
    size: int  # bytes
    sha256: str
    mtime: float  # file modification time, epoch seconds (set to capture time)
    width: int | None = None
    height: int | None = None
    duration: float | None = None  # seconds, videos only
    format: str = ""  # container/codec family: jpeg, png, heic, webp, gif, tiff, dng, mp4, mov, 3gp, ...
    taken: str | None = None  # capture time, ISO 8601 with offset, e.g. "2024-05-01T10:00:00+02:00"
    metadata: dict[str, str] = field(default_factory=dict)  # EXIF/container fields by name
    indexed: bool = True  # MediaStore should list it after a scan (.nomedia, hidden, damaged: no)
    limits: list[str] = field(default_factory=list)  # reference-policy limits it crosses
    tags: list[str] = field(default_factory=list)  # edge-case labels, e.g. "bytes:75MB+1", "name:emoji"
    id: str = ""  # stable id within the profile

    @property
    def pixels(self) -> int | None:
        return self.width * self.height if self.width and self.height else None

    @property
    def min_side(self) -> int | None:
        return min(self.width, self.height) if self.width and self.height else None

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


@dataclass
class Manifest:
    """The expected state of a phone's gallery after seeding."""

    profile: str
    seed: int
    items: list[MediaItem] = field(default_factory=list)
    root: str = SHARED_STORAGE  # device folder the item paths are relative to
    serial: str = ""  # the phone it was seeded on (empty for `media generate`)
    created: str = ""  # ISO time of seeding
    preexisting: list[str] = field(default_factory=list)  # files on the phone before seeding (never extras, never wiped)
    source_dir: str = ""  # host folder holding the generated files by item path (for diagnosis of differences)
    version: int = MANIFEST_VERSION

    def device_path(self, item: MediaItem) -> str:
        return f"{self.root.rstrip('/')}/{item.path}"

    @property
    def total_bytes(self) -> int:
        return sum(i.size for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: names that are not UTF-8 as text plus their bytes (see names.encode_names)."""
        # Fields one level deep: encode_names copies every dict and list anyway, so the deep copy
        # dataclasses.asdict makes of ten thousand items would be made twice.
        data = _fields(self)
        data["items"] = [_fields(item) for item in self.items]
        encoded: dict[str, Any] = encode_names(data)
        return encoded

    def to_json(self) -> str:
        return json_bytes(self.to_dict()).decode()

    def save(self, path: str | Path) -> Path:
        """Write the JSON form atomically: a failed save leaves an earlier manifest at `path` as it was."""
        return write_json(path, self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object with profile, seed and items, not {type(data).__name__}")
        data = decode_names(data)
        if data.get("version", MANIFEST_VERSION) != MANIFEST_VERSION:
            raise ValueError(f"manifest version {data.get('version')} is not supported (expected {MANIFEST_VERSION})")
        items = [MediaItem(**item) for item in data.get("items", [])]
        rest = {k: v for k, v in data.items() if k != "items"}
        return cls(items=items, **rest)

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
            raise ValueError(f"cannot read manifest {path}: {exc}; give the manifest.json that "
                             "`phonebackup media seed --manifest` or `media generate` wrote") from None


def _fields(obj: Any) -> dict[str, Any]:
    """A dataclass's fields by name, in order, values as they are."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}
