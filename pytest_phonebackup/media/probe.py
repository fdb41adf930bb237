"""Read a media file back and say what it really is: size, SHA-256, format from its magic bytes,
dimensions, EXIF fields, duration, and whether it decodes. An independent check of what make.py
wrote (and of what a backup app restored). Not for writing or judging files.
"""

from __future__ import annotations

import hashlib
import struct
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import av
import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()

CHUNK = 1 << 20
DECODE_CHECK_PIXELS = 30_000_000  # bigger JPEGs are decoded at 1/8 scale (DCT scaling): same entropy data

# EXIF tag numbers (EXIF 2.32) -> the names used in MediaItem.metadata
BASE_TAGS = {0x010F: "Make", 0x0110: "Model", 0x0112: "Orientation", 0x0132: "DateTime"}
EXIF_TAGS = {0x9003: "DateTimeOriginal", 0x9010: "OffsetTime", 0x9011: "OffsetTimeOriginal",
             0x9291: "SubSecTimeOriginal"}
MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "heic": "image/heic", "gif": "image/gif",
        "tiff": "image/tiff", "dng": "image/x-adobe-dng", "mp4": "video/mp4", "mov": "video/quicktime",
        "3gp": "video/3gpp", "text": "text/plain", "empty": "application/octet-stream", "unknown": "application/octet-stream"}


@dataclass
class Probe:
    """What a file is, read from its bytes alone."""

    size: int
    sha256: str
    format: str  # from the magic bytes: jpeg, png, ..., mp4, mov, 3gp, empty, unknown
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    frames: int | None = None  # animation frames (GIF) when known
    codecs: list[str] = field(default_factory=list)  # video/audio codec names
    metadata: dict[str, str] = field(default_factory=dict)
    decodes: bool = False
    error: str = ""  # why it does not decode

    @property
    def mime(self) -> str:
        return MIME.get(self.format, "application/octet-stream")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while block := src.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def sniff(head: bytes) -> str:
    """The format a file's first bytes announce (not what its name says)."""
    if not head:
        return "empty"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
            return "heic"
        if brand == b"qt  ":
            return "mov"
        if brand.startswith(b"3g"):
            return "3gp"
        return "mp4"
    try:
        if head.decode("utf-8").isprintable() or head.decode("utf-8").strip("\r\n\t").isprintable():
            return "text"
    except UnicodeDecodeError:
        pass
    return "unknown"


def probe(path: str | Path) -> Probe:
    path = Path(path)
    with open(path, "rb") as src:
        head = src.read(64)
    result = Probe(size=path.stat().st_size, sha256=sha256_of(path), format=sniff(head))
    if result.format in ("mp4", "mov", "3gp"):
        _probe_video(path, result)
    elif result.format not in ("empty", "unknown"):
        _probe_image(path, result)
    return result


def _probe_image(path: Path, result: Probe) -> None:
    try:
        with warnings.catch_warnings():
            # 100+ MP test pictures are meant to be big, not decompression bombs.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                result.width, result.height = image.size
                result.frames = getattr(image, "n_frames", 1)
                result.metadata = exif_fields(image)
                if result.format == "tiff" and 50706 in getattr(image, "tag_v2", {}):
                    result.format = "dng"
                if image.format == "JPEG" and image.size[0] * image.size[1] > DECODE_CHECK_PIXELS:
                    image.draft("RGB", (image.size[0] // 8, image.size[1] // 8))
                image.load()
                for index in range(1, result.frames or 1):  # every animation frame must decode too
                    image.seek(index)
                    image.load()
        result.decodes = True
    except Exception as exc:  # any decoder failure is a finding about the file, not a crash
        result.decodes, result.error = False, f"{type(exc).__name__}: {exc}"


def exif_fields(image: Image.Image) -> dict[str, str]:
    exif = image.getexif()
    out = {name: _text(exif[tag]) for tag, name in BASE_TAGS.items() if tag in exif}
    sub = exif.get_ifd(0x8769)
    out.update({name: _text(sub[tag]) for tag, name in EXIF_TAGS.items() if tag in sub})
    gps = exif.get_ifd(0x8825)
    if 2 in gps and 4 in gps:
        out["GPSLatitude"] = f"{_degrees(gps[2], gps.get(1, 'N')):.6f}"
        out["GPSLongitude"] = f"{_degrees(gps[4], gps.get(3, 'E')):.6f}"
    return out


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\x00 ")


def _degrees(dms: tuple[float, ...], ref: str) -> float:
    degrees, minutes, seconds = (float(v) for v in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if _text(ref) in ("S", "W") else value


def _probe_video(path: Path, result: Probe) -> None:
    try:
        with av.open(str(path)) as container:
            if container.duration is not None:
                result.duration = container.duration / av.time_base
            created = container.metadata.get("creation_time")
            if created:
                result.metadata["creation_time"] = created
            for stream in container.streams:
                result.codecs.append(stream.codec_context.name)
            video = container.streams.video[0] if container.streams.video else None
            if video is not None:
                result.width, result.height = video.codec_context.width, video.codec_context.height
                for _frame in container.decode(video):  # the first picture must decode
                    break
                else:
                    raise ValueError("no video frame decodes")
        result.decodes = True
    except Exception as exc:
        result.decodes, result.error = False, f"{type(exc).__name__}: {exc}"


def mp4_top_boxes(path: Path) -> list[tuple[str, int]]:
    """(type, size) of an MP4's top-level boxes, following 64-bit sizes: shows where padding went."""
    boxes = []
    size_total = path.stat().st_size
    with open(path, "rb") as src:
        offset = 0
        while offset + 8 <= size_total:
            src.seek(offset)
            size, kind = struct.unpack(">I4s", src.read(8))
            if size == 1:
                size = struct.unpack(">Q", src.read(8))[0]
            elif size == 0:
                size = size_total - offset
            boxes.append((kind.decode("latin-1"), size))
            if size < 8:
                break
            offset += size
    return boxes


def parse_creation_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
