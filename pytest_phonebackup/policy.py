"""Policy: what a backup app promises — the items it does not back up (limits) and what a restore must
give back (preserves) — read from the `policy:` mapping of a scenario YAML, plus the reference cloud-photos
policy. Not for driving apps (apps/) or for judging a restore (verification/).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ScenarioError
from .manifest import MediaItem
from .units import parse_duration, parse_pixels, parse_size

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
        """Build from the `policy:` mapping of a scenario; errors name the offending key."""
        data = dict(data or {})
        try:
            limits_in = dict(data.pop("limits", {}) or {})
            preserves_in = dict(data.pop("preserves", {}) or {})
            at = f"{where}.limits"
            limits = Limits(
                max_photo_bytes=_opt(parse_size, limits_in.pop("max_photo_bytes", None), f"{at}.max_photo_bytes"),
                max_photo_pixels=_opt(parse_pixels, limits_in.pop("max_photo_pixels", None), f"{at}.max_photo_pixels"),
                max_video_bytes=_opt(parse_size, limits_in.pop("max_video_bytes", None), f"{at}.max_video_bytes"),
                min_side=_opt(parse_pixels, limits_in.pop("min_side", None), f"{at}.min_side"),
                formats=_opt_list(limits_in.pop("formats", None), f"{at}.formats"),
                skips_damaged=bool(limits_in.pop("skips_damaged", False)),
                scope=_choice(limits_in.pop("scope", "all"), ("all", "mediastore"), f"{at}.scope"),
                folders=_opt_list(limits_in.pop("folders", None), f"{at}.folders"),
            )
            _no_leftovers(limits_in, at)
            at = f"{where}.preserves"
            preserves = Preserves(
                content=_choice(preserves_in.pop("content", "bytes"), ("bytes", "pixels"), f"{at}.content"),
                exif=_opt_list(preserves_in.pop("exif", DEFAULT_EXIF_FIELDS), f"{at}.exif") or [],
                capture_time=bool(preserves_in.pop("capture_time", True)),
                file_time=bool(preserves_in.pop("file_time", True)),
                folder=bool(preserves_in.pop("folder", True)),
                name=bool(preserves_in.pop("name", True)),
            )
            _no_leftovers(preserves_in, at)
            policy = cls(
                limits=limits,
                preserves=preserves,
                needs_wifi=bool(data.pop("needs_wifi", False)),
                time_tolerance=parse_duration(data.pop("time_tolerance", 2.0), f"{where}.time_tolerance"),
                allow_duplicates=bool(data.pop("allow_duplicates", False)),
                allow_extras=bool(data.pop("allow_extras", False)),
            )
            _no_leftovers(data, where)
            return policy
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None


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


def _choice(value: Any, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _no_leftovers(rest: dict[str, Any], where: str) -> None:
    if rest:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(map(str, rest)))}")


#: The source material's Google-Photos-like figures: one example policy, not a constant of the tool.
REFERENCE_CLOUD_POLICY = Policy(
    limits=Limits(max_photo_bytes=REFERENCE_MAX_PHOTO_BYTES, max_photo_pixels=REFERENCE_MAX_PHOTO_PIXELS,
                  max_video_bytes=REFERENCE_MAX_VIDEO_BYTES, min_side=REFERENCE_MIN_SIDE, scope="mediastore"),
)
