"""The edge profile: every boundary exact and on both sides, padded files still decode, damage
stays damage, odd names and folders land where the spec says, limits are computed right."""

from __future__ import annotations

import av
import pytest
from mediachecks import assert_file_matches
from PIL import Image

from pytest_phonebackup.media import probe
from pytest_phonebackup.media.probe import mp4_top_boxes


def test_every_edge_item_matches_its_spec(edge):
    for spec, item in zip(edge.profile.specs, edge.manifest.items, strict=True):
        assert_file_matches(edge.folder / item.path, spec, item)


@pytest.mark.parametrize("item_id, size, over", [
    ("bytes-75MB-minus-1", 74_999_999, False), ("bytes-75MB", 75_000_000, False),
    ("bytes-75MB-plus-1", 75_000_001, True),
])
def test_photo_bytes_sit_exactly_on_both_sides_of_75MB(edge, item_id, size, over):
    item = edge.item(item_id)
    assert item.size == size == edge.file(item_id).stat().st_size
    assert ("photo_max_bytes" in item.limits) is over


def test_padded_jpeg_decodes_every_pixel_and_keeps_its_exif(edge):
    with Image.open(edge.file("bytes-75MB-plus-1")) as image:
        image.load()  # full decode, not a header read
        assert image.size == (1600, 1200)
        assert image.getexif()[0x010F] == "Google"
        colour = image.getpixel((5, 5))
    with Image.open(edge.file("bytes-75MB")) as image:
        assert image.getpixel((5, 5)) != colour  # two items, two colours


@pytest.mark.parametrize("item_id, pixels, over", [
    ("pixels-100MP-minus-1", 99_999_999, False), ("pixels-100MP", 100_000_000, False),
    ("pixels-100MP-plus-1", 100_000_001, True), ("pixels-100MP-plus-2", 100_000_002, True),
])
def test_pixel_counts_sit_exactly_on_both_sides_of_100MP(edge, item_id, pixels, over):
    item = edge.item(item_id)
    found = probe(edge.file(item_id))
    assert found.width * found.height == item.pixels == pixels
    assert found.decodes, found.error
    assert ("photo_max_pixels" in item.limits) is over


@pytest.mark.parametrize("item_id, side, under", [
    ("side-255", 255, True), ("side-256", 256, False), ("side-257", 257, False), ("one-pixel", 1, True),
])
def test_shortest_side_around_256(edge, item_id, side, under):
    item = edge.item(item_id)
    assert item.min_side == side
    assert ("min_side" in item.limits) is under


def test_panorama_is_20000_by_1000(edge):
    found = probe(edge.file("panorama"))
    assert (found.width, found.height) == (20000, 1000) and found.decodes


@pytest.mark.parametrize("item_id, size, over", [
    ("video-limit-minus-1", 19_999_999, False), ("video-limit", 20_000_000, False),
    ("video-limit-plus-1", 20_000_001, True),
])
def test_videos_sit_exactly_on_both_sides_of_the_video_limit_and_still_play(edge, item_id, size, over):
    path = edge.file(item_id)
    assert path.stat().st_size == size
    assert ("video_max_bytes" in edge.item(item_id).limits) is over
    assert mp4_top_boxes(path)[-1] == ("free", size - sum(s for _, s in mp4_top_boxes(path)[:-1]))
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 20


def test_damaged_files_are_damaged(edge):
    assert edge.file("zero-bytes").stat().st_size == 0
    truncated = probe(edge.file("truncated-jpeg"))
    assert truncated.format == "jpeg" and not truncated.decodes and "truncated" in truncated.error


def test_a_jpeg_named_png_is_a_jpeg(edge):
    item = edge.item("jpeg-named-png")
    assert item.path.endswith(".png") and item.mime == "image/jpeg"
    assert probe(edge.file("jpeg-named-png")).format == "jpeg"


def test_awkward_names_are_written_as_named(edge):
    names = {item.id: item.name for item in edge.manifest.items}
    assert len(names["name-255-bytes"].encode()) == 255
    assert "🎉" in names["name-emoji"] and "照片" in names["name-unicode"] and " " in names["name-spaces"]
    assert names["upper-case-jpg"].endswith(".JPG") and names["upper-case-mp4"].endswith(".MP4")
    for item_id in names:
        assert edge.file(item_id).is_file(), item_id


def test_names_differing_only_in_case_are_two_files(edge):
    lower, upper = edge.file("name-case-lower"), edge.file("name-case-upper")
    assert lower.name.lower() == upper.name.lower() and lower.name != upper.name
    assert lower.read_bytes() != upper.read_bytes()


def test_same_bytes_under_two_names(edge):
    assert edge.item("same-bytes-copy").sha256 == edge.item("same-bytes-original").sha256
    assert edge.file("same-bytes-copy").read_bytes() == edge.file("same-bytes-original").read_bytes()


def test_folders_deep_hidden_nomedia_and_messenger(edge):
    assert edge.item("deep-folder").path.count("/") >= 21
    assert edge.file("nomedia-marker").name == ".nomedia" and not edge.item("nomedia-photo").indexed
    assert not edge.item("hidden-file").indexed and not edge.item("hidden-folder").indexed
    assert "WhatsApp Images" in edge.item("whatsapp").path and "Telegram" in edge.item("telegram").path
    assert edge.item("screenshot").path.startswith("Pictures/Screenshots/")


def test_all_eight_orientations_are_written(edge):
    seen = {}
    for n in range(1, 9):
        with Image.open(edge.file(f"orientation-{n}")) as image:
            seen[n] = image.getexif().get(0x0112)
    assert seen == {n: n for n in range(1, 9)}


def test_gps_reads_back_in_every_hemisphere(edge):
    north = probe(edge.file("gps-north-east")).metadata
    south = probe(edge.file("gps-south-west")).metadata
    assert (float(north["GPSLatitude"]), float(north["GPSLongitude"])) == pytest.approx((48.85837, 2.294481), abs=1e-6)
    assert (float(south["GPSLatitude"]), float(south["GPSLongitude"])) == pytest.approx((-22.951916, -43.210487), abs=1e-6)


def test_capture_time_offset_and_file_time_agree(edge):
    item = edge.item("gps-north-east")
    found = probe(edge.file("gps-north-east")).metadata
    assert item.taken.endswith("+02:00") and found["OffsetTimeOriginal"] == "+02:00"
    assert edge.file("gps-north-east").stat().st_mtime == item.mtime
