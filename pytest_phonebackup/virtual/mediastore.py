"""MediaStore of the virtual phone: the media index that `content query` and apps read, filled
by scans of shared storage (the MEDIA_SCANNER_SCAN_FILE broadcast, `scan_volume`, boot), and the
`content` command. Not for the files themselves (see `storage`) nor for making media (`media/`).

Choices, as on Android 14: the MIME type comes from the file name's extension (a JPEG named .png is
image/png), while width, height, orientation, duration and capture time are read from the content.
Hidden files, hidden folders, folders holding `.nomedia` (with everything below) and the apps'
private Android/data and Android/obb are not indexed; folders themselves get no rows. EXIF capture
times without an offset are read as UTC (the emulator's time zone); items with no capture time in
their content have datetaken NULL. `content delete` deletes the files too, as MediaProvider does.
"""

from __future__ import annotations

import datetime as dt
import functools
import mimetypes
import os
import posixpath
import re
import sqlite3
import stat as statmod
import struct
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any

from .androidtool import phone_of
from .shell.api import Context, applet
from .storage import EXTERNAL_STORAGE

VOLUME = "external_primary"
SCAN_FILE_ACTION = "android.intent.action.MEDIA_SCANNER_SCAN_FILE"

# (name, sqlite type) in the order `content query` prints them without --projection.
COLUMNS: list[tuple[str, str]] = [
    ("_id", "INTEGER PRIMARY KEY AUTOINCREMENT"), ("_data", "TEXT UNIQUE NOT NULL"), ("_size", "INTEGER"),
    ("_display_name", "TEXT"), ("mime_type", "TEXT"), ("title", "TEXT"), ("date_added", "INTEGER"),
    ("date_modified", "INTEGER"), ("datetaken", "INTEGER"), ("width", "INTEGER"), ("height", "INTEGER"),
    ("resolution", "TEXT"), ("orientation", "INTEGER"), ("duration", "INTEGER"), ("bucket_id", "INTEGER"),
    ("bucket_display_name", "TEXT"), ("relative_path", "TEXT"), ("volume_name", "TEXT"),
    ("media_type", "INTEGER"), ("is_pending", "INTEGER"), ("is_trashed", "INTEGER"), ("is_favorite", "INTEGER"),
    ("is_download", "INTEGER"), ("owner_package_name", "TEXT"), ("generation_added", "INTEGER"),
    ("generation_modified", "INTEGER"),
]
COLUMN_NAMES = [name for name, _ in COLUMNS]
MEDIA_TYPE = {"none": 0, "image": 1, "audio": 2, "video": 3}  # MediaStore.Files.FileColumns.MEDIA_TYPE_*

# Android's MimeUtils for the formats a gallery holds; anything else falls back to Python's table.
MIME_BY_EXTENSION = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "bmp": "image/x-ms-bmp", "heic": "image/heic", "heif": "image/heif", "avif": "image/avif",
    "dng": "image/x-adobe-dng", "cr2": "image/x-canon-cr2", "nef": "image/x-nikon-nef", "tif": "image/tiff",
    "tiff": "image/tiff", "mp4": "video/mp4", "m4v": "video/mp4", "mov": "video/quicktime",
    "3gp": "video/3gpp", "mkv": "video/x-matroska", "webm": "video/webm", "avi": "video/avi",
    "ts": "video/mp2ts", "mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac", "ogg": "audio/ogg",
    "oga": "audio/ogg", "opus": "audio/ogg", "wav": "audio/x-wav", "flac": "audio/flac", "amr": "audio/amr",
    "txt": "text/plain", "pdf": "application/pdf", "zip": "application/zip", "apk":
    "application/vnd.android.package-archive",
}
EXIF_ROTATION = {3: 180, 4: 180, 5: 270, 6: 90, 7: 90, 8: 270}  # ExifInterface.getRotationDegrees


class ContentError(Exception):
    """A provider failure; the text is the Java exception line `content` prints."""


def mime_for(name: str) -> str | None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in MIME_BY_EXTENSION:
        return MIME_BY_EXTENSION[ext]
    return mimetypes.guess_type(name, strict=False)[0]


@functools.lru_cache(maxsize=4096)  # one call per folder, not per file, during a scan
def java_string_hash(text: str) -> int:
    """String.hashCode (what MediaProvider uses for bucket_id), as a signed 32-bit int."""
    value = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        value = (31 * value + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


_EXIF_TIME = re.compile(r"(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)")


def _exif_time(text: Any, offset: Any, subsec: Any = None) -> int | None:
    """EXIF 'YYYY:MM:DD HH:MM:SS' (+ '+HH:MM', + SubSecTime digits) -> epoch milliseconds, as
    ExifInterface.getDateTimeOriginal reads them; no offset reads as UTC."""
    if not isinstance(text, str):
        return None
    match = _EXIF_TIME.match(text.strip())
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        when = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:  # 0000:00:00 00:00:00 and other impossible dates
        return None
    tz = dt.timezone.utc
    if isinstance(offset, str) and re.fullmatch(r"[+-]\d\d:\d\d", offset.strip().rstrip("\0")):
        sign = -1 if offset.strip()[0] == "-" else 1
        tz = dt.timezone(sign * dt.timedelta(hours=int(offset.strip()[1:3]), minutes=int(offset.strip()[4:6])))
    millis = 0
    if isinstance(subsec, str) and subsec.strip().rstrip("\0").isdigit():
        millis = int(subsec.strip().rstrip("\0")[:3].ljust(3, "0"))  # "5" is 500 ms, "123456" is 123 ms
    return int(when.replace(tzinfo=tz).timestamp()) * 1000 + millis


def _tiff_tags(tiff: bytes) -> dict[int, Any]:
    """The few EXIF tags the scanner needs, from a TIFF block (IFD0 and the Exif IFD)."""
    order = "<" if tiff[:2] == b"II" else ">"
    if tiff[:2] not in (b"II", b"MM"):
        return {}
    tags: dict[int, Any] = {}

    def read_ifd(offset: int, depth: int) -> None:
        if offset <= 0 or offset + 2 > len(tiff) or depth > 1:
            return
        (count,) = struct.unpack_from(order + "H", tiff, offset)
        for i in range(min(count, 512)):
            entry = offset + 2 + 12 * i
            if entry + 12 > len(tiff):
                return
            tag, kind, n = struct.unpack_from(order + "HHI", tiff, entry)
            if tag == 0x8769 and kind == 4:  # pointer to the Exif IFD
                read_ifd(struct.unpack_from(order + "I", tiff, entry + 8)[0], depth + 1)
            elif tag == 274 and kind == 3:  # Orientation, SHORT
                tags[tag] = struct.unpack_from(order + "H", tiff, entry + 8)[0]
            elif tag in (306, 36867, 36880, 36881, 37520, 37521) and kind == 2:  # date/time, offsets, subsec
                start = entry + 8 if n <= 4 else struct.unpack_from(order + "I", tiff, entry + 8)[0]
                tags[tag] = tiff[start:start + n].split(b"\0", 1)[0].decode("ascii", "replace")

    read_ifd(struct.unpack_from(order + "I", tiff, 4)[0], 0)
    return tags


def _jpeg_header(head: bytes) -> dict[str, Any] | None:
    """Dimensions and EXIF of a JPEG from its first bytes, without decoding (fast for big scans).
    None when the markers are not what a plain JPEG has (Pillow then takes over)."""
    if head[:2] != b"\xff\xd8":
        return None
    pos = 2
    exif: dict[int, Any] = {}
    while pos + 4 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        (length,) = struct.unpack_from(">H", head, pos + 2)
        if marker == 0xE1 and head[pos + 4:pos + 10] == b"Exif\0\0" and not exif:
            exif = _tiff_tags(head[pos + 10:pos + 2 + length])
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # SOFn
            if pos + 9 > len(head):
                return None
            height, width = struct.unpack_from(">HH", head, pos + 5)
            return {"width": width, "height": height, "exif": exif}
        pos += 2 + length
    return None


def _png_header(head: bytes) -> dict[str, Any] | None:
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack_from(">II", head, 16)
    exif: dict[int, Any] = {}
    pos = 8
    while pos + 8 <= len(head):  # eXIf comes before the image data (PNG 1.5 extension)
        size, kind = struct.unpack_from(">I4s", head, pos)
        if kind == b"eXIf":
            exif = _tiff_tags(head[pos + 8:pos + 8 + size])
            break
        if kind == b"IDAT":
            break
        pos += 12 + size
    return {"width": width, "height": height, "exif": exif}


def _gif_header(head: bytes) -> dict[str, Any] | None:
    if head[:6] not in (b"GIF87a", b"GIF89a") or len(head) < 10:
        return None
    width, height = struct.unpack_from("<HH", head, 6)  # logical screen descriptor
    return {"width": width, "height": height, "exif": {}}


def _webp_header(head: bytes) -> dict[str, Any] | None:
    """WebP canvas size (VP8, VP8L or VP8X) and its EXIF chunk, when within `head`."""
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    found: dict[str, Any] = {"exif": {}}
    pos = 12
    while pos + 8 <= len(head):
        kind, size = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        body = head[pos + 8:pos + 8 + size]
        if kind == b"VP8X" and len(body) >= 10:
            found["width"] = 1 + int.from_bytes(body[4:7], "little")
            found["height"] = 1 + int.from_bytes(body[7:10], "little")
        elif kind == b"VP8 " and len(body) >= 10 and "width" not in found:
            found["width"] = struct.unpack_from("<H", body, 6)[0] & 0x3FFF
            found["height"] = struct.unpack_from("<H", body, 8)[0] & 0x3FFF
        elif kind == b"VP8L" and len(body) >= 5 and "width" not in found:
            bits = int.from_bytes(body[1:5], "little")
            found["width"], found["height"] = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        elif kind == b"EXIF":
            found["exif"] = _tiff_tags(body[6:] if body.startswith(b"Exif\0\0") else body)
        pos += 8 + size + (size & 1)
    return found if "width" in found else None


def _heif_header(fh, head: bytes) -> dict[str, Any] | None:
    """HEIC/HEIF/AVIF size and EXIF through pillow-heif (no pixel decoding, no size limit)."""
    try:
        import pillow_heif

        if not pillow_heif.is_supported(head[:64]):
            return None
        heif = pillow_heif.open_heif(fh)
        raw = heif.info.get("exif") or b""
        exif = _tiff_tags(raw[6:] if raw.startswith(b"Exif\0\0") else raw)
        return {"width": heif.size[0], "height": heif.size[1], "exif": exif}
    except Exception:  # not installed, or a damaged file: Pillow gets its turn
        return None


def _image_fields(width: int, height: int, exif: dict[int, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"width": width, "height": height,
                           "orientation": EXIF_ROTATION.get(exif.get(274, 1), 0)}
    taken = _exif_time(exif.get(36867), exif.get(36881), exif.get(37521))
    if taken is None:
        taken = _exif_time(exif.get(306), exif.get(36880), exif.get(37520))  # DateTime + OffsetTime
    if taken is not None:
        out["datetaken"] = taken
    return out


@functools.cache
def _register_heif() -> None:
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # HEIC files then just have no dimensions
        pass


def probe_image(fh) -> dict[str, Any]:
    """Width, height, orientation and capture time from an image's content (never its name)."""
    head = fh.read(256 * 1024)
    quick = _jpeg_header(head) or _png_header(head) or _gif_header(head) or _webp_header(head)
    if quick is not None:
        return _image_fields(quick["width"], quick["height"], quick["exif"])
    fh.seek(0)
    heif = _heif_header(fh, head)
    if heif is not None:
        return _image_fields(heif["width"], heif["height"], heif["exif"])
    fh.seek(0)
    from PIL import Image

    _register_heif()
    out: dict[str, Any] = {}
    try:
        with Image.open(fh) as img:
            exif = img.getexif()
            tags = {t: exif.get(t) for t in (274, 306) if t in exif}
            tags.update({t: v for t, v in exif.get_ifd(0x8769).items() if t in (36867, 36880, 36881, 37520, 37521)})
            out = _image_fields(img.size[0], img.size[1], tags)
    except Exception:  # damaged or unknown content: Android indexes it without dimensions
        pass
    return out


def _video_rotation(container, stream) -> int:
    """Clockwise degrees, as Android's METADATA_KEY_VIDEO_ROTATION: the old `rotate` tag, else the
    display matrix (FFmpeg reports that one counterclockwise), read from the first frame."""
    rotate = stream.metadata.get("rotate")
    if rotate and rotate.lstrip("-").isdigit():
        return int(rotate) % 360
    try:
        frame = next(container.decode(stream))
        return int(-round(getattr(frame, "rotation", 0) or 0)) % 360
    except Exception:  # no decodable frame: no rotation to report
        return 0


def _open_container(av: Any, fh: Any) -> Any:
    """av.open, skipping metadata that is not valid UTF-8. PyAV 19 dropped the `metadata_errors`
    option (it no longer fails on such metadata), so newer versions open the file plainly."""
    try:
        return av.open(fh, metadata_errors="ignore")
    except TypeError:
        return av.open(fh)


def probe_av(fh) -> dict[str, Any]:
    """Dimensions, rotation, duration and creation time of a video or audio file, via PyAV."""
    import av

    out: dict[str, Any] = {}
    try:
        with _open_container(av, fh) as container:
            if container.duration:
                out["duration"] = int(container.duration / 1000)  # AV_TIME_BASE is microseconds
            created = container.metadata.get("creation_time")
            if created:
                try:
                    when = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
                    if when.tzinfo is None:
                        when = when.replace(tzinfo=dt.timezone.utc)
                    if when.year > 1970:
                        out["datetaken"] = int(when.timestamp() * 1000)
                except ValueError:
                    pass
            if container.streams.video:
                stream = container.streams.video[0]
                out["width"], out["height"] = stream.codec_context.width, stream.codec_context.height
                if "duration" not in out and stream.duration and stream.time_base:
                    out["duration"] = int(stream.duration * stream.time_base * 1000)
                out["orientation"] = _video_rotation(container, stream)
    except Exception:  # damaged or unknown content: indexed without these columns
        pass
    return out


@dataclass(frozen=True)
class Target:
    """What a content:// URI addresses in the media provider."""

    volume: str
    where: str  # SQL filter for the table (trusted: built here, never from user text)
    row_id: int | None
    media_type: int | None  # for inserts


def parse_uri(uri: str) -> Target:
    parts = urllib.parse.urlparse(uri)
    if parts.scheme != "content" or parts.netloc != "media":
        raise ContentError(f"java.lang.IllegalArgumentException: Unknown URI: {uri}")
    segs = [s for s in parts.path.split("/") if s]
    if not segs or segs[0] not in ("external", "external_primary", "internal", "none"):
        raise ContentError(f"java.lang.IllegalArgumentException: Unknown URI: {uri}")
    volume, rest = segs[0], segs[1:]
    row_id = None
    if rest and rest[-1].isdigit():
        row_id = int(rest[-1])
        rest = rest[:-1]
    kind = "/".join(rest)
    tables = {"images/media": ("media_type=1", 1), "video/media": ("media_type=3", 3),
              "audio/media": ("media_type=2", 2), "file": ("1", None), "files": ("1", None),
              "downloads": ("is_download=1", None), "": ("1", None)}
    if kind not in tables:
        raise ContentError(f"java.lang.IllegalArgumentException: Unknown URI: {uri}")
    where, media_type = tables[kind]
    if volume == "internal":
        where = "0"  # the internal volume holds system sounds; none on the virtual phone
    return Target(volume, where, row_id, media_type)


# -- the safe WHERE subset --------------------------------------------------------------------
_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<quoted>"[A-Za-z_][A-Za-z0-9_]*")
  | (?P<op><=|>=|!=|<>|==|=|<|>|\(|\)|,)
)""", re.VERBOSE)
_KEYWORDS = {"AND", "OR", "NOT", "LIKE", "GLOB", "IN", "IS", "NULL", "BETWEEN", "ESCAPE"}


def safe_where(text: str, columns: list[str]) -> tuple[str, list[Any]]:
    """Rebuild a user WHERE clause from whitelisted tokens: known columns, literals (bound as
    parameters), comparison operators, AND/OR/NOT, LIKE, IN, IS NULL, BETWEEN and parentheses.
    Anything else (functions, sub-queries, `;`, comments) is refused."""
    out, params, pos, depth = [], [], 0, 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ContentError(f"android.database.sqlite.SQLiteException: unrecognized token: "
                               f"\"{text[pos:].strip()[:20]}\" (code 1 SQLITE_ERROR)")
        pos = match.end()
        if match.group("str") is not None:
            out.append("?")
            params.append(match.group("str")[1:-1].replace("''", "'"))
        elif match.group("num") is not None:
            out.append("?")
            num = match.group("num")
            params.append(float(num) if "." in num else int(num))
        elif match.group("ident") is not None or match.group("quoted") is not None:
            word = (match.group("ident") or match.group("quoted")[1:-1])
            if word.upper() in _KEYWORDS and match.group("quoted") is None:
                out.append(word.upper())
            elif word.lower() in columns:  # SQLite names are case-insensitive
                out.append(f'"{word.lower()}"')
            else:
                raise ContentError(f"android.database.sqlite.SQLiteException: no such column: {word} "
                                   "(code 1 SQLITE_ERROR)")
        else:
            op = match.group("op")
            depth += {"(": 1, ")": -1}.get(op, 0)
            if depth < 0:
                raise ContentError("android.database.sqlite.SQLiteException: near \")\": syntax error "
                                   "(code 1 SQLITE_ERROR)")
            out.append(op)
    if depth:
        raise ContentError("android.database.sqlite.SQLiteException: incomplete input (code 1 SQLITE_ERROR)")
    return " ".join(out), params


def safe_sort(text: str, columns: list[str]) -> str:
    terms = []
    for term in text.split(","):
        words = term.split()
        if not words or words[0] not in columns or len(words) > 4:
            raise ContentError(f"android.database.sqlite.SQLiteException: no such column: {term.strip()} "
                               "(code 1 SQLITE_ERROR)")
        extra = [w.upper() for w in words[1:]]
        if extra not in ([], ["ASC"], ["DESC"], ["COLLATE", "NOCASE"], ["COLLATE", "NOCASE", "ASC"],
                         ["COLLATE", "NOCASE", "DESC"]):
            raise ContentError(f"android.database.sqlite.SQLiteException: near \"{words[1]}\": syntax error "
                               "(code 1 SQLITE_ERROR)")
        terms.append(" ".join([f'"{words[0]}"'] + extra))
    return ", ".join(terms)


def parse_binding(text: str) -> tuple[str, Any]:
    """`--bind name:type:value` (b s i l f d n) as the content command takes it."""
    name, _, rest = text.partition(":")
    kind, _, value = rest.partition(":")
    try:
        if kind == "s":
            return name, value
        if kind in ("i", "l"):
            return name, int(value)
        if kind in ("f", "d"):
            return name, float(value)
        if kind == "b":
            return name, 1 if value.lower() == "true" else 0
        if kind == "n":
            return name, None
    except ValueError:
        pass
    raise ContentError(f"java.lang.IllegalArgumentException: Invalid binding: {text}")


class MediaStore:
    """The phone's media database (MediaProvider). One per phone, persisted in `phone.state_dir`."""

    def __init__(self, phone: Any):
        self.phone = phone
        self._lock = threading.RLock()
        self._db = sqlite3.connect(os.path.join(str(phone.state_dir), "external.db"), check_same_thread=False)
        self._db.execute(f"CREATE TABLE IF NOT EXISTS files ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)")
        self._db.execute("CREATE INDEX IF NOT EXISTS files_bucket ON files (bucket_id)")
        self._db.commit()
        self._receiver_registered = False

    # -- generation (MediaStore.getGeneration): bumps on every change, for incremental syncs --------
    def _next_generation(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        value = (row[0] if row else 0) + 1
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (value,))
        return value

    # -- scanning -------------------------------------------------------------------------------
    def _canonical(self, path: str) -> str:
        return self.phone.storage.resolve(path).device

    @staticmethod
    def _hidden(device_path: str) -> bool:
        """Hidden names, and apps' private Android/data and Android/obb folders, are never scanned."""
        rel = device_path[len(EXTERNAL_STORAGE):].strip("/")
        if rel.split("/")[:2] in (["Android", "data"], ["Android", "obb"]):
            return True
        return any(part.startswith(".") for part in rel.split("/") if part)

    def _under_nomedia(self, device_dir: str) -> bool:
        """True if this folder or one above it (inside shared storage) holds `.nomedia`."""
        storage = self.phone.storage
        current = device_dir
        while current.startswith(EXTERNAL_STORAGE):
            if storage.exists(current + "/.nomedia"):
                return True
            if current == EXTERNAL_STORAGE:
                break
            current = posixpath.dirname(current)
        return False

    def _describe(self, device_path: str, st: os.stat_result) -> dict[str, Any]:
        name = posixpath.basename(device_path)
        parent = posixpath.dirname(device_path)
        rel_parent = parent[len(EXTERNAL_STORAGE):].strip("/")
        mime = mime_for(name)
        kind = mime.split("/", 1)[0] if mime else "none"
        media_type = MEDIA_TYPE.get(kind, 0)
        row: dict[str, Any] = {
            "_data": device_path, "_size": st.st_size, "_display_name": name, "mime_type": mime,
            "title": name.rsplit(".", 1)[0] if "." in name else name, "date_modified": int(st.st_mtime),
            "bucket_id": java_string_hash(parent.lower()), "bucket_display_name": posixpath.basename(parent),
            "relative_path": rel_parent + "/" if rel_parent else "/", "volume_name": VOLUME,
            "media_type": media_type, "is_pending": 0, "is_trashed": 0, "is_favorite": 0,
            "is_download": 1 if rel_parent.split("/")[0] == "Download" else 0,
            "datetaken": None, "width": None, "height": None, "resolution": None, "orientation": None,
            "duration": None,
        }
        if media_type in (1, 2, 3):
            try:
                with self.phone.storage.open_read(device_path) as fh:
                    found = probe_image(fh) if media_type == 1 else probe_av(fh)
            except OSError:
                found = {}
            row.update(found)
            if row["width"] and row["height"]:
                row["resolution"] = f"{row['width']}\u00d7{row['height']}"
            if media_type == 1 and row["orientation"] is None:
                row["orientation"] = 0
        return row

    def _upsert(self, rows: list[dict[str, Any]], known: dict[str, tuple]) -> None:
        """Write described rows; one scan or call is one change, so they share a generation."""
        if not rows:
            return
        now = int(time.time())
        gen = self._next_generation()
        for row in rows:
            row["generation_modified"] = gen
            if row["_data"] in known:
                # what apps set on the item (favorite, trash, pending) survives a rescan of its file
                cols = [c for c in row if c not in ("_data", "is_favorite", "is_trashed", "is_pending")]
                self._db.execute(f"UPDATE files SET {', '.join(f'{c}=?' for c in cols)} WHERE _data=?",
                                 [row[c] for c in cols] + [row["_data"]])
            else:
                row["date_added"], row["generation_added"] = now, gen
                cols = list(row)
                self._db.execute(f"INSERT INTO files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                 [row[c] for c in cols])

    def scan(self, path: str = EXTERNAL_STORAGE) -> int:
        """Scan a file or a folder tree (as MediaScanner does); returns rows added or refreshed.

        Unchanged files (same size and mtime) are skipped, rows of files that are gone, hidden or
        under `.nomedia` are removed. Only shared storage (/storage/emulated/0) is indexed."""
        started = time.monotonic()
        storage = self.phone.storage
        try:
            device = self._canonical(path)
        except OSError:
            return 0
        if not (device == EXTERNAL_STORAGE or device.startswith(EXTERNAL_STORAGE + "/")):
            return 0
        try:
            st = storage.lstat(device)
        except OSError:
            st = None
        changed: list[dict[str, Any]] = []
        seen: set[str] = set()
        with self._lock:
            # rows of the path itself and of everything below it: an index range ('/' + 1 is '0')
            prefix = device.rstrip("/") + "/"
            known = {r[0]: (r[1], r[2]) for r in self._db.execute(
                "SELECT _data, _size, date_modified FROM files WHERE _data = ? OR (_data >= ? AND _data < ?)",
                (device, prefix, prefix[:-1] + "0"))}
            excluded = self._hidden(device) or self._under_nomedia(
                device if st is not None and statmod.S_ISDIR(st.st_mode) else posixpath.dirname(device))
            if st is not None and not excluded:
                if statmod.S_ISDIR(st.st_mode):
                    for folder, dirs, others in storage.walk(device):
                        if any(e.name == ".nomedia" for e in others):
                            dirs.clear()
                            continue
                        dirs[:] = [d for d in dirs if not self._hidden(posixpath.join(folder, d.name))]
                        for entry in others:
                            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                                continue
                            self._consider(posixpath.join(folder, entry.name),
                                           entry.stat(follow_symlinks=False), known, seen, changed)
                elif statmod.S_ISREG(st.st_mode):
                    self._consider(device, st, known, seen, changed)
            self._upsert(changed, known)
            gone = [p for p in known if p not in seen]
            self._db.executemany("DELETE FROM files WHERE _data=?", [(p,) for p in gone])
            self._db.commit()
        took = int((time.monotonic() - started) * 1000)
        self._log(f"Scanned {device}: {len(seen)} items, {len(changed)} new or changed, {len(gone)} removed "
                  f"in {took}ms")
        return len(changed)

    def _consider(self, device_path: str, st: os.stat_result, known: dict, seen: set, changed: list) -> None:
        seen.add(device_path)
        if known.get(device_path) == (st.st_size, int(st.st_mtime)):
            return
        changed.append(self._describe(device_path, st))

    def scan_file_uri(self, uri: str) -> None:
        """MEDIA_SCANNER_SCAN_FILE with `-d file:///sdcard/x.jpg`."""
        if uri.startswith("file://"):
            self.scan(urllib.parse.unquote(uri[len("file://"):]))

    def uri_of(self, device_path: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT _id, media_type FROM files WHERE _data=?", (device_path,)).fetchone()
        if row is None:
            return None
        kind = {1: "images/media", 2: "audio/media", 3: "video/media"}.get(row[1], "file")
        return f"content://media/{VOLUME}/{kind}/{row[0]}"

    # -- provider operations ------------------------------------------------------------------
    def _filter(self, target: Target, where: str | None) -> tuple[str, list[Any]]:
        sql, params = target.where, []
        if target.row_id is not None:
            sql += " AND _id = ?"
            params.append(target.row_id)
        if where:
            user_sql, user_params = safe_where(where, COLUMN_NAMES)
            if user_sql:
                sql += f" AND ({user_sql})"
                params += user_params
        return sql, params

    def query(self, uri: str, projection: list[str] | None = None, where: str | None = None,
              sort: str | None = None) -> tuple[list[str], list[tuple]]:
        target = parse_uri(uri)
        columns = projection or COLUMN_NAMES
        for col in columns:
            if col not in COLUMN_NAMES:
                raise ContentError(f"java.lang.IllegalArgumentException: Invalid column {col}")
        sql, params = self._filter(target, where)
        order = f" ORDER BY {safe_sort(sort, COLUMN_NAMES)}" if sort else ""
        with self._lock:
            try:
                rows = self._db.execute(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM files "
                                        f"WHERE {sql}{order}", params).fetchall()
            except sqlite3.Error as exc:
                raise ContentError(f"android.database.sqlite.SQLiteException: {exc} (code 1 SQLITE_ERROR)") from None
        return list(columns), rows

    def insert(self, uri: str, values: dict[str, Any]) -> str:
        """A new item (as an app's insert does): the row and an empty file at its path."""
        target = parse_uri(uri)
        for col in values:
            if col not in COLUMN_NAMES or col == "_id":
                raise ContentError(f"java.lang.IllegalArgumentException: Invalid column {col}")
        name = values.get("_display_name")
        if not values.get("_data"):
            if not name:
                raise ContentError("java.lang.IllegalArgumentException: _display_name is required")
            default_dir = {1: "Pictures/", 2: "Music/", 3: "Movies/"}.get(target.media_type or 0, "Download/")
            rel = (values.get("relative_path") or default_dir).strip("/")
            values["_data"] = f"{EXTERNAL_STORAGE}/{rel}/{name}"
        device = self._canonical(values["_data"])
        storage = self.phone.storage
        if not storage.exists(device):
            storage.makedirs(posixpath.dirname(device))
            storage.write_bytes(device, b"")
        st = storage.lstat(device)
        row = self._describe(device, st)
        row.update({k: v for k, v in values.items() if k != "_data"})
        with self._lock:
            known = {r[0]: () for r in self._db.execute("SELECT _data FROM files WHERE _data=?", (device,))}
            self._upsert([row], known)
            self._db.commit()
        return self.uri_of(device) or uri

    def update(self, uri: str, values: dict[str, Any], where: str | None) -> int:
        target = parse_uri(uri)
        for col in values:
            if col not in COLUMN_NAMES or col in ("_id", "_data"):
                raise ContentError(f"java.lang.IllegalArgumentException: Invalid column {col}")
        sql, params = self._filter(target, where)
        with self._lock:
            rows = self._db.execute(f"SELECT _id, _data FROM files WHERE {sql}", params).fetchall()
            for row_id, data in rows:
                new = dict(values)
                if "_display_name" in new or "relative_path" in new:
                    # renaming or moving an item moves its file, as MediaProvider does
                    rel = new.get("relative_path") or posixpath.dirname(data)[len(EXTERNAL_STORAGE) + 1:]
                    dest = f"{EXTERNAL_STORAGE}/{rel.strip('/')}/{new.get('_display_name') or posixpath.basename(data)}"
                    dest = dest.replace("//", "/")
                    if dest != data:
                        self.phone.storage.makedirs(posixpath.dirname(dest))
                        self.phone.storage.rename(data, dest)
                        described = self._describe(dest, self.phone.storage.lstat(dest))
                        new = {**{k: v for k, v in described.items() if k in (
                            "_data", "_display_name", "relative_path", "bucket_id", "bucket_display_name",
                            "title", "mime_type", "is_download")}, **new}
                new["generation_modified"] = self._next_generation()
                cols = list(new)
                self._db.execute(f"UPDATE files SET {', '.join(f'{c}=?' for c in cols)} WHERE _id=?",
                                 [new[c] for c in cols] + [row_id])
            self._db.commit()
        return len(rows)

    def delete(self, uri: str, where: str | None) -> int:
        """Delete matching rows and their files."""
        target = parse_uri(uri)
        sql, params = self._filter(target, where)
        with self._lock:
            rows = self._db.execute(f"SELECT _id, _data FROM files WHERE {sql}", params).fetchall()
            for _row_id, data in rows:
                try:
                    self.phone.storage.unlink(data)
                except OSError:
                    pass
            self._db.executemany("DELETE FROM files WHERE _id=?", [(r[0],) for r in rows])
            self._db.commit()
        return len(rows)

    def call(self, uri: str, method: str, arg: str | None) -> str:
        """`content call`: scan_volume / scan_file; returns what `Result:` shows."""
        if method == "scan_volume":
            if arg not in (None, "external", "external_primary", "internal"):
                raise ContentError(f"java.lang.IllegalArgumentException: Volume {arg} not found")
            if arg != "internal":
                self.scan(EXTERNAL_STORAGE)
            return "null"
        if method == "scan_file":
            if not arg:
                raise ContentError("java.lang.IllegalArgumentException: Missing file path")
            self.scan(arg)
            found = self.uri_of(self._canonical(arg))
            return f"Bundle[{{android.intent.extra.STREAM={found}}}]" if found else "Bundle[{}]"
        if method == "get_generation":  # MediaStore.getGeneration: bumps on every change
            return f"Bundle[{{android.intent.extra.INDEX={self.generation()}}}]"
        if method == "get_version":  # MediaStore.getVersion: changes only when the database is recreated
            return f"Bundle[{{android.intent.extra.TEXT={self.version()}}}]"
        raise ContentError(f"java.lang.UnsupportedOperationException: Unsupported call: {method}")

    def version(self) -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
            if row is None:
                row = (uuid.uuid4().hex[:16],)
                self._db.execute("INSERT INTO meta VALUES ('version', ?)", row)
                self._db.commit()
        return str(row[0])

    def generation(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return row[0] if row else 0

    def path_of(self, uri: str) -> str:
        target = parse_uri(uri)
        if target.row_id is None:
            raise ContentError(f"java.io.FileNotFoundException: No item at {uri}")
        with self._lock:
            row = self._db.execute(f"SELECT _data FROM files WHERE {target.where} AND _id=?",
                                   (target.row_id,)).fetchone()
        if row is None:
            raise ContentError(f"java.io.FileNotFoundException: No item at {uri}")
        return row[0]

    # -- lifecycle ------------------------------------------------------------------------------
    def register_receivers(self) -> None:
        """Listen for MEDIA_SCANNER_SCAN_FILE once the activity manager exists."""
        activity = getattr(getattr(self.phone, "system", None), "activity", None)
        if self._receiver_registered or activity is None or not hasattr(activity, "register_receiver"):
            return
        activity.register_receiver(SCAN_FILE_ACTION, self._on_scan_broadcast)
        self._receiver_registered = True

    def _on_scan_broadcast(self, intent: Any, *_: Any) -> None:
        data = getattr(intent, "data", None) or (intent.get("data") if isinstance(intent, dict) else None)
        if data:
            self.scan_file_uri(data)

    def on_boot_started(self) -> None:
        self.register_receivers()

    def on_boot_completed(self) -> None:
        """A full rescan at boot: new files appear, rows of deleted files go."""
        self.register_receivers()
        self.scan(EXTERNAL_STORAGE)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _log(self, message: str) -> None:
        system = getattr(self.phone, "system", None)
        if system is not None:
            system.log("MediaProvider", message)


# -- `content` ------------------------------------------------------------------------------
def format_value(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "BLOB"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def print_rows(ctx: Context, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        ctx.out("No result found.\n")
        return
    for index, row in enumerate(rows):
        ctx.out(f"Row: {index} " + ", ".join(f"{c}={format_value(v)}" for c, v in zip(columns, row, strict=True)) + "\n")


def _settings_rows(ctx: Context, namespace: str) -> list[tuple]:
    return [(i + 1, name, value) for i, (name, value) in enumerate(phone_of(ctx).system.settings.items(namespace))]


def _settings_provider(ctx: Context, verb: str, uri: str, opts: dict[str, Any]) -> int:
    """content://settings/{global,system,secure}: rows of (_id, name, value)."""
    parts = [s for s in urllib.parse.urlparse(uri).path.split("/") if s]
    if not parts or parts[0] not in ("global", "system", "secure"):
        raise ContentError(f"java.lang.IllegalArgumentException: Invalid URI: {uri}")
    namespace, settings = parts[0], phone_of(ctx).system.settings
    rows = _settings_rows(ctx, namespace)
    if len(parts) > 1:
        rows = [r for r in rows if r[1] == parts[1]]
    columns = ["_id", "name", "value"]
    matched = rows
    if opts["where"]:
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE t (_id INTEGER, name TEXT, value TEXT)")
        db.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
        sql, params = safe_where(opts["where"], columns)
        try:
            matched = db.execute(f"SELECT * FROM t WHERE {sql or '1'}", params).fetchall()
        except sqlite3.Error as exc:
            raise ContentError(f"android.database.sqlite.SQLiteException: {exc} (code 1 SQLITE_ERROR)") from None
    if verb == "query":
        projection = opts["projection"] or columns
        for col in projection:
            if col not in columns:
                raise ContentError(f"java.lang.IllegalArgumentException: Invalid column {col}")
        print_rows(ctx, projection, [tuple(dict(zip(columns, r, strict=True))[c] for c in projection) for r in matched])
    elif verb == "insert":
        binds = opts["binds"]
        if "name" not in binds:
            raise ContentError("java.lang.IllegalArgumentException: name is required")
        settings.put(namespace, str(binds["name"]), "" if binds.get("value") is None else str(binds["value"]))
    elif verb == "update":
        for row in matched:
            if "value" in opts["binds"]:
                settings.put(namespace, row[1], str(opts["binds"]["value"]))
    elif verb == "delete":
        for row in matched:
            settings.delete(namespace, row[1])
    return 0


CONTENT_USAGE = """usage: adb shell content [subcommand] [options]

usage: adb shell content insert --uri <URI> [--user <USER_ID>] --bind <BINDING> [--bind <BINDING>...]
usage: adb shell content update --uri <URI> [--user <USER_ID>] [--where <WHERE>] --bind <BINDING>...
usage: adb shell content delete --uri <URI> [--user <USER_ID>] [--where <WHERE>]
usage: adb shell content query --uri <URI> [--user <USER_ID>] [--projection <PROJECTION>] [--where <WHERE>] [--sort <SORT_ORDER>]
usage: adb shell content call --uri <URI> --method <METHOD> [--arg <ARG>] [--extra <BINDING> ...]
usage: adb shell content read --uri <URI> [--user <USER_ID>]
"""


@applet("content")
def content(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if not args or args[0] in ("-h", "--help", "help"):
        ctx.out(CONTENT_USAGE)
        return 0
    verb = args[0]
    opts: dict[str, Any] = {"uri": None, "projection": None, "where": None, "sort": None, "binds": {},
                            "method": None, "arg": None}
    i = 1
    try:
        while i < len(args):
            key = args[i]
            value = args[i + 1] if i + 1 < len(args) else None
            if value is None and key.startswith("--"):
                raise ContentError(f"java.lang.IllegalArgumentException: Argument expected after \"{key}\"")
            if key in ("--uri", "--where", "--sort", "--method", "--arg"):
                opts[key[2:]] = value
            elif key == "--projection":
                opts["projection"] = [c for c in (value or "").split(":") if c]
            elif key in ("--bind", "--extra"):
                name, val = parse_binding(value or "")
                opts["binds"][name] = val
            elif key == "--user":
                pass
            else:
                ctx.stderr.write(f"Error: Unknown argument: {key}\n".encode())
                ctx.out(CONTENT_USAGE)
                return 1
            i += 2
        if verb not in ("query", "insert", "update", "delete", "call", "read"):
            ctx.stderr.write(f"Error: Unknown command: {verb}\n".encode())
            return 1
        if not opts["uri"]:
            ctx.stderr.write(b"Error: Content provider URI not specified\n")
            return 1
        authority = urllib.parse.urlparse(opts["uri"]).netloc
        if authority == "settings":
            return _settings_provider(ctx, verb, opts["uri"], opts)
        if authority != "media":
            raise ContentError(f"java.lang.IllegalStateException: Could not find provider: {authority}")
        media: MediaStore = phone_of(ctx).system.media
        if verb == "query":
            columns, rows = media.query(opts["uri"], opts["projection"], opts["where"], opts["sort"])
            print_rows(ctx, columns, rows)
        elif verb == "insert":
            media.insert(opts["uri"], dict(opts["binds"]))
        elif verb == "update":
            media.update(opts["uri"], dict(opts["binds"]), opts["where"])
        elif verb == "delete":
            media.delete(opts["uri"], opts["where"])
        elif verb == "call":
            if not opts["method"]:
                ctx.stderr.write(b"Error: Content provider method not specified.\n")
                return 1
            ctx.out(f"Result: {media.call(opts['uri'], opts['method'], opts['arg'])}\n")
        elif verb == "read":
            with ctx.storage.open_read(media.path_of(opts["uri"])) as fh:
                while chunk := fh.read(1 << 16):
                    ctx.stdout.write(chunk)
        return 0
    except ContentError as exc:
        authority = urllib.parse.urlparse(opts["uri"] or "").netloc or "null"
        ctx.stderr.write(f"Error while accessing provider:{authority}\n{exc}\n".encode())
        return 1
    except OSError as exc:
        ctx.stderr.write(f"Error while accessing provider:media\njava.io.IOException: {exc.strerror}\n".encode())
        return 1
