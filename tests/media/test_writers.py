"""The writers of big pictures, which draw only the rows that vary: a strip-encoded JPEG is the very
file a whole encode with the same options writes; a PNG decodes to exactly the whole picture, in
tall, wide and labelled shapes; the cache keeps a made file by hard link and notices edits to it."""

from __future__ import annotations

import io
import os
import zlib

import numpy as np
import pytest
from PIL import Image

from pytest_phonebackup.media import Cache, generate, load_profile
from pytest_phonebackup.media.make import adler32_combine, encode_jpeg, encode_png, picture

SHAPES = """\
profile: shapes
items:
  - {id: labelled, path: DCIM/a.jpg, size: 2000x1500}
  - {id: odd-height, path: DCIM/b.jpg, size: 1601x1203, quality: 60}
  - {id: no-exif, path: DCIM/c.jpg, size: 1200x1000, exif: false}
  - {id: png-labelled, path: Pictures/a.png, size: 1200x1000}
  - {id: png-tall, path: Pictures/b.png, size: 40x30000}
  - {id: png-wide, path: Pictures/c.png, size: 70000x17, exif: false}
  - {id: progressive, path: DCIM/d.jpg, size: 1600x1200, progressive: true}
"""


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    path = tmp_path_factory.mktemp("shapes") / "shapes.yaml"
    path.write_text(SHAPES)
    return {spec.id: spec for spec in load_profile(path, seed=3).specs}


@pytest.mark.parametrize("rows", [(0, 16), (500, 700), (560, 740), (1499, 1500), (0, 1500), (700, 701)])
def test_a_band_of_rows_is_the_same_as_that_crop_of_the_whole_picture(shapes, rows):
    spec = shapes["labelled"]
    whole = np.asarray(picture(spec).crop((0, rows[0], 2000, rows[1])))
    assert np.array_equal(np.asarray(picture(spec, rows=rows)), whole)


@pytest.mark.parametrize("item_id", ["labelled", "odd-height", "no-exif"])
def test_a_strip_encoded_jpeg_is_the_file_a_whole_encode_writes(shapes, item_id):
    spec = shapes[item_id]
    made = io.BytesIO()
    encode_jpeg(spec, made)
    whole = io.BytesIO()
    exif = Image.open(io.BytesIO(made.getvalue())).info.get("exif", b"")
    picture(spec).save(whole, "JPEG", quality=spec.quality, subsampling="4:2:0", restart_marker_rows=1,
                       **({"exif": exif} if exif else {}))
    assert made.getvalue() == whole.getvalue()
    data = made.getvalue()
    # one restart marker between every two MCU rows of 16 pixel rows
    assert sum(data.count(bytes((0xFF, marker))) for marker in range(0xD0, 0xD8)) == -(-spec.height // 16) - 1
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == spec.dimensions
        assert bool(image.getexif()) == spec.exif


def test_a_progressive_jpeg_is_still_encoded_whole(shapes):
    made = io.BytesIO()
    encode_jpeg(shapes["progressive"], made)
    with Image.open(io.BytesIO(made.getvalue())) as image:
        assert image.info.get("progressive") == 1
    assert b"\xff\xdd" not in made.getvalue()  # no restart interval (DRI)


@pytest.mark.parametrize("item_id", ["png-labelled", "png-tall", "png-wide"])
def test_a_png_made_from_its_varying_rows_decodes_to_the_whole_picture(shapes, item_id):
    spec = shapes[item_id]
    made = io.BytesIO()
    encode_png(spec, made)
    data = made.getvalue()
    with Image.open(io.BytesIO(data)) as image:
        assert (image.mode, image.size) == ("RGB", spec.dimensions)
        assert np.array_equal(np.asarray(image), np.asarray(picture(spec)))
        exif = image.getexif()
        assert (exif.get(0x010F), exif.get(0x0110)) == ((spec.make, spec.model) if spec.exif else (None, None))
    # zlib itself checks the stream and its Adler-32: every row, filter byte 0 first
    pos, stream = 8, b""
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        assert int.from_bytes(data[pos + 8 + length:pos + 12 + length], "big") == zlib.crc32(kind + body)
        stream += body if kind == b"IDAT" else b""
        pos += 12 + length
    raw = zlib.decompress(stream)
    width, height = spec.dimensions
    assert len(raw) == height * (1 + 3 * width)
    assert raw[::1 + 3 * width] == bytes(height)


def test_a_png_of_repeated_rows_is_small(shapes):
    made = io.BytesIO()
    encode_png(shapes["png-tall"], made)
    assert len(made.getvalue()) < 40 * 30000 * 3 / 50


def test_adler32_of_joined_data_comes_from_the_parts():
    rng = np.random.default_rng(1)
    for first_length, second_length in [(0, 0), (1, 65521), (70000, 3), (5, 200000), (65520, 65522)]:
        first, second = rng.bytes(first_length), rng.bytes(second_length)
        assert adler32_combine(zlib.adler32(first), zlib.adler32(second), second_length) == zlib.adler32(first + second)


def test_the_cache_keeps_a_made_file_by_link_and_an_edited_entry_is_made_again(tmp_path):
    profile = tmp_path / "one.yaml"
    profile.write_text("profile: one\nitems:\n  - {id: big, path: DCIM/big.jpg, size: 1600x1200}\n")
    cache = Cache(tmp_path / "cache")
    first = generate(profile, 1, tmp_path / "first", cache=cache, progress=False)
    spec = load_profile(profile, 1).specs[0]
    entry = cache.root / spec.content_key()[:2] / spec.content_key()
    made = tmp_path / "first/DCIM/big.jpg"
    assert os.path.samefile(entry, made)
    assert entry.stat().st_nlink == 3  # the entry, the cached tree and the caller's link

    # An edit of the same size written into the file, time left as it was edited: made again.
    with open(made, "r+b") as file:
        file.seek(1000)
        file.write(b"\0" * 16)
    cache.trees.clear()
    again = generate(profile, 1, tmp_path / "again", cache=cache, progress=False)
    assert (cache.hits, cache.misses) == (0, 2)
    assert again.items[0].sha256 == first.items[0].sha256
