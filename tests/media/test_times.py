"""Generated capture and file times that show real losses: seconds and milliseconds in file times
and EXIF (SubSecTimeOriginal, OffsetTimeOriginal), some odd seconds, names that carry the capture
time as cameras write them, and a few items whose name deliberately disagrees."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from pytest_phonebackup.media import Cache, generate, load_profile

BUILTIN_WITH_PHOTOS = ["edge", "formats", "huge", "smoke", "stress"]
# name patterns cameras and apps write, with the strptime form of the date they carry
DATED_NAMES = [
    (re.compile(r"(?:IMG|VID|PANO)_(\d{8}_\d{6})(?:_\d+)?\.\w+$"), "%Y%m%d_%H%M%S"),
    (re.compile(r"Screenshot_(\d{8}-\d{6})\.png$"), "%Y%m%d-%H%M%S"),
    (re.compile(r"IMG-(\d{8})-WA\d{4}\.jpg$"), "%Y%m%d"),
]


def name_date(path: str) -> tuple[str, str] | None:
    name = path.rsplit("/", 1)[-1]
    for pattern, form in DATED_NAMES:
        match = pattern.fullmatch(name)
        if match:
            return match.group(1), form
    return None


def test_smoke_times_fall_on_seconds_with_milliseconds():
    specs = {spec.id: spec for spec in load_profile("smoke", seed=4).specs}
    first = specs["camera-00001"]
    assert first.taken == datetime(2024, 5, 1, 10, 0, 17, 605000, tzinfo=timezone(timedelta(hours=2)))
    assert first.mtime == 1714550417.605
    assert first.path == "DCIM/Camera/IMG_20240501_100017.jpg"
    assert all(spec.taken.second != 0 for spec in specs.values())
    assert len({spec.taken.microsecond for spec in specs.values()}) > 15


@pytest.mark.parametrize("name", BUILTIN_WITH_PHOTOS)
def test_every_builtin_profile_has_times_that_show_each_loss(name):
    specs = load_profile(name, seed=1).specs
    # cut to the minute: more than the default 2 s tolerance is lost
    assert any(spec.taken.second + spec.taken.microsecond / 1e6 > 2 for spec in specs)
    # rounded to 2 s (FAT): an odd second moves
    assert any(spec.taken.second % 2 == 1 for spec in specs)
    # sub-second EXIF: a photo with EXIF and a fraction
    assert any(spec.exif and spec.kind == "photo" and spec.taken.microsecond for spec in specs)


def test_the_seed_changes_the_fractions_but_not_the_seconds_or_names():
    one, two = load_profile("smoke", seed=1).specs, load_profile("smoke", seed=2).specs
    assert [s.taken.replace(microsecond=0) for s in one] == [s.taken.replace(microsecond=0) for s in two]
    assert [s.taken.microsecond for s in one] != [s.taken.microsecond for s in two]


def test_files_and_exif_carry_seconds_fractions_and_offset(tmp_path):
    manifest = generate("formats", 7, tmp_path / "out", cache=Cache(tmp_path / "cache"), progress=False)
    items = {item.id: item for item in manifest.items}
    baseline = items["jpeg-baseline"]
    assert baseline.path == "DCIM/Camera/IMG_20240615_093011.jpg"
    assert baseline.mtime == 1718436611.354
    assert baseline.taken == "2024-06-15T09:30:11.354000+02:00"
    assert os.stat(tmp_path / "out" / baseline.path).st_mtime_ns == 1718436611_354000000
    assert baseline.metadata["SubSecTimeOriginal"] == "354"
    for item_id in ("jpeg-baseline", "jpeg-progressive", "png", "heic", "webp", "tiff", "dng"):
        item = items[item_id]
        with Image.open(tmp_path / "out" / item.path) as image:
            sub = image.getexif().get_ifd(0x8769)
        taken = datetime.fromisoformat(item.taken)
        assert sub[0x9003] == taken.strftime("%Y:%m:%d %H:%M:%S"), item_id  # DateTimeOriginal
        assert sub[0x9291] == f"{taken.microsecond // 1000:03d}", item_id  # SubSecTimeOriginal
        assert sub[0x9011] == "+02:00", item_id  # OffsetTimeOriginal
        assert (tmp_path / "out" / item.path).stat().st_mtime == item.mtime, item_id
        assert item.metadata["SubSecTimeOriginal"] == sub[0x9291], item_id


@pytest.mark.parametrize("name", ["edge", "formats", "smoke"])
def test_dated_names_agree_with_the_capture_time_except_the_marked_ones(name):
    checked = 0
    for spec in load_profile(name, seed=1).specs:
        found = name_date(spec.path)
        if found is None:
            continue
        text, form = found
        agrees = text == spec.taken.strftime(form)
        if "name:date-disagrees" in spec.tags:
            assert not agrees, f"{spec.id} is marked as disagreeing, but its name {spec.path} agrees"
        else:
            assert agrees, f"{spec.id}: {spec.path} does not carry its capture time {spec.taken.isoformat()}"
        checked += 1
    assert checked >= 3


def test_smoke_and_edge_hold_a_renamed_item_whose_name_disagrees():
    for name, item_id, path in (("smoke", "camera-renamed", "DCIM/Camera/IMG_20231224_183000.jpg"),
                                ("edge", "name-date-disagrees", "DCIM/Camera/IMG_20230101_000000.jpg")):
        spec = next(spec for spec in load_profile(name).specs if spec.id == item_id)
        assert spec.path == path and "name:date-disagrees" in spec.tags
        assert spec.taken.strftime("%Y%m%d") != path.rsplit("_", 2)[-2]


def test_smoke_names_its_items_as_cameras_screenshots_and_whatsapp_do():
    paths = [spec.path for spec in load_profile("smoke", seed=4).specs]
    assert "Pictures/Screenshots/Screenshot_20240503-040037.png" in paths
    assert "DCIM/Camera/VID_20240502_190012.mp4" in paths
    assert "Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Images/IMG-20240503-WA0002.jpg" in paths
    assert not any("IMG_20240500" in path for path in paths)


def test_shots_in_the_same_second_get_a_numbered_name(tmp_path):
    profile = tmp_path / "burst.yaml"
    profile.write_text(
        "profile: burst\n"
        "items:\n"
        "  - {id: burst, count: 3, taken: 2024-05-01T10:00:00.250+02:00, path: \"DCIM/Camera/IMG_{taken:%Y%m%d_%H%M%S}.jpg\"}\n"
        "  - {id: same, taken: 2024-05-01T10:00:00.900+02:00, path: \"DCIM/Camera/IMG_{taken:%Y%m%d_%H%M%S}.jpg\"}\n")
    assert [spec.path for spec in load_profile(profile).specs] == [
        "DCIM/Camera/IMG_20240501_100000.jpg", "DCIM/Camera/IMG_20240501_100000_1.jpg",
        "DCIM/Camera/IMG_20240501_100000_2.jpg", "DCIM/Camera/IMG_20240501_100000_3.jpg"]
