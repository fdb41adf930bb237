"""Profiles -> MediaSpecs: what to make, where it goes on the phone and what it must be.

A profile is a YAML file (built-ins ship in `media/profiles/`, users pass their own by path); it is
validated with errors naming file, line and column. Not for writing files (make.py) or reading them (probe.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from ..android import is_media
from ..errors import ScenarioError, did_you_mean
from ..policy import (
    REFERENCE_MAX_PHOTO_BYTES,
    REFERENCE_MAX_PHOTO_PIXELS,
    REFERENCE_MAX_VIDEO_BYTES,
    REFERENCE_MIN_SIDE,
)
from ..units import parse_duration, parse_pixels, parse_size
from ..yamlfile import mark_of, read_text, syntax_error

PROFILES_DIR = Path(__file__).parent / "profiles"

FORMATS = {
    # format: (kind, MIME type of the content, usual extension)
    "jpeg": ("photo", "image/jpeg", "jpg"), "png": ("photo", "image/png", "png"),
    "webp": ("photo", "image/webp", "webp"), "heic": ("photo", "image/heic", "heic"),
    "gif": ("photo", "image/gif", "gif"), "tiff": ("photo", "image/tiff", "tif"),
    "dng": ("photo", "image/x-adobe-dng", "dng"), "mp4": ("video", "video/mp4", "mp4"),
    "mov": ("video", "video/quicktime", "mov"), "3gp": ("video", "video/3gpp", "3gp"),
    "empty": ("other", "application/octet-stream", ""), "text": ("other", "text/plain", "txt"),
}
# Largest side each encoder accepts (JPEG: 16-bit header field minus libjpeg's margin; WebP: 14 bits).
MAX_SIDE = {"jpeg": 65500, "webp": 16383, "heic": 16384, "gif": 65535}


@dataclass(frozen=True)
class ReferencePolicy:
    """The limits each item's `limits` list is computed against (by default the reference cloud-photos
    policy of policy.py). Sizes in bytes, MB = 1,000,000."""

    photo_max_bytes: int = REFERENCE_MAX_PHOTO_BYTES
    photo_max_pixels: int = REFERENCE_MAX_PHOTO_PIXELS
    video_max_bytes: int = REFERENCE_MAX_VIDEO_BYTES
    min_side: int = REFERENCE_MIN_SIDE

    def crossed(self, kind: str, size: int, width: int | None, height: int | None) -> list[str]:
        """Names of the limits an item crosses: the reasons a backup following this policy skips it."""
        out = []
        if kind == "photo" and size > self.photo_max_bytes:
            out.append("photo_max_bytes")
        if kind == "photo" and width and height and width * height > self.photo_max_pixels:
            out.append("photo_max_pixels")
        if kind == "video" and size > self.video_max_bytes:
            out.append("video_max_bytes")
        if kind in ("photo", "video") and width and height and min(width, height) < self.min_side:
            out.append("min_side")
        return out


@dataclass
class MediaSpec:
    """One file to make. Everything that decides its bytes is in `content_key()`."""

    id: str
    path: str  # relative to shared storage (/sdcard)
    format: str
    taken: datetime  # capture time, timezone-aware
    content_seed: int
    label: str  # drawn on the picture
    width: int | None = None
    height: int | None = None
    bytes: int | None = None  # exact file size to reach with valid padding
    quality: int = 85
    progressive: bool = False
    frames: int = 4  # animated GIF frames
    duration: float | None = None  # videos, seconds
    fps: int = 10
    exif: bool = True
    make: str = ""
    model: str = ""
    orientation: int | None = None
    gps: tuple[float, float] | None = None
    damage: str | None = None  # "truncate"
    truncate_to: float = 0.5
    copy_of: str | None = None  # id of the item whose bytes this one repeats
    indexed: bool = True
    tags: list[str] = field(default_factory=list)
    encoding: str = "each"  # "shared": JPEGs made from one template per shape (see make.shared_jpeg)

    @property
    def dimensions(self) -> tuple[int, int]:
        """(width, height) of a picture or video; a spec without them is a profile bug."""
        if self.width is None or self.height is None:
            raise ValueError(f"{self.id}: a {self.format} item needs a width and height")
        return self.width, self.height

    @property
    def kind(self) -> str:
        return FORMATS[self.format][0]

    @property
    def mime(self) -> str:
        return FORMATS[self.format][1]

    @property
    def offset(self) -> str:
        """EXIF OffsetTime form of the capture time's UTC offset, e.g. '+02:00'."""
        delta = self.taken.utcoffset() or timedelta(0)
        minutes = int(delta.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    @property
    def subsec(self) -> str:
        """EXIF SubSecTime form of the capture time's fraction: milliseconds, as phone cameras write it."""
        return f"{self.taken.microsecond // 1000:03d}"

    @property
    def mtime(self) -> float:
        return self.taken.timestamp()

    @property
    def taken_utc_iso(self) -> str:
        """Video creation_time as MP4 tools write it."""
        return self.taken.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")

    def expected_metadata(self) -> dict[str, str]:
        """The metadata fields the file must carry, named as probe.py reports them."""
        if self.kind == "video":
            return {"creation_time": self.taken_utc_iso}
        if not self.exif or self.kind != "photo" or self.format in ("empty", "text"):
            return {}
        stamp = self.taken.strftime("%Y:%m:%d %H:%M:%S")
        out = {"Make": self.make, "Model": self.model, "DateTime": stamp, "DateTimeOriginal": stamp,
               "SubSecTimeOriginal": self.subsec, "OffsetTime": self.offset, "OffsetTimeOriginal": self.offset}
        out = {key: value for key, value in out.items() if value}
        if self.orientation:
            out["Orientation"] = str(self.orientation)
        if self.gps:
            from .make import dms

            for name, value in zip(("GPSLatitude", "GPSLongitude"), self.gps, strict=True):
                degrees, minutes, seconds = dms(value)
                decimal = float(degrees) + float(minutes) / 60 + float(seconds) / 3600
                out[name] = f"{-decimal if value < 0 else decimal:.6f}"
        return out

    def content_key(self) -> str:
        """A digest of everything that shapes the bytes (not the path): the generation cache key."""
        fields = asdict(self)
        for name in ("id", "path", "copy_of", "indexed", "tags"):
            fields.pop(name)
        fields["taken"] = self.taken.isoformat()
        from .make import GENERATOR_VERSION

        fields["generator"] = GENERATOR_VERSION
        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Profile:
    name: str
    description: str
    source: str  # file it was read from
    specs: list[MediaSpec]
    policy: ReferencePolicy = field(default_factory=ReferencePolicy)
    seed: int = 0
    text_digest: str = ""  # SHA-256 of the YAML text it was read from
    loaded_fingerprint: str = ""  # fingerprint() as loaded: callers may change the items afterwards

    def fingerprint(self) -> str:
        """A digest of the name, policy and every item as they are now."""
        digest = hashlib.sha256(f"{self.name!r} {self.policy!r}\n".encode())
        digest.update("\n".join(map(repr, self.specs)).encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    @property
    def as_loaded(self) -> bool:
        """Whether the profile is still what its YAML text says (then the text can stand for it)."""
        return bool(self.text_digest) and self.fingerprint() == self.loaded_fingerprint


# --- parsing helpers ------------------------------------------------------------------------------


class _Where:
    """File, line and column of a YAML node, for error messages."""

    def __init__(self, source: str, node: yaml.Node | None):
        self.source, self.node = source, node

    def error(self, message: str) -> ScenarioError:
        if self.node is not None:
            return ScenarioError("{}:{}:{}: {}".format(self.source, *mark_of(self.node), message))
        return ScenarioError(f"{self.source}: {message}")


def dimensions_for(pixels: int, fmt: str, aspect: float = 4 / 3) -> tuple[int, int]:
    """Width x height with exactly `pixels` pixels, as close to `aspect` as the format allows."""
    limit = MAX_SIDE.get(fmt, 2**31 - 1)
    best: tuple[float, int, int] | None = None
    for height in range(1, math.isqrt(pixels) + 1):
        if pixels % height:
            continue
        width = pixels // height
        if width > limit:
            continue
        score = abs(math.log(width / height) - math.log(aspect))
        if best is None or score < best[0]:
            best = (score, width, height)
    if best is None:
        raise ValueError(f"no {fmt} picture has exactly {pixels} pixels (every factorisation has a side over "
                         f"{limit}); pick a neighbouring pixel count or a format without that limit, e.g. png")
    return best[1], best[2]


def derive_seed(*parts: Any) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:8], "big")


def spread(moment: datetime, second_key: int, fraction_key: int, position: int) -> datetime:
    """A sequence time moved by 3..58 s (picked by `second_key`, on an odd second for every other
    position) and 0..999 ms (picked by `fraction_key`): generated times are off the whole minute,
    some on odd seconds, all with a fraction, so a restore that cuts seconds, rounds to 2 s (FAT)
    or drops sub-second EXIF is seen."""
    seconds = 3 + 2 * (second_key % 28) + position % 2
    return moment + timedelta(seconds=seconds, milliseconds=fraction_key % 1000)


def unique_path(path: str, used: set[str]) -> str:
    """`path`, or with `_1`, `_2`... before the extension when `used` holds it already: how cameras
    name two shots of the same second (IMG_20240501_100003.jpg, IMG_20240501_100003_1.jpg)."""
    folder, _, name = path.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, count = path, 0
    while candidate in used:
        count += 1
        candidate = f"{folder}/{stem}_{count}{dot}{ext}" if folder else f"{stem}_{count}{dot}{ext}"
    return candidate


def indexed_by_default(path: str) -> bool:
    """Would Android's media scanner put this file in the gallery? Not hidden names or folders, not
    under a folder holding `.nomedia` (checked by the caller), and only media extensions."""
    parts = path.split("/")
    if any(part.startswith(".") for part in parts):
        return False
    return is_media(path)


# --- loading --------------------------------------------------------------------------------------

ITEM_KEYS = {
    "id", "path", "format", "count", "folder_size", "size", "pixels", "aspect", "bytes", "quality",
    "progressive", "frames", "duration", "fps", "exif", "make", "model", "orientation", "gps", "taken",
    "damage", "truncate_to", "copy_of", "indexed", "tags", "name_bytes", "label", "encoding",
}
ENCODINGS = ("each", "shared")
TOP_KEYS = {"profile", "description", "units", "policy", "defaults", "items"}
DEFAULT_KEYS = {"taken", "every", "make", "model", "quality", "size", "duration", "fps", "exif", "gps"}


def builtin_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def profile_path(name_or_path: str | Path) -> Path:
    """A built-in profile name ('edge') or a path to the user's YAML file."""
    candidate = Path(name_or_path)
    # A bare name is a built-in one even where a folder of that name is at hand (a pytest basetemp)
    named_as_path = candidate.suffix in (".yaml", ".yml") or any(sep in str(name_or_path) for sep in "/\\")
    if named_as_path or candidate.is_file():
        if candidate.is_dir():
            raise ScenarioError(f"profile {candidate} is a folder; give the path of its .yaml file")
        if not candidate.is_file():
            raise ScenarioError(f"profile file {candidate} does not exist")
        return candidate
    builtin = PROFILES_DIR / f"{name_or_path}.yaml"
    if builtin.is_file():
        return builtin
    raise ScenarioError(f"no media profile named {name_or_path!r}; built-in: {', '.join(builtin_profiles())}; "
                        f"or pass the path of a .yaml file{did_you_mean(name_or_path, builtin_profiles())}")


def load_profile(name_or_path: str | Path, seed: int = 0) -> Profile:
    """Read and validate a profile, expand it into MediaSpecs for `seed`."""
    path = profile_path(name_or_path)
    source = str(path)
    text = read_text(path)
    try:
        root = yaml.compose(text, Loader=YAML_LOADER)
    except yaml.YAMLError:
        try:  # PyYAML's own parser names the line where a mistake starts, libyaml where it is noticed
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise syntax_error(source, exc) from None
    profile = _build(root, source, seed)
    profile.text_digest = text_digest(text)
    profile.loaded_fingerprint = profile.fingerprint()
    return profile


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def profile_text(name_or_path: str | Path) -> str:
    """The YAML text of a built-in profile name or a profile file."""
    return read_text(profile_path(name_or_path))


def _mapping(node: yaml.Node, source: str, what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise _Where(source, node).error(f"{what} must be a mapping (key: value lines)")
    out = {}
    for key, value in node.value:
        out[str(key.value)] = value
    return out


# libyaml's parser where PyYAML was built with it: ten times faster, with the same nodes and marks
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _value(node: yaml.Node) -> Any:
    """The plain Python value of a YAML node, as yaml.safe_load gives it."""
    return yaml.constructor.SafeConstructor().construct_document(node)


def _check_keys(mapping: yaml.Node, allowed: set[str], source: str, what: str) -> None:
    for key, _ in mapping.value:
        if str(key.value) not in allowed:
            raise _Where(source, key).error(f"unknown key {key.value!r} in {what}; allowed: {', '.join(sorted(allowed))}"
                                            f"{did_you_mean(key.value, allowed)}")


def _build(root: yaml.Node | None, source: str, seed: int) -> Profile:
    if root is None:
        raise ScenarioError(f"{source}: the profile is empty; it needs `profile:` and `items:`")
    top = _mapping(root, source, "a profile")
    _check_keys(root, TOP_KEYS, source, "the profile")
    for required in ("profile", "items"):
        if required not in top:
            raise _Where(source, root).error(f"missing `{required}:`")
    name = str(_value(top["profile"]))
    units = _value(top["units"]) if "units" in top else "decimal"
    if units != "decimal":
        raise _Where(source, top["units"]).error("units must be `decimal` (MB = 1,000,000 bytes); "
                                                 "write binary sizes as MiB/GiB")
    policy = ReferencePolicy()
    if "policy" in top:
        fields = _mapping(top["policy"], source, "policy")
        _check_keys(top["policy"], set(ReferencePolicy.__dataclass_fields__), source, "policy")
        values = {}
        for key, node in fields.items():
            parse = parse_pixels if key in ("photo_max_pixels", "min_side") else parse_size
            try:
                values[key] = parse(_value(node), f"policy.{key}")
            except ValueError as exc:
                raise _Where(source, node).error(str(exc)) from None
        policy = ReferencePolicy(**values)
    defaults = {"taken": "2024-05-01T10:00:00+02:00", "every": "37m", "make": "Google", "model": "Pixel 8",
                "quality": 85, "size": "1600x1200", "duration": 2, "fps": 10, "exif": True, "gps": None}
    default_nodes: dict[str, yaml.Node] = {}
    if "defaults" in top:
        default_nodes = _mapping(top["defaults"], source, "defaults")
        _check_keys(top["defaults"], DEFAULT_KEYS, source, "defaults")
        defaults.update({k: _value(v) for k, v in default_nodes.items()})
    try:
        start = _parse_time(defaults["taken"])
        step = timedelta(seconds=parse_duration(defaults["every"], "every"))
    except ValueError as exc:
        raise _Where(source, default_nodes.get("taken") or default_nodes.get("every")).error(str(exc)) from None
    items_node = top["items"]
    if not isinstance(items_node, yaml.SequenceNode) or not items_node.value:
        raise _Where(source, items_node).error("`items:` must be a non-empty list")
    specs: list[MediaSpec] = []
    origins: list[yaml.Node] = []  # the YAML item each spec came from, for error lines
    used: set[str] = set()  # paths so far, for names made from capture times
    for entry in items_node.value:
        made = _expand(entry, source, name, seed, defaults, start, step, len(specs), used)
        used.update(spec.path for spec in made)
        specs.extend(made)
        origins.extend([entry] * len(made))
    _check_specs(specs, source, origins)
    return Profile(name=name, description=str(_value(top["description"]) or "") if "description" in top else "",
                   source=source, specs=specs, policy=policy, seed=seed)


def _parse_time(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"capture time {value!r} needs a UTC offset, e.g. 2024-05-01T10:00:00+02:00")
    return moment


def _expand(node: yaml.Node, source: str, profile: str, seed: int, defaults: dict[str, Any],
            start: datetime, step: timedelta, position: int, used: set[str]) -> list[MediaSpec]:
    fields = _mapping(node, source, "an item")
    _check_keys(node, ITEM_KEYS, source, "an item")
    where = _Where(source, node)
    raw = {k: _value(v) for k, v in fields.items()}

    def fail(key: str, message: str) -> ScenarioError:
        return _Where(source, fields.get(key, node)).error(message)

    for required in ("id", "path"):
        if required not in raw:
            raise where.error(f"an item needs `{required}:`")
    count = raw.get("count", 1)
    if not isinstance(count, int) or count < 1:
        raise fail("count", f"count must be a positive whole number, not {count!r}")
    folder_size = raw.get("folder_size", 100)
    if not isinstance(folder_size, int) or folder_size < 1:
        raise fail("folder_size", f"folder_size must be a positive whole number, not {folder_size!r}")
    numbers: dict[str, Any] = {}
    for key, kind_of, default, low, high in (("quality", int, defaults["quality"], 1, 100),
                                             ("frames", int, 4, 1, 1000), ("fps", int, defaults["fps"], 1, 240),
                                             ("truncate_to", float, 0.5, 0.0, 1.0)):
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise fail(key, f"{key} must be a number from {low} to {high}, not {value!r}")
        numbers[key] = kind_of(value)
    path_template = str(raw["path"])
    fmt = raw.get("format") or _format_from_path(path_template)
    if fmt not in FORMATS:
        raise fail("format", f"unknown format {fmt!r}; known: {', '.join(FORMATS)}{did_you_mean(fmt, FORMATS)}")
    kind = FORMATS[fmt][0]

    width = height = None
    try:
        if kind in ("photo", "video"):
            if "pixels" in raw:
                aspect = float(raw.get("aspect", 4 / 3))
                width, height = dimensions_for(parse_pixels(raw["pixels"], "pixels"), fmt, aspect)
            else:
                size = str(raw.get("size", defaults["size"]))
                match = re.fullmatch(r"\s*(\d+)\s*x\s*(\d+)\s*", size)
                if not match:
                    raise ValueError(f"size must be WIDTHxHEIGHT, e.g. 1600x1200, not {size!r}")
                width, height = int(match.group(1)), int(match.group(2))
            if width < 1 or height < 1:
                raise ValueError("width and height must be at least 1")
            if width > MAX_SIDE.get(fmt, 2**31) or height > MAX_SIDE.get(fmt, 2**31):
                raise ValueError(f"{fmt} pictures can be at most {MAX_SIDE[fmt]} pixels on a side")
            if kind == "video" and (width % 2 or height % 2):
                raise ValueError("video width and height must be even (H.264 4:2:0)")
    except ValueError as exc:
        raise fail("pixels" if "pixels" in raw else "size", str(exc)) from None
    try:
        target = parse_size(raw["bytes"], "bytes") if "bytes" in raw else None
    except ValueError as exc:
        raise fail("bytes", str(exc)) from None
    if target is not None and fmt not in ("jpeg", "mp4", "mov"):
        raise fail("bytes", f"exact byte sizes are made by padding JPEG, MP4 and MOV files, not {fmt}")
    orientation = raw.get("orientation")
    if orientation is not None and orientation not in range(1, 9):
        raise fail("orientation", f"orientation must be 1..8 (EXIF), not {orientation!r}")
    gps = raw.get("gps", defaults["gps"])
    if gps is not None:
        if not (isinstance(gps, list) and len(gps) == 2 and all(isinstance(v, (int, float)) for v in gps)
                and -90 <= gps[0] <= 90 and -180 <= gps[1] <= 180):
            raise fail("gps", f"gps must be [latitude, longitude] in degrees, not {gps!r}")
        gps = (float(gps[0]), float(gps[1]))
    damage = raw.get("damage")
    if damage not in (None, "truncate"):
        raise fail("damage", f"damage must be `truncate`, not {damage!r}")
    encoding = raw.get("encoding", "each")
    if encoding not in ENCODINGS:
        raise fail("encoding", f"encoding must be `each` or `shared`, not {encoding!r}")
    if encoding == "shared" and fmt != "jpeg":
        raise fail("encoding", f"`encoding: shared` makes JPEGs only, not {fmt}; use `encoding: each`")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail("tags", "tags must be a list of strings")
    try:
        taken_fixed = _parse_time(raw["taken"]) if "taken" in raw else None
        duration = parse_duration(raw.get("duration", defaults["duration"]), "duration") if kind == "video" else None
    except ValueError as exc:
        raise fail("taken" if "taken" in raw else "duration", str(exc)) from None

    specs = []
    named_by_time = "{taken" in path_template
    for index in range(count):
        variables: dict[str, Any] = {"n": index + 1, "i": index, "folder": index // folder_size, "seed": seed}
        try:
            item_id = str(raw["id"]).format(**variables) if count == 1 else f"{raw['id']}-{index + 1:05d}"
            # Seconds from the profile alone (names made from them stay the same for every seed),
            # the fraction from the seed too.
            taken = taken_fixed or spread(start + step * (position + index), derive_seed(profile, item_id, "second"),
                                          derive_seed(profile, seed, item_id, "fraction"), position + index)
            path = path_template.format(**variables, taken=taken)
        except (KeyError, ValueError, IndexError) as exc:
            raise fail("path", f"cannot fill in path {path_template!r}: {exc}; "
                               "use {n}, {i}, {folder} or {taken:%Y%m%d_%H%M%S}") from None
        if "name_bytes" in raw:
            path = _stretch_name(path, int(raw["name_bytes"]), fail)
        if named_by_time:
            path = unique_path(path, used)
            used.add(path)
        content_seed = derive_seed(profile, seed, item_id)
        specs.append(MediaSpec(
            id=item_id, path=path, format=fmt, taken=taken, content_seed=content_seed,
            label=str(raw.get("label", "{id}")).format(id=item_id, n=index + 1, seed=seed),
            width=width, height=height, bytes=target,
            quality=numbers["quality"], progressive=bool(raw.get("progressive", False)),
            frames=numbers["frames"], duration=duration, fps=numbers["fps"],
            exif=bool(raw.get("exif", defaults["exif"])) and kind == "photo" and fmt != "gif",
            make=str(raw.get("make", defaults["make"])), model=str(raw.get("model", defaults["model"])),
            orientation=orientation, gps=gps, damage=damage, truncate_to=numbers["truncate_to"],
            copy_of=raw.get("copy_of"), indexed=bool(raw["indexed"]) if "indexed" in raw else indexed_by_default(path),
            tags=list(tags), encoding=encoding,
        ))
    return specs


def _format_from_path(path: str) -> str:
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    for fmt, (_kind, _mime, usual) in FORMATS.items():
        if ext and ext in (usual, fmt):
            return fmt
    return {"jpeg": "jpeg", "tif": "tiff", "heif": "heic"}.get(ext, "")


def _stretch_name(path: str, size: int, fail: Any) -> str:
    """Grow the file name's stem with 'x' until the name is exactly `size` bytes in UTF-8."""
    folder, _, name = path.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    room = size - len(name.encode())
    if room < 0:
        raise fail("name_bytes", f"the name {name!r} is already longer than {size} bytes")
    name = f"{stem}{'x' * room}{dot}{ext}"
    return f"{folder}/{name}" if folder else name


def _check_specs(specs: list[MediaSpec], source: str, origins: list[yaml.Node]) -> None:
    ids: dict[str, MediaSpec] = {}
    paths: dict[str, str] = {}
    for spec, node in zip(specs, origins, strict=True):
        where = _Where(source, node)
        if spec.id in ids:
            raise where.error(f"two items have the id {spec.id!r}; ids must be unique")
        ids[spec.id] = spec
        if spec.path in paths:
            raise where.error(f"items {paths[spec.path]!r} and {spec.id!r} both go to {spec.path!r}")
        paths[spec.path] = spec.id
        if any(len(part.encode()) > 255 for part in spec.path.split("/")):
            raise where.error(f"{spec.id}: a name in {spec.path!r} is over 255 bytes (Android's limit)")
    nomedia = {spec.path.rpartition("/")[0] for spec in specs if spec.path.rpartition("/")[2] == ".nomedia"}
    for position, spec in enumerate(specs):
        where = _Where(source, origins[position])
        if spec.copy_of is not None:
            if spec.copy_of not in ids:
                raise where.error(f"{spec.id}: copy_of names {spec.copy_of!r}, which is not an item of this profile")
            original = ids[spec.copy_of]
            if original.copy_of:
                raise where.error(f"{spec.id}: copy_of must name an original, not another copy")
            # Same bytes: everything that shapes the content comes from the original.
            spec = specs[position] = replace(original, id=spec.id, path=spec.path, copy_of=original.id,
                                             indexed=spec.indexed, tags=spec.tags)
        folder = spec.path.rpartition("/")[0]
        if any(folder == f or folder.startswith(f + "/") for f in nomedia):
            spec.indexed = False
