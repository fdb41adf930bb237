"""Writers: turn one MediaSpec into a real file (JPEG, PNG, HEIC, WebP, GIF, TIFF/DNG, MP4/MOV/3GP)
with EXIF, exact-size padding and deliberate damage. Deterministic: same spec, same bytes.
Not for deciding what to make (catalog.py) or checking what was made (probe.py).
"""

from __future__ import annotations

import colorsys
import functools
import io
import os
import random
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import av
import numpy as np
import pillow_heif
from PIL import Image, ImageDraw, ImageFont, TiffImagePlugin, TiffTags

from ..errors import MakeError

if TYPE_CHECKING:
    from .catalog import MediaSpec

# Bump when the bytes a writer produces change, so cached files made by older code are not reused.
GENERATOR_VERSION = 3

# JPEG segment limits (ITU T.81 B.1.1.4): the length field is 16 bits and counts itself.
JPEG_SEGMENT_MAX_PAYLOAD = 65535 - 2
JPEG_PAD_MARKER = b"\xff\xef"  # APP15: applications ignore APPn segments they do not know
JPEG_PAD_IDENT = b"PHONEBACKUP-PAD\x00"

# EXIF tags (EXIF 2.32, tables 4-7).
TAG_MAKE, TAG_MODEL, TAG_ORIENTATION, TAG_DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
TAG_EXIF_IFD, TAG_GPS_IFD = 0x8769, 0x8825
TAG_DATETIME_ORIGINAL, TAG_DATETIME_DIGITIZED = 0x9003, 0x9004
TAG_OFFSET_TIME, TAG_OFFSET_TIME_ORIGINAL = 0x9010, 0x9011
TAG_SUBSEC_TIME, TAG_SUBSEC_TIME_ORIGINAL, TAG_SUBSEC_TIME_DIGITIZED = 0x9290, 0x9291, 0x9292
TAG_GPS_LAT_REF, TAG_GPS_LAT, TAG_GPS_LON_REF, TAG_GPS_LON = 1, 2, 3, 4
TAG_DNG_VERSION = 50706  # Adobe DNG 1.4 spec, "DNGVersion"

_heif_registered = False


def make(spec: MediaSpec, dest: Path) -> None:
    """Write `spec` to `dest` (parent folders created). The caller sets the mtime and hashes."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    writer = WRITERS.get(spec.format)
    if writer is None:
        raise MakeError(f"{spec.id}: no writer for format {spec.format!r}; known: {', '.join(sorted(WRITERS))}")
    writer(spec, dest)
    if spec.damage == "truncate":
        truncate(dest, spec.truncate_to)


IN_MEMORY_FORMATS = ("jpeg", "png", "webp", "gif", "text", "empty")


def render(spec: MediaSpec) -> bytes | None:
    """The whole file as bytes, for a small file of a format encoded in memory without padding to a
    size (None otherwise: `make` writes it). Same bytes as `make` writes."""
    if spec.format not in IN_MEMORY_FORMATS or spec.bytes is not None:
        return None
    if spec.encoding == "shared":
        data = shared_jpeg(spec)
    elif spec.format == "empty":
        data = b""
    elif spec.format == "text":
        data = (spec.label + "\n").encode("utf-8")
    else:
        encoded = io.BytesIO()
        ENCODERS[spec.format](spec, encoded)
        data = encoded.getvalue()
    if spec.damage == "truncate":
        data = data[:max(1, int(len(data) * spec.truncate_to))]
    return data


# --- pictures -------------------------------------------------------------------------------------


def item_colour(seed: int) -> tuple[int, int, int]:
    """A saturated colour picked by the seed: neighbouring items look clearly different."""
    rng = random.Random(seed)
    r, g, b = colorsys.hsv_to_rgb(rng.random(), 0.55 + 0.4 * rng.random(), 0.55 + 0.4 * rng.random())
    return int(r * 255), int(g * 255), int(b * 255)


def picture(spec: MediaSpec, frame: int = 0, rows: tuple[int, int] | None = None) -> Image.Image:
    """A colour field with the item's label in big letters, so a human tells thumbnails apart.
    `rows` = (top, bottom) draws only those rows of it: the same pixels as a crop of the whole."""
    width, height = spec.dimensions
    top, bottom = rows or (0, height)
    colour = item_colour(spec.content_seed + frame * 7919)
    image = Image.new("RGB", (width, bottom - top), colour)
    draw = ImageDraw.Draw(image)
    # A darker band and the label; sizes follow the picture so tiny and huge images both show it.
    band_top, band_bottom = band_rows(width, height)
    shade = tuple(c // 2 for c in colour)
    draw.rectangle((0, band_top - top, width, band_bottom - 1 - top), fill=shade)
    size = label_size(spec)
    if size >= 8:
        draw_label(image, spec.label, size, (height - size) // 2 - top)
    if frame:
        x = (frame * 13) % max(1, width)
        draw.rectangle((x, -top, x + max(1, width // 20), height - top), fill=(255, 255, 255))
    return image


def band_rows(width: int, height: int) -> tuple[int, int]:
    """The first and one past the last row of the darker band across the middle of a picture."""
    band = max(1, min(width, height) // 5)
    return height // 2 - band // 2, height // 2 + band // 2 + 1


def label_size(spec: MediaSpec) -> int:
    """The label's font size in pixels (below 8 no label is drawn)."""
    width, height = spec.dimensions
    return min(min(width, height) // 6, int(width / (0.62 * len(spec.label) + 1)))


def varying_rows(spec: MediaSpec) -> tuple[int, int]:
    """The rows of a still picture that can differ from its first row (band and label): every row
    above and below them is the same colour, so writers encode one such row and repeat it."""
    width, height = spec.dimensions
    top, bottom = band_rows(width, height)
    size = label_size(spec)
    if size >= 8:
        label_top = (height - size) // 2
        top, bottom = min(top, label_top), max(bottom, label_top + size + size // 4)
    return max(0, top), min(height, bottom)


def draw_label(image: Image.Image, text: str, size: int, y: int) -> None:
    """White text centred across the picture at row `y`, pasted from cached glyphs: rendering each
    label with FreeType costs more than encoding a small JPEG, and the stress profile makes ten thousand."""
    mask = np.hstack([_glyph(char, size) for char in text])
    x = (image.width - mask.shape[1]) // 2
    image.paste((255, 255, 255), (x, y), Image.fromarray(mask))


@functools.lru_cache(maxsize=4096)
def _glyph(char: str, size: int) -> np.ndarray:
    font = _font(size)
    glyph = Image.new("L", (max(1, round(font.getlength(char))), size + size // 4))
    ImageDraw.Draw(glyph).text((0, 0), char, fill=255, font=font)
    return np.asarray(glyph)


@functools.lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


EXIF_STAMP_PLACEHOLDER = "1900:01:01 00:00:00"  # same length as every real EXIF time stamp
EXIF_SUBSEC_PLACEHOLDER = "~~~"  # same length as the milliseconds every SubSecTime holds


def exif_bytes(spec: MediaSpec) -> bytes:
    """The EXIF block of `spec` (JPEG APP1 form). Serialising EXIF costs about a millisecond, so the
    block is built once per camera/orientation/GPS/offset and only the time stamps are swapped in."""
    if not spec.exif:
        return b""
    template = _exif_template(spec.make, spec.model, spec.orientation, spec.gps, spec.offset)
    subsec = EXIF_SUBSEC_PLACEHOLDER.encode()
    if template.count(subsec) != 3:  # the placeholder also occurs in a camera name: build this one whole
        return exif_for(spec).tobytes()
    stamp = spec.taken.strftime("%Y:%m:%d %H:%M:%S").encode()
    return template.replace(EXIF_STAMP_PLACEHOLDER.encode(), stamp).replace(subsec, spec.subsec.encode())


@functools.lru_cache(maxsize=256)
def _exif_template(make: str, model: str, orientation: int | None, gps: tuple[float, float] | None,
                   offset: str) -> bytes:
    return build_exif(make, model, orientation, gps, EXIF_STAMP_PLACEHOLDER, EXIF_SUBSEC_PLACEHOLDER,
                      offset).tobytes()


def exif_for(spec: MediaSpec) -> Image.Exif:
    if not spec.exif:
        return Image.Exif()
    return build_exif(spec.make, spec.model, spec.orientation, spec.gps,
                      spec.taken.strftime("%Y:%m:%d %H:%M:%S"), spec.subsec, spec.offset)


def build_exif(make: str, model: str, orientation: int | None, gps: tuple[float, float] | None,
               stamp: str, subsec: str, offset: str) -> Image.Exif:
    """EXIF as a phone camera writes it: capture time to the second, its milliseconds in the SubSecTime
    tags and its UTC offset in the OffsetTime tags."""
    exif = Image.Exif()
    if make:
        exif[TAG_MAKE] = make
    if model:
        exif[TAG_MODEL] = model
    if orientation:
        exif[TAG_ORIENTATION] = orientation
    exif[TAG_DATETIME] = stamp
    sub = exif.get_ifd(TAG_EXIF_IFD)
    sub[TAG_DATETIME_ORIGINAL] = stamp
    sub[TAG_DATETIME_DIGITIZED] = stamp
    sub[TAG_SUBSEC_TIME] = sub[TAG_SUBSEC_TIME_ORIGINAL] = sub[TAG_SUBSEC_TIME_DIGITIZED] = subsec
    sub[TAG_OFFSET_TIME] = offset
    sub[TAG_OFFSET_TIME_ORIGINAL] = offset
    if gps:
        lat, lon = gps
        gps_ifd = exif.get_ifd(TAG_GPS_IFD)
        gps_ifd[TAG_GPS_LAT_REF] = "N" if lat >= 0 else "S"
        gps_ifd[TAG_GPS_LAT] = dms(lat)
        gps_ifd[TAG_GPS_LON_REF] = "E" if lon >= 0 else "W"
        gps_ifd[TAG_GPS_LON] = dms(lon)
    return exif


def dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    """Decimal degrees -> EXIF degrees, minutes, seconds (seconds to 1/10000)."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
    return Fraction(degrees), Fraction(minutes), Fraction(seconds, 10000)


def encode_jpeg(spec: MediaSpec, out: BinaryIO) -> None:
    width, height = spec.dimensions
    if not spec.progressive and width * height >= STRIP_MIN_PIXELS:
        data = strip_jpeg(spec)
        if data is not None:
            out.write(data)
            return
    picture(spec).save(out, "JPEG", quality=spec.quality, progressive=spec.progressive, exif=exif_bytes(spec))


# From this size on, baseline JPEGs and PNGs are made from the rows that vary, their uniform rows
# repeated: a 100 MP picture costs what its 20 MP label strip costs, a 320x256 one a third less.
STRIP_MIN_PIXELS = 50_000
MCU_ROWS = 16  # pixel rows per MCU row with 4:2:0 chroma subsampling (ITU T.81 A.2.4)
RST_MARKERS = [bytes((0xFF, 0xD0 + n)) for n in range(8)]
RST_SPLIT = re.compile(rb"\xff[\xd0-\xd7]")  # entropy-coded data stuffs 0xFF as FF 00: these are markers


def strip_jpeg(spec: MediaSpec) -> bytes | None:
    """A baseline JPEG with a restart marker after every MCU row, made by encoding only the rows
    that vary plus one uniform MCU row above and below them, and repeating those two. A restart
    resets the DC prediction and byte-aligns the data (ITU T.81 F.1.2.3, B.2.1), so with fixed
    Huffman tables each MCU row's bytes depend on its pixels alone: the result is the very file a
    whole encode with the same options writes. None when the picture has no uniform row to repeat."""
    width, height = spec.dimensions
    first_varying, end_varying = varying_rows(spec)
    top_uniform = first_varying // MCU_ROWS  # MCU rows above the varying ones
    varying_end = -(-end_varying // MCU_ROWS)  # the first MCU row below them
    total = -(-height // MCU_ROWS)
    if top_uniform < 1 or varying_end >= total:
        return None
    strip = picture(spec, rows=((top_uniform - 1) * MCU_ROWS, (varying_end + 1) * MCU_ROWS))
    encoded = io.BytesIO()
    strip.save(encoded, "JPEG", **jpeg_strip_options(spec))
    data = encoded.getvalue()
    scan = jpeg_scan_start(data)
    segments = RST_SPLIT.split(data[scan:-2])  # the entropy-coded data, without the EOI marker
    if len(segments) != varying_end - top_uniform + 2 or not data.endswith(b"\xff\xd9"):
        raise MakeError(f"{spec.id}: the JPEG encoder did not put a restart marker after each MCU row; "
                        "use `progressive: true` for this item")
    rows = [segments[0]] * top_uniform + segments[1:-1] + [segments[-1]] * (total - varying_end)
    parts = [jpeg_with_height(data[:scan], height), rows[0]]
    for index, row in enumerate(rows[1:]):
        parts += (RST_MARKERS[index % 8], row)
    parts.append(b"\xff\xd9")
    return b"".join(parts)


def jpeg_strip_options(spec: MediaSpec) -> dict[str, object]:
    """Pillow's save options of a strip-encoded JPEG: fixed (standard) Huffman tables, 4:2:0 and a
    restart interval of one MCU row."""
    return {"quality": spec.quality, "subsampling": "4:2:0", "optimize": False, "restart_marker_rows": 1,
            "exif": exif_bytes(spec)}


def jpeg_scan_start(data: bytes) -> int:
    """Offset of the entropy-coded data: just past the SOS segment (a baseline JPEG has one scan)."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == 0xDA:
            return pos
    raise MakeError("the JPEG encoder wrote no scan header")


def jpeg_with_height(header: bytes, height: int) -> bytes:
    """The JPEG header up to the scan with the frame's line count (SOF0: FF C0, length, precision,
    lines) set to `height`."""
    out = bytearray(header)
    pos = 2
    while pos + 4 <= len(out) and out[pos] == 0xFF:
        if out[pos + 1] == 0xC0:
            out[pos + 5:pos + 7] = struct.pack(">H", height)
            return bytes(out)
        pos += 2 + struct.unpack(">H", out[pos + 2:pos + 4])[0]
    raise MakeError("the JPEG encoder wrote no baseline frame header")


def write_jpeg(spec: MediaSpec, dest: Path) -> None:
    if spec.encoding == "shared":
        data = shared_jpeg(spec)
    else:
        encoded = io.BytesIO()
        encode_jpeg(spec, encoded)
        data = encoded.getvalue()
    if spec.bytes is None:
        dest.write_bytes(data)
        return
    with open(dest, "wb") as out:
        pad_jpeg(data, spec.bytes, out, spec.content_seed)


def pad_jpeg(data: bytes, target: int, out: BinaryIO, seed: int) -> None:
    """Write the JPEG `data` grown to exactly `target` bytes with APP15 segments placed after the
    existing APPn segments (EXIF stays where readers look for it); decoders skip them."""
    need = target - len(data)
    if need < 0:
        raise MakeError(f"the encoded JPEG is {len(data)} bytes, more than the target {target}; "
                        "make the picture smaller or the target larger")
    if 0 < need < 4:
        raise MakeError(f"a JPEG cannot grow by {need} bytes (a segment is at least 4); choose another target")
    cut = jpeg_header_end(data)
    out.write(data[:cut])
    for payload in pad_payloads(need, seed):
        out.write(JPEG_PAD_MARKER + struct.pack(">H", len(payload) + 2) + payload)
    out.write(data[cut:])


def pad_payloads(need: int, seed: int) -> Iterator[bytes]:
    """Payload sizes of APP15 segments adding exactly `need` bytes (each costs 4 + payload)."""
    full = JPEG_SEGMENT_MAX_PAYLOAD + 4
    sizes = [JPEG_SEGMENT_MAX_PAYLOAD] * (need // full)
    rest = need % full
    if rest >= 4:
        sizes.append(rest - 4)
    elif rest:  # 1..3 bytes left: shorten one full segment and add an empty one
        sizes[-1] -= 4 - rest
        sizes.append(0)
    # PCG64's raw 64-bit output: deterministic and incompressible, ten times the speed of Generator.bytes
    bits = np.random.PCG64(seed)
    for size in sizes:
        noise = max(0, size - len(JPEG_PAD_IDENT))
        body = JPEG_PAD_IDENT + bits.random_raw(-(-noise // 8)).tobytes()[:noise]
        yield body[:size]


def jpeg_header_end(data: bytes) -> int:
    """Offset of the first segment after SOI and the APPn segments that follow it."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF and 0xE0 <= data[pos + 1] <= 0xEF:
        pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    return pos


# --- shared JPEGs: many items, one encode --------------------------------------------------------

# Template colours in YCbCr: luma 64, and chroma 64 below or above the neutral 128, one template per
# quadrant of the colour plane, so items cover every hue.
SHARED_LUMA, SHARED_CHROMA = 64, 64
SHARED_BAND_LUMA = 32


@dataclass(frozen=True)
class SharedTemplate:
    """One encoded JPEG of a size, quality and EXIF layout, and where its items differ: the EXIF
    block (same length for every item) and the DC entries of the quantisation tables of Y, Cb and
    Cr (Cr given its own table), which set the colour of the whole picture without a new encode."""

    data: bytes
    exif_at: int | None
    exif_length: int
    dc: tuple[tuple[int, int, int], ...]  # (offset, lowest, highest) of each component's DC entry


def shared_jpeg(spec: MediaSpec) -> bytes:
    """A JPEG made from the template of its shape: its own EXIF and its own colour (picked by the
    seed), no label. A valid baseline or progressive JPEG, made in microseconds."""
    rng = random.Random(spec.content_seed)
    quadrant = rng.randrange(4)
    exif = exif_bytes(spec)
    layout = _exif_template(spec.make, spec.model, spec.orientation, spec.gps, spec.offset) if spec.exif else b""
    width, height = spec.dimensions
    template = _shared_template(width, height, spec.quality, spec.progressive, quadrant, layout)
    if len(exif) != template.exif_length or (template.exif_at is None and exif):
        raise MakeError(f"{spec.id}: its EXIF block differs in length from its shared template's; "
                        "use `encoding: each` for this item")
    data = bytearray(template.data)
    if template.exif_at is not None:
        data[template.exif_at:template.exif_at + len(exif)] = exif
    for offset, lowest, highest in template.dc:
        data[offset] = rng.randint(lowest, highest)
    return bytes(data)


@functools.lru_cache(maxsize=64)
def _shared_template(width: int, height: int, quality: int, progressive: bool, quadrant: int,
                     exif: bytes) -> SharedTemplate:
    cb = 128 + (SHARED_CHROMA if quadrant & 1 else -SHARED_CHROMA)
    cr = 128 + (SHARED_CHROMA if quadrant & 2 else -SHARED_CHROMA)
    image = Image.new("YCbCr", (width, height), (SHARED_LUMA, cb, cr))
    band = max(1, min(width, height) // 5)
    ImageDraw.Draw(image).rectangle((0, height // 2 - band // 2, width, height // 2 + band // 2),
                                    fill=(SHARED_BAND_LUMA, cb, cr))
    encoded = io.BytesIO()
    image.save(encoded, "JPEG", quality=quality, progressive=progressive, exif=exif)
    return _split_chroma_tables(encoded.getvalue(), exif)


def _split_chroma_tables(data: bytes, exif: bytes) -> SharedTemplate:
    """Give Cr a quantisation table of its own (a copy of Cb's, so nothing decodes differently) and
    note the DC entries: a DC entry scales the flat level of every block (ITU T.81 A.3.4, F.2.1.3)."""
    segments: list[tuple[int, int]] = []  # (marker, start) up to the first scan
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] != 0xDA:
        segments.append((data[pos + 1], pos))
        pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    tables = {data[start + 4] & 0x0F: start + 5 for marker, start in segments if marker == 0xDB
              and struct.unpack(">H", data[start + 2:start + 4])[0] == 67 and data[start + 4] >> 4 == 0}
    frame = next((start for marker, start in segments if marker in (0xC0, 0xC2)), None)
    if frame is None or set(tables) != {0, 1} or data[frame + 9] != 3:
        raise MakeError("the JPEG encoder wrote tables this generator does not know; use `encoding: each`")
    cr_selector = frame + 10 + 2 * 3 + 2  # components start at +10, 3 bytes each: the third one's Tq
    last_table = max(tables.values()) + 64
    copy = b"\xff\xdb\x00\x43\x02" + data[tables[1]:tables[1] + 64]
    out = bytearray(data[:last_table] + copy + data[last_table:])
    if cr_selector > last_table:
        cr_selector += len(copy)
    out[cr_selector] = 2
    exif_at = out.find(exif) if exif else -1
    # A flat level is its quantised DC times the entry: keep entries within 1/3 to 5/4 of the
    # template's (levels up to 96 from the middle reach at most 120: nothing clips).
    dc = tuple((offset, max(1, out[offset] // 3), min(255, out[offset] * 5 // 4))
               for offset in (tables[0], tables[1], last_table + 5))
    return SharedTemplate(bytes(out), exif_at if exif_at >= 0 else None, len(exif), dc)


def encode_png(spec: MediaSpec, out: BinaryIO | Path) -> None:
    width, height = spec.dimensions
    if width * height >= STRIP_MIN_PIXELS:
        if isinstance(out, Path):
            with open(out, "wb") as file:
                write_strip_png(spec, file)
        else:
            write_strip_png(spec, out)
        return
    picture(spec).save(out, "PNG", compress_level=1, exif=exif_for(spec) if spec.exif else None)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window, fastest level (RFC 1950 2.2)
PNG_REPEAT_BLOCK = 1 << 16  # bytes of identical rows compressed once and repeated
PNG_IDAT_BYTES = 1 << 20


def write_strip_png(spec: MediaSpec, out: BinaryIO) -> None:
    """An 8-bit RGB PNG (filter None on every row) with the EXIF in an eXIf chunk before the image
    data, made without a whole canvas: only the rows that vary are drawn, and runs of identical bytes
    (uniform rows, single-colour spans) are compressed once per 64 KiB and repeated."""
    width, height = spec.dimensions
    first_varying, end_varying = varying_rows(spec)
    stream = RepeatingDeflate()
    background = bytes(item_colour(spec.content_seed))  # the colour of rows outside the varying ones

    def uniform_rows(colour: bytes, count: int) -> None:
        if 1 + 3 * width <= PNG_REPEAT_BLOCK:
            stream.repeat(b"\x00" + colour * width, count)
            return
        for _ in range(count):  # rows too wide to repeat whole: repeat the pixel along each
            stream.feed(b"\x00")
            stream.repeat(colour, width)

    uniform_rows(background, first_varying)
    if end_varying > first_varying:
        strip = picture(spec, rows=(first_varying, end_varying)).tobytes()
        row_bytes = 3 * width
        for start in range(0, len(strip), row_bytes):
            row = strip[start:start + row_bytes]
            if row == row[:3] * width:  # every pixel the colour of the first
                uniform_rows(row[:3], 1)
            else:
                stream.feed(b"\x00" + row)
    uniform_rows(background, height - end_varying)
    data = stream.finish()
    out.write(PNG_SIGNATURE + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
    exif = exif_bytes(spec)
    if exif:
        out.write(png_chunk(b"eXIf", exif.removeprefix(b"Exif\x00\x00")))
    for start in range(0, len(data), PNG_IDAT_BYTES):
        out.write(png_chunk(b"IDAT", data[start:start + PNG_IDAT_BYTES]))
    out.write(png_chunk(b"IEND", b""))


class RepeatingDeflate:
    """A zlib stream (RFC 1950) of data made of long runs of one piece, at deflate's fastest level.
    A run is compressed 64 KiB at a time after a full flush, which makes deflate forget the data
    before it (zlib's Z_FULL_FLUSH): the same block then compresses to the same bytes, which are
    repeated instead of compressed again. Decoders see one ordinary stream."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(1, zlib.DEFLATED, -15)
        self._parts = [ZLIB_HEADER]
        self._adler = 1

    def feed(self, raw: bytes) -> None:
        self._parts.append(self._deflate.compress(raw))
        self._adler = zlib.adler32(raw, self._adler)

    def repeat(self, piece: bytes, count: int) -> None:
        """Add `piece` `count` times."""
        per_block = max(1, PNG_REPEAT_BLOCK // len(piece))
        blocks, rest = divmod(count, per_block)
        if blocks < 3:
            self.feed(piece * count)
            return
        block = piece * per_block
        self._parts.append(self._deflate.flush(zlib.Z_FULL_FLUSH))
        first, second = self._compress_alone(block), self._compress_alone(block)
        self._parts += (first, second)
        if second == first:  # the same bytes twice: zlib gives them every time
            self._parts.extend([first] * (blocks - 2))
        else:
            self._parts.extend(self._compress_alone(block) for _ in range(blocks - 2))
        block_adler = zlib.adler32(block)
        for _ in range(blocks):
            self._adler = adler32_combine(self._adler, block_adler, len(block))
        self.feed(piece * rest)

    def _compress_alone(self, block: bytes) -> bytes:
        return self._deflate.compress(block) + self._deflate.flush(zlib.Z_FULL_FLUSH)

    def finish(self) -> bytes:
        self._parts.append(self._deflate.flush())
        self._parts.append(struct.pack(">I", self._adler))
        return b"".join(self._parts)


ADLER_BASE = 65521  # the largest prime below 2**16 (RFC 1950 8.2)


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two pieces of data joined, from each piece's Adler-32 and the second's length
    (the sums of RFC 1950 8.2 shifted by the length; zlib's adler32_combine, which Python lacks)."""
    rem = second_length % ADLER_BASE
    low = ((first & 0xFFFF) + (second & 0xFFFF) - 1) % ADLER_BASE
    high = ((first >> 16) + (second >> 16) + rem * (first & 0xFFFF) - rem) % ADLER_BASE
    return low | high << 16


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """A PNG chunk: length, type, data and the CRC-32 of type and data (PNG spec 5.3)."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def encode_webp(spec: MediaSpec, out: BinaryIO | Path) -> None:
    picture(spec).save(out, "WEBP", quality=spec.quality, method=0, exif=exif_bytes(spec))


write_png, write_webp = encode_png, encode_webp


def write_heic(spec: MediaSpec, dest: Path) -> None:
    global _heif_registered
    if not _heif_registered:
        pillow_heif.register_heif_opener()
        _heif_registered = True
    picture(spec).save(dest, "HEIF", quality=spec.quality, exif=exif_bytes(spec) or None)


def write_gif(spec: MediaSpec, out: BinaryIO | Path) -> None:
    frames = [picture(spec, frame=i).quantize(64, dither=Image.Dither.NONE) for i in range(spec.frames)]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def write_tiff(spec: MediaSpec, dest: Path, dng: bool = False) -> None:
    """TIFF with EXIF, GPS and (for DNG-like files) DNGVersion in its first IFD. Uncompressed: libtiff
    refuses private tags and sub-IFDs, Pillow's own writer keeps them."""
    info = TiffImagePlugin.ImageFileDirectory_v2()
    exif = exif_for(spec)
    for tag, value in exif.items():
        info[tag] = value
    for sub in (TAG_EXIF_IFD, TAG_GPS_IFD):
        if exif.get_ifd(sub):
            info[sub] = dict(exif.get_ifd(sub))
    if dng:
        info[TAG_DNG_VERSION] = b"\x01\x04\x00\x00"
        info.tagtype[TAG_DNG_VERSION] = TiffTags.BYTE
    picture(spec).save(dest, "TIFF", compression="raw", tiffinfo=info)


def write_dng(spec: MediaSpec, dest: Path) -> None:
    """A TIFF that says it is a DNG (DNGVersion, Make/Model): what RAW-aware backup code looks for."""
    write_tiff(spec, dest, dng=True)


# --- videos ---------------------------------------------------------------------------------------

VIDEO_CONTAINERS = {"mp4": "mp4", "mov": "mov", "3gp": "3gp"}


def write_video(spec: MediaSpec, dest: Path) -> None:
    # bitexact keeps the muxer from writing version strings: same spec, same bytes on every machine
    # that has the same codec builds.
    with av.open(str(dest), "w", format=VIDEO_CONTAINERS[spec.format],
                 options={"fflags": "+bitexact"}) as container:
        container.metadata["creation_time"] = spec.taken_utc_iso
        video = container.add_stream("libx264", rate=spec.fps)
        (video.width, video.height), video.pix_fmt = spec.dimensions, "yuv420p"
        video.codec_context.thread_count = 1  # one thread: x264 output does not depend on scheduling
        video.options = {"preset": "ultrafast", "crf": "28"}
        audio = container.add_stream("aac", rate=44100)
        audio.layout = "mono"
        seconds = spec.duration or 1.0
        total = max(1, round(seconds * spec.fps))
        for index in range(total):
            frame = av.VideoFrame.from_image(picture(spec, frame=index + 1))  # type: ignore[no-untyped-call,unused-ignore]
            frame.pts = index
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        samples = round(seconds * 44100)
        tone = 220 + (spec.content_seed % 440)
        t = np.arange(samples) / 44100
        wave = (0.2 * np.sin(2 * np.pi * tone * t)).astype(np.float32)
        for start in range(0, samples, 1024):
            chunk = wave[start:start + 1024].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            frame.sample_rate, frame.pts = 44100, start
            for packet in audio.encode(frame):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
    if spec.bytes is not None:
        pad_mp4(dest, spec.bytes, large=spec.bytes - dest.stat().st_size >= 1 << 32)


def pad_mp4(path: Path, target: int, large: bool = False) -> None:
    """Grow an MP4/MOV to exactly `target` bytes with a top-level `free` box at the end (ISO 14496-12
    8.1.2: players skip it). The body is a hole in the file: no RAM and almost no disk for gigabytes."""
    size = path.stat().st_size
    need = target - size
    header = 16 if large else 8
    if need < 0:
        raise MakeError(f"{path.name}: the encoded video is {size} bytes, more than the target {target}; "
                        "shorten it or raise the target")
    if need == 0:
        return
    if need < header:
        raise MakeError(f"a video cannot grow by {need} bytes (a free box is at least {header}); choose another target")
    with open(path, "r+b") as out:
        out.seek(size)
        # ISO 14496-12 4.2: size 1 means a 64-bit largesize follows the type.
        out.write(struct.pack(">I4sQ", 1, b"free", need) if large else struct.pack(">I4s", need, b"free"))
        out.truncate(target)


# --- other files and damage -----------------------------------------------------------------------


def write_empty(spec: MediaSpec, dest: Path) -> None:
    dest.write_bytes(b"")


def write_text(spec: MediaSpec, dest: Path) -> None:
    dest.write_text(spec.label + "\n", encoding="utf-8")


def truncate(path: Path, fraction: float) -> None:
    """Cut a file to `fraction` of its size: the start decodes, the end is missing (a broken transfer)."""
    size = path.stat().st_size
    with open(path, "r+b") as out:
        out.truncate(max(1, int(size * fraction)))


ENCODERS = {"jpeg": encode_jpeg, "png": encode_png, "webp": encode_webp, "gif": write_gif}
WRITERS = {
    "jpeg": write_jpeg, "png": write_png, "webp": write_webp, "heic": write_heic, "gif": write_gif,
    "tiff": write_tiff, "dng": write_dng, "mp4": write_video, "mov": write_video, "3gp": write_video,
    "empty": write_empty, "text": write_text,
}


def set_mtime(path: Path, mtime: float) -> None:
    """Set the file time to the nanosecond nearest `mtime`: reading it back gives `mtime` again."""
    nanoseconds = round(mtime * 1_000_000) * 1000  # manifest times carry microseconds at most
    os.utime(path, ns=(nanoseconds, nanoseconds))
