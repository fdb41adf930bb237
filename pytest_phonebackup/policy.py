"""Policy: what a backup app promises — the items it does not back up (limits) and what a restore must
give back (preserves) — read from the `policy:` mapping of a scenario YAML, plus the reference cloud-photos
policy. Not for driving apps (apps/) or for judging a restore (verification/).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ScenarioError, did_you_mean
from .manifest import MediaItem
from .units import parse_duration, parse_pixels, parse_size
from .yamlfile import unknown_key
from .yamlfile import where as at

#: EXIF / container fields a faithful backup keeps, by the names probe.py reports.
DEFAULT_EXIF_FIELDS = ["DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal", "GPSLatitude", "GPSLongitude",
                       "Make", "Model", "Orientation"]

# The source material's Google-Photos-like figures (decimal units: 75 MB = 75,000,000 bytes).
REFERENCE_MAX_PHOTO_BYTES = parse_size("75MB")
REFERENCE_MAX_PHOTO_PIXELS = parse_pixels("100MP")
REFERENCE_MAX_VIDEO_BYTES = parse_size("10GB")
REFERENCE_MIN_SIDE = parse_pixels("256px")


@dataclass
class Limits:
    """Items a backup app promises not to back up (None = no limit)."""

    max_photo_bytes: int | None = None  # photos strictly larger are skipped
    max_photo_pixels: int | None = None  # photos with more pixels are skipped
    max_video_bytes: int | None = None
    min_side: int | None = None  # images whose shorter side is below this are ignored
    formats: list[str] | None = None  # formats it backs up (None = all); others are skipped
    skips_damaged: bool = False  # files that do not decode are skipped (cloud apps), or kept (file tools)
    scope: str = "all"  # "all" = every file in the folders; "mediastore" = only what MediaStore indexes
    folders: list[str] | None = None  # folders (relative to /sdcard) it backs up; None = all
    keeps_identical_once: bool = False  # identical bytes at two paths are kept once (clouds dedupe by content)


@dataclass
class Preserves:
    """What a restore must give back for an item to count as intact."""

    content: str = "bytes"  # "bytes" (identical files) or "pixels" (recompression allowed)
    exif: list[str] = field(default_factory=lambda: list(DEFAULT_EXIF_FIELDS))
    capture_time: bool = True
    file_time: bool = True
    folder: bool = True
    name: bool = True


@dataclass
class Policy:
    """What a backup app promises: its limits and what it preserves."""

    limits: Limits = field(default_factory=Limits)
    preserves: Preserves = field(default_factory=Preserves)
    needs_wifi: bool = False
    time_tolerance: float = 2.0  # seconds; FAT-style tools round to 2 s
    allow_duplicates: bool = False
    allow_extras: bool = False
    incremental: bool = False  # a second backup into the same folder brings it up to date
    deletions: str = "propagate"  # "propagate": items deleted between backups stay gone; "keep": they may return

    def skip_reason(self, item: MediaItem) -> str | None:
        """Why this policy says the item is not backed up, or None if it must come back."""
        lim = self.limits
        if lim.folders is not None and not any(item.path == f or item.path.startswith(f.rstrip("/") + "/")
                                               for f in lim.folders):
            return f"outside the backed-up folders ({', '.join(lim.folders)})"
        if lim.scope == "mediastore" and not item.indexed:
            return "not in MediaStore (hidden, .nomedia or not media), and the app backs up MediaStore only"
        if lim.skips_damaged and ("damaged" in item.limits or any(t.startswith("damaged") for t in item.tags)):
            return "damaged file, and the app skips files it cannot decode"
        if lim.formats is not None and item.format and item.format not in lim.formats:
            return f"format {item.format} is not backed up"
        if item.kind == "photo":
            if lim.max_photo_bytes is not None and item.size > lim.max_photo_bytes:
                return f"photo of {item.size:,} bytes is over the {lim.max_photo_bytes:,}-byte limit"
            pixels = item.pixels or 0
            if lim.max_photo_pixels is not None and pixels > lim.max_photo_pixels:
                return f"photo of {pixels:,} pixels is over the {lim.max_photo_pixels:,}-pixel limit"
        if item.kind == "video" and lim.max_video_bytes is not None and item.size > lim.max_video_bytes:
            return f"video of {item.size:,} bytes is over the {lim.max_video_bytes:,}-byte limit"
        if item.kind == "photo" and lim.min_side is not None and item.min_side is not None \
                and item.min_side < lim.min_side:
            return f"image of {item.width}x{item.height} is under the {lim.min_side}-pixel minimum side"
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, where: str = "policy") -> Policy:
        """Build from the `policy:` mapping of a scenario. `where` names the mapping in messages; when it
        was read by yamlfile, each error also names the file, line and column of the offending key."""
        data = data or {}
        try:
            limits_in = _section(data, "limits", where)
            preserves_in = _section(data, "preserves", where)
            for node, allowed, label in ((data, POLICY_KEYS, where), (limits_in, LIMIT_KEYS, f"{where}.limits"),
                                         (preserves_in, PRESERVE_KEYS, f"{where}.preserves")):
                error = unknown_key(node, allowed, label, prefix=f"{label}: " if at(node) else "")
                if error:
                    raise error

            def get(node: dict[str, Any], key: str, default: Any, label: str) -> tuple[Any, str]:
                return node.get(key, default), _at(node, key, f"{label}.{key}")

            def size(key: str, parse: Any) -> int | None:
                return _opt(parse, *get(limits_in, key, None, f"{where}.limits"))

            def flag(node: dict[str, Any], key: str, default: bool, label: str) -> bool:
                value, what = get(node, key, default, label)
                if not isinstance(value, bool):
                    raise ValueError(f"{what}: expected true or false, got {value!r}")
                return value

            limits = Limits(
                max_photo_bytes=size("max_photo_bytes", parse_size), max_photo_pixels=size("max_photo_pixels", parse_pixels),
                max_video_bytes=size("max_video_bytes", parse_size), min_side=size("min_side", parse_pixels),
                formats=_opt_list(*get(limits_in, "formats", None, f"{where}.limits")),
                skips_damaged=flag(limits_in, "skips_damaged", False, f"{where}.limits"),
                keeps_identical_once=flag(limits_in, "keeps_identical_once", False, f"{where}.limits"),
                scope=_choice(*get(limits_in, "scope", "all", f"{where}.limits"), ("all", "mediastore")),
                folders=_opt_list(*get(limits_in, "folders", None, f"{where}.limits")),
            )
            at_preserves = f"{where}.preserves"
            preserves = Preserves(
                content=_choice(*get(preserves_in, "content", "bytes", at_preserves), ("bytes", "pixels")),
                exif=_opt_list(*get(preserves_in, "exif", DEFAULT_EXIF_FIELDS, at_preserves)) or [],
                **{key: flag(preserves_in, key, True, at_preserves)
                   for key in ("capture_time", "file_time", "folder", "name")},
            )
            return cls(
                limits=limits,
                preserves=preserves,
                needs_wifi=flag(data, "needs_wifi", False, where),
                time_tolerance=parse_duration(*get(data, "time_tolerance", 2.0, where)),
                allow_duplicates=flag(data, "allow_duplicates", False, where),
                allow_extras=flag(data, "allow_extras", False, where),
                incremental=flag(data, "incremental", False, where),
                deletions=_choice(*get(data, "deletions", "propagate", where), ("keep", "propagate")),
            )
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None


POLICY_KEYS = ("limits", "preserves", "needs_wifi", "time_tolerance", "allow_duplicates", "allow_extras",
               "incremental", "deletions")
LIMIT_KEYS = tuple(Limits.__dataclass_fields__)
PRESERVE_KEYS = tuple(Preserves.__dataclass_fields__)


def _at(node: Any, key: str, label: str) -> str:
    """'file.yaml:LINE:COL: policy.limits.formats' for a key of a mapping read from YAML, else the label."""
    located = at(node, key)
    return f"{located}: {label}" if located else label


def _section(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ValueError(f"{_at(data, key, f'{where}.{key}')}: expected a mapping of key: value lines, got {value!r}")
    return value


def _opt(parse: Any, value: Any, what: str) -> int | None:
    return None if value is None else int(parse(value, what))


def _opt_list(value: Any, what: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what}: expected a list of names, got {value!r}")
    return list(value)


def _choice(value: Any, what: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{what}: {value!r} is not one of {', '.join(allowed)}{did_you_mean(value, allowed)}")
    return str(value)


#: The source material's Google-Photos-like figures: one example policy, not a constant of the tool.
REFERENCE_CLOUD_POLICY = Policy(
    limits=Limits(max_photo_bytes=REFERENCE_MAX_PHOTO_BYTES, max_photo_pixels=REFERENCE_MAX_PHOTO_PIXELS,
                  max_video_bytes=REFERENCE_MAX_VIDEO_BYTES, min_side=REFERENCE_MIN_SIDE, scope="mediastore"),
)
