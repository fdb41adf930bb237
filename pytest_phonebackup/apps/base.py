"""What a backup app is to the harness: a `BackupApp` with prepare / backup / restore, and the
`Policy` it promises (limits, what it preserves). Policies come from scenario YAML. Not for
running commands or UIs (see `command.py`, `scenario.py`) or for judging results (`verify.py`).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..manifest import MediaItem

SIZE_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
              "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}
PIXEL_UNITS = {"": 1, "P": 1, "PX": 1, "KP": 1000, "MP": 1000**2, "GP": 1000**3}
TIME_UNITS = {"": 1.0, "S": 1.0, "MS": 0.001, "MIN": 60.0, "H": 3600.0}

#: EXIF / container fields a faithful backup keeps, by the names probe.py reports.
DEFAULT_EXIF_FIELDS = ["DateTimeOriginal", "OffsetTimeOriginal", "GPSLatitude", "GPSLongitude",
                       "Make", "Model", "Orientation"]


def parse_quantity(value: Any, units: Mapping[str, float], what: str) -> float:
    """'75MB', '100 MP', '2s', 1024 -> a number. Decimal units (MB = 1,000,000 bytes); MiB for binary."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return value
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", str(value))
    if not match or match.group(2).upper() not in units:
        known = ", ".join(u for u in units if u)
        raise ValueError(f"{what}: cannot read {value!r}; write a number with one of: {known}")
    return float(match.group(1)) * units[match.group(2).upper()]


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
            if lim.max_photo_pixels is not None and (item.pixels or 0) > lim.max_photo_pixels:
                return f"photo of {item.pixels:,} pixels is over the {lim.max_photo_pixels:,}-pixel limit"
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
            limits = Limits(
                max_photo_bytes=_opt_int(limits_in.pop("max_photo_bytes", None), SIZE_UNITS, f"{where}.limits.max_photo_bytes"),
                max_photo_pixels=_opt_int(limits_in.pop("max_photo_pixels", None), PIXEL_UNITS, f"{where}.limits.max_photo_pixels"),
                max_video_bytes=_opt_int(limits_in.pop("max_video_bytes", None), SIZE_UNITS, f"{where}.limits.max_video_bytes"),
                min_side=_opt_int(limits_in.pop("min_side", None), PIXEL_UNITS, f"{where}.limits.min_side"),
                formats=_opt_list(limits_in.pop("formats", None), f"{where}.limits.formats"),
                skips_damaged=bool(limits_in.pop("skips_damaged", False)),
                scope=_choice(limits_in.pop("scope", "all"), ("all", "mediastore"), f"{where}.limits.scope"),
                folders=_opt_list(limits_in.pop("folders", None), f"{where}.limits.folders"),
            )
            _no_leftovers(limits_in, f"{where}.limits")
            preserves = Preserves(
                content=_choice(preserves_in.pop("content", "bytes"), ("bytes", "pixels"), f"{where}.preserves.content"),
                exif=_opt_list(preserves_in.pop("exif", DEFAULT_EXIF_FIELDS), f"{where}.preserves.exif") or [],
                capture_time=bool(preserves_in.pop("capture_time", True)),
                file_time=bool(preserves_in.pop("file_time", True)),
                folder=bool(preserves_in.pop("folder", True)),
                name=bool(preserves_in.pop("name", True)),
            )
            _no_leftovers(preserves_in, f"{where}.preserves")
            policy = cls(
                limits=limits,
                preserves=preserves,
                needs_wifi=bool(data.pop("needs_wifi", False)),
                time_tolerance=float(parse_quantity(data.pop("time_tolerance", 2.0), TIME_UNITS, f"{where}.time_tolerance")),
                allow_duplicates=bool(data.pop("allow_duplicates", False)),
                allow_extras=bool(data.pop("allow_extras", False)),
            )
            _no_leftovers(data, where)
            return policy
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None


def _opt_int(value: Any, units: Mapping[str, float], what: str) -> int | None:
    return None if value is None else int(parse_quantity(value, units, what))


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
    limits=Limits(max_photo_bytes=75 * 1000**2, max_photo_pixels=100 * 1000**2,
                  max_video_bytes=10 * 1000**3, min_side=256, scope="mediastore"),
)


@dataclass
class StepResult:
    """What one backup or restore step did: output, status and time, for reports and errors."""

    step: str
    seconds: float
    output: str = ""
    status: int = 0


class BackupApp(ABC):
    """A backup app under test. Subclasses drive it (commands, intents, UI flows)."""

    kind: str = ""

    def __init__(self, name: str, policy: Policy, source: Path | None = None):
        self.name = name
        self.policy = policy
        self.source = source  # the scenario file it came from

    def prepare(self, phone: Any) -> None:  # noqa: B027 - optional hook
        """Get the app ready on a phone (install, sign in, settings). Default: nothing."""

    @abstractmethod
    def backup(self, phone: Any, workdir: Path) -> StepResult:
        """Back up the phone's gallery."""

    @abstractmethod
    def restore(self, phone: Any, workdir: Path) -> StepResult:
        """Restore the last backup onto `phone` (the same phone, or a new one)."""

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "source": str(self.source or ""),
                "policy": self.policy.to_dict()}
