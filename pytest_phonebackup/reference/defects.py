"""Deliberate defects for the reference tool: each breaks a restore in exactly one way, so tests
can prove the harness reports that kind of loss with the right verdict (the detection matrix).
Each fault works on the staged copy of a backup, never on the backup itself.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from PIL import Image

REFERENCE_MAX_PHOTO_BYTES = 75 * 1000**2  # the limit a "silently skips big photos" tool applies
REFERENCE_MIN_SIDE = 256
JPEG_EXT = (".jpg", ".jpeg")
TIME_TOLERANCE = 2.0  # seconds a file time may move unnoticed (the reference policy's time_tolerance)
IMAGE_EXT = JPEG_EXT + (".png", ".webp", ".gif", ".heic", ".tif", ".tiff", ".dng")

class Damage(NamedTuple):
    """What a fault did: the files the broken tool still restores, and the paths it harmed (seeded
    items, relative to the storage root; for a file the tool adds, that file)."""

    restored: list[str]
    damaged: list[str]


def _unshare(path: Path) -> None:
    """Staged files are hard links to the backup: copy before changing one."""
    tmp = path.with_name(path.name + ".fault-tmp")
    shutil.copy2(path, tmp)
    os.replace(tmp, path)


@contextmanager
def _edited_in_place(path: Path) -> Iterator[Path]:
    """Change a staged file's bytes while keeping its modification time, as a careless tool would."""
    _unshare(path)
    mtime = path.stat().st_mtime
    yield path
    os.utime(path, (mtime, mtime))


def _first(staging: Path, rels: list[str], accept: Callable[[str, Path], bool]) -> str:
    for rel in sorted(rels):
        if accept(rel, staging / rel):
            return rel
    raise RuntimeError("no file in this backup suits the fault; seed a profile with photos (smoke or edge)")


def _is_plain_jpeg(rel: str, path: Path) -> bool:
    if not rel.lower().endswith(JPEG_EXT) or path.stat().st_size < 1024:
        return False
    try:
        from PIL import Image

        with Image.open(path) as im:
            im.verify()
        return True
    except Exception:  # noqa: BLE001
        return False


def _has_exif_tag(path: Path, tag: int, ifd: int | None = None) -> bool:
    from PIL import Image

    try:
        with Image.open(path) as im:
            exif = im.getexif()
            if ifd is not None:
                return bool(exif.get_ifd(ifd))
            return tag in exif.get_ifd(0x8769) or tag in exif
    except Exception:  # noqa: BLE001
        return False


def replace_exif(path: Path, edit: Callable[[Image.Exif], None]) -> None:
    """Rewrite a JPEG's EXIF segment without re-encoding its pixels."""
    from PIL import Image

    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
    edit(exif)
    raw = exif.tobytes()
    new_app1 = raw if raw.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + raw
    out = bytearray(data[:2])
    pos, replaced = 2, False
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            break
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        segment = data[pos:pos + 2 + length]
        if marker == 0xE1 and segment[4:10] == b"Exif\x00\x00" and not replaced:
            out += b"\xff\xe1" + struct.pack(">H", len(new_app1) + 2) + new_app1
            replaced = True
        else:
            out += segment
        pos += 2 + length
    out += data[pos:]
    path.write_bytes(bytes(out))


def drop(staging: Path, rels: list[str]) -> Damage:
    victim = _first(staging, rels, lambda r, p: p.stat().st_size > 0)
    (staging / victim).unlink()
    return Damage([r for r in rels if r != victim], [victim])


def truncate(staging: Path, rels: list[str]) -> Damage:
    victim = _first(staging, rels, lambda r, p: p.stat().st_size > 1024)
    with _edited_in_place(staging / victim) as path, path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)
    return Damage(rels, [victim])


def bitflip(staging: Path, rels: list[str]) -> Damage:
    victim = _first(staging, rels, lambda r, p: p.stat().st_size > 1024)
    with _edited_in_place(staging / victim) as path, path.open("r+b") as f:
        f.seek(path.stat().st_size // 2)
        byte = f.read(1)[0]
        f.seek(-1, 1)
        f.write(bytes([byte ^ 0x10]))
    return Damage(rels, [victim])


def strip_datetime(staging: Path, rels: list[str]) -> Damage:
    victim = _first(staging, rels, lambda r, p: _is_plain_jpeg(r, p) and _has_exif_tag(p, 0x9003))

    def edit(exif: Image.Exif) -> None:
        sub = exif.get_ifd(0x8769)
        sub.pop(0x9003, None)  # DateTimeOriginal
        sub.pop(0x9011, None)  # OffsetTimeOriginal

    with _edited_in_place(staging / victim) as path:
        replace_exif(path, edit)
    return Damage(rels, [victim])


def strip_gps(staging: Path, rels: list[str]) -> Damage:
    victim = _first(staging, rels, lambda r, p: _is_plain_jpeg(r, p) and _has_exif_tag(p, 0, ifd=0x8825))

    def edit(exif: Image.Exif) -> None:
        exif.get_ifd(0x8825).clear()
        exif.pop(0x8825, None)

    with _edited_in_place(staging / victim) as path:
        replace_exif(path, edit)
    return Damage(rels, [victim])


def recompress(staging: Path, rels: list[str]) -> Damage:
    from PIL import Image

    victim = _first(staging, rels, lambda r, p: _is_plain_jpeg(r, p) and p.stat().st_size < 20 * 1000**2)
    with _edited_in_place(staging / victim) as path:
        with Image.open(path) as im:
            exif = im.getexif()
            im.load()
            buffer = io.BytesIO()
            im.save(buffer, "JPEG", quality=60, exif=exif.tobytes())
        path.write_bytes(buffer.getvalue())
    return Damage(rels, [victim])


def _named_file(staging: Path, rels: list[str]) -> tuple[str, str, str]:
    """The first non-empty file with an extension: (its path, the path without extension, the extension)."""
    victim = _first(staging, rels, lambda r, p: p.stat().st_size > 0 and "." in r.rsplit("/", 1)[-1])
    stem, ext = os.path.splitext(victim)
    return victim, stem, ext


def rename_copy_suffix(staging: Path, rels: list[str]) -> Damage:
    victim, stem, ext = _named_file(staging, rels)
    renamed = f"{stem} (1){ext}"
    os.rename(staging / victim, staging / renamed)
    return Damage([renamed if r == victim else r for r in rels], [victim])


def move(staging: Path, rels: list[str]) -> Damage:
    victim = _first(staging, rels, lambda r, p: p.stat().st_size > 0 and "/" in r)
    moved = "Restored/" + victim.rsplit("/", 1)[-1]
    (staging / "Restored").mkdir(exist_ok=True)
    os.rename(staging / victim, staging / moved)
    return Damage([moved if r == victim else r for r in rels], [victim])


def _retime(staging: Path, rels: list[str], new_time: Callable[[float], float],
            accept: Callable[[str, Path], bool] = lambda r, p: p.stat().st_size > 0) -> Damage:
    """Give the first file `accept` picks the time `new_time` makes of its own."""
    victim = _first(staging, rels, accept)
    path = staging / victim
    _unshare(path)
    when = new_time(path.stat().st_mtime)
    os.utime(path, (when, when))
    return Damage(rels, [victim])


def reset_mtime(staging: Path, rels: list[str]) -> Damage:
    return _retime(staging, rels, lambda _mtime: time.time())


def truncate_mtime_minute(staging: Path, rels: list[str]) -> Damage:
    """Keep file times to the minute only, as popular adb-sync tools do."""
    return _retime(staging, rels, lambda mtime: mtime // 60 * 60,
                   lambda r, p: p.stat().st_size > 0 and p.stat().st_mtime % 60 > TIME_TOLERANCE)


def shift_mtime_hour(staging: Path, rels: list[str]) -> Damage:
    """Restore a file time one hour late: the time-zone / daylight-saving mistake."""
    return _retime(staging, rels, lambda mtime: mtime + 3600)


def _image_min_side(path: Path) -> int | None:
    from PIL import Image

    try:
        with Image.open(path) as im:
            return int(min(im.size))
    except Exception:  # noqa: BLE001
        return None


def _drop(staging: Path, rels: list[str], unwanted: Callable[[str, Path], bool], none_found: str) -> Damage:
    """Delete the files `unwanted` picks out of the backup; the rest is what gets restored."""
    kept, dropped = [], []
    for rel in rels:
        if unwanted(rel, staging / rel):
            (staging / rel).unlink()
            dropped.append(rel)
        else:
            kept.append(rel)
    if not dropped:
        raise RuntimeError(none_found)
    return Damage(kept, dropped)


def skip_over_limit(staging: Path, rels: list[str]) -> Damage:
    return _drop(staging, rels,
                 lambda rel, path: rel.lower().endswith(IMAGE_EXT) and path.stat().st_size > REFERENCE_MAX_PHOTO_BYTES,
                 "no photo over 75 MB in this backup; use the edge profile")


def _is_tiny_image(rel: str, path: Path) -> bool:
    side = _image_min_side(path) if rel.lower().endswith(IMAGE_EXT) else None
    return side is not None and side < REFERENCE_MIN_SIDE


def skip_tiny(staging: Path, rels: list[str]) -> Damage:
    return _drop(staging, rels, _is_tiny_image, "no image under 256 pixels in this backup; use the edge profile")


def duplicate(staging: Path, rels: list[str]) -> Damage:
    victim, stem, ext = _named_file(staging, rels)
    copy = f"{stem}-copy{ext}"
    shutil.copy2(staging / victim, staging / copy)
    return Damage(rels + [copy], [copy])  # the copy is what comes back twice


def add_file(staging: Path, rels: list[str]) -> Damage:
    extra = "Download/restore-report.txt"
    (staging / "Download").mkdir(exist_ok=True)
    (staging / extra).write_text("restored by adb-mirror\n")
    return Damage(rels + [extra], [extra])


FAULTS: dict[str, Callable[[Path, list[str]], Damage]] = {
    "drop": drop, "truncate": truncate, "bitflip": bitflip, "strip-datetime": strip_datetime,
    "strip-gps": strip_gps, "recompress": recompress, "rename-copy-suffix": rename_copy_suffix, "move": move,
    "reset-mtime": reset_mtime, "truncate-mtime-minute": truncate_mtime_minute, "shift-mtime-hour": shift_mtime_hour,
    "skip-over-limit": skip_over_limit, "skip-tiny": skip_tiny,
    "duplicate": duplicate, "add-file": add_file,
}


def apply_fault(name: str, staging: Path, rels: list[str]) -> Damage:
    try:
        fault = FAULTS[name]
    except KeyError:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}") from None
    return fault(staging, rels)
