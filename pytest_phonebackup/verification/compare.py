"""Comparing a restored file with its original on the host: decode it with the independent readers of
media/probe.py, measure how far two pictures are apart, and tell damage (truncation, appended data,
flipped bytes) from recompression. Not for pairing files or deciding verdicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from ..media.probe import Probe, probe

RECOMPRESSED_MAX_DISTANCE = 12.0  # mean grey difference up to which two images show the same picture


def read_facts(path: Path) -> Probe:
    """Decode a file with the independent readers of media/probe.py (never raises on bad files)."""
    try:
        return probe(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure means "does not decode"
        return Probe(size=path.stat().st_size, sha256="", format="unknown", decodes=False,
                     error=f"{type(exc).__name__}: {exc}")


def pixel_distance(a: Path, b: Path, size: int = 64) -> float | None:
    """Mean absolute difference (0..255) of two images scaled to `size`x`size` grey; None if either
    does not decode. 0 = same picture; recompression stays in single digits; another picture is far."""
    from PIL import Image, ImageOps

    try:
        with Image.open(a) as ia, Image.open(b) as ib:
            ia.draft("L", (size * 4, size * 4))
            ib.draft("L", (size * 4, size * 4))
            ga = ImageOps.exif_transpose(ia).convert("L").resize((size, size))
            gb = ImageOps.exif_transpose(ib).convert("L").resize((size, size))
    except Exception:  # noqa: BLE001
        return None
    pa, pb = ga.tobytes(), gb.tobytes()
    return sum(abs(x - y) for x, y in zip(pa, pb, strict=True)) / len(pa)


def describe_byte_difference(original: Path, restored: Path) -> tuple[str, dict[str, Any]] | None:
    """Truncation, data appended, or a few flipped bytes: damage, not recompression. None otherwise."""
    osize, rsize = original.stat().st_size, restored.stat().st_size
    with original.open("rb") as fo, restored.open("rb") as fr:
        if rsize < osize:
            if _is_prefix(fr, fo, rsize):
                return f"truncated: {rsize:,} of {osize:,} bytes came back", {"truncated_at": rsize, "expected_size": osize}
            return None
        if rsize > osize:
            if _is_prefix(fo, fr, osize):
                return (f"grew by {rsize - osize:,} bytes: the original followed by extra data",
                        {"extra_bytes": rsize - osize, "expected_size": osize})
            return None
        differing, first = 0, None
        offset = 0
        while True:
            ca, cb = fo.read(1 << 20), fr.read(1 << 20)
            if not ca:
                break
            if ca != cb:
                for i, (x, y) in enumerate(zip(ca, cb, strict=False)):
                    if x != y:
                        differing += 1
                        if first is None:
                            first = offset + i
            offset += len(ca)
        if first is not None and differing <= max(16, osize // 1000):
            return (f"{differing} byte(s) differ, first at offset {first:,} (same size): damaged in transfer or storage",
                    {"differing_bytes": differing, "first_difference": first})
    return None


def _is_prefix(short: BinaryIO, long: BinaryIO, length: int) -> bool:
    while length > 0:
        a, b = short.read(min(length, 1 << 20)), long.read(min(length, 1 << 20))
        if a != b:
            return False
        length -= len(a)
    return True
