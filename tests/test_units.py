"""The one grammar for sizes, pixel counts and durations: decimal MB, binary MiB, case-insensitive
units, exact offsets, and errors that show how to write a quantity."""

from __future__ import annotations

import pytest

from pytest_phonebackup.errors import ScenarioError
from pytest_phonebackup.media import load_profile
from pytest_phonebackup.policy import Policy
from pytest_phonebackup.units import QuantityError, parse_duration, parse_pixels, parse_size


@pytest.mark.parametrize("text, value", [
    (1234, 1234), ("1234", 1234), ("0", 0), ("75MB", 75_000_000), ("75 MB", 75_000_000),
    ("75mb", 75_000_000), ("75Mb", 75_000_000), ("2gb", 2_000_000_000), ("2GB", 2_000_000_000),
    ("1.5kB", 1500), ("1KB", 1000), ("3TB", 3_000_000_000_000), ("512B", 512), ("512b", 512),
    ("1KiB", 1024), ("1kib", 1024), ("10MiB", 10_485_760), ("2GiB", 2_147_483_648), ("10gib", 10_737_418_240),
    ("4G", 4_000_000_000), ("512M", 512_000_000), ("1g", 1_000_000_000), ("2K", 2000),
    ("75MB-1", 74_999_999), ("75MB+1", 75_000_001), ("75 MB + 1", 75_000_001), ("10GB-1", 9_999_999_999),
])
def test_sizes_are_decimal_with_binary_units_spelled_out(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize("text", ["75 parsecs", "75 MiBs", "MB", "75MB*2", "-3", "lots", "75Mi", "5 min", "", "1e6"])
def test_unreadable_sizes_say_how_to_write_them(text):
    with pytest.raises(QuantityError, match=r"max_photo_bytes: cannot read .*75MB.*MB = 1,000,000 bytes"):
        parse_size(text, "max_photo_bytes")


@pytest.mark.parametrize("value", [True, False, None])
def test_sizes_are_not_booleans_or_nothing(value):
    with pytest.raises(QuantityError, match="expected a number"):
        parse_size(value)


def test_a_quantity_error_is_a_value_error():
    assert issubclass(QuantityError, ValueError)


@pytest.mark.parametrize("text, value", [
    (256, 256), ("256", 256), ("256px", 256), ("256 PX", 256), ("100MP", 100_000_000), ("100 mp", 100_000_000),
    ("100MP+1", 100_000_001), ("100MP-1", 99_999_999), ("12.5MP", 12_500_000), ("3kp", 3000), ("1GP", 10**9),
])
def test_pixel_counts_take_px_and_megapixels(text, value):
    assert parse_pixels(text) == value


@pytest.mark.parametrize("text", ["100 MB", "many", "100MP*2", "px"])
def test_unreadable_pixel_counts_say_how_to_write_them(text):
    with pytest.raises(QuantityError, match=r"min_side: cannot read .*100MP.*MP = 1,000,000 pixels"):
        parse_pixels(text, "min_side")


@pytest.mark.parametrize("text, seconds", [
    (90, 90.0), (2.5, 2.5), ("90", 90.0), ("2s", 2.0), ("2 s", 2.0), ("2S", 2.0), ("500ms", 0.5),
    ("5m", 300.0), ("5min", 300.0), ("5 MIN", 300.0), ("17m", 1020.0), ("1h", 3600.0), ("1.5h", 5400.0),
    ("1d", 86400.0), ("2 minutes", 120.0), ("3 hours", 10800.0),
])
def test_durations_are_seconds_with_ms_m_min_h_d(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "5 parsecs", "m", True])
def test_unreadable_durations_say_how_to_write_them(text):
    with pytest.raises(QuantityError, match=r"timeout: .*5m"):
        parse_duration(text, "timeout")


def test_policies_and_profiles_read_the_same_grammar(tmp_path):
    policy = Policy.from_dict({"limits": {"max_photo_bytes": "2gb", "max_video_bytes": "1GiB",
                                          "max_photo_pixels": "100mp", "min_side": "256px"},
                               "time_tolerance": "5m"})
    assert policy.limits.max_photo_bytes == 2_000_000_000
    assert policy.limits.max_video_bytes == 1_073_741_824
    assert policy.limits.max_photo_pixels == 100_000_000
    assert policy.limits.min_side == 256
    assert policy.time_tolerance == 300.0

    profile = tmp_path / "units.yaml"
    profile.write_text(
        "profile: units\n"
        "policy: {photo_max_bytes: 2gb, video_max_bytes: 1GiB, photo_max_pixels: 100mp, min_side: 256px}\n"
        "defaults: {every: 5min}\n"
        "items:\n"
        "  - {id: a, path: DCIM/a.jpg, size: 64x48, bytes: 20kb}\n"
        "  - {id: b, path: DCIM/b.jpg, size: 64x48}\n"
        "  - {id: v, path: DCIM/v.mp4, size: 64x48, duration: 1500ms}\n", encoding="utf-8")
    loaded = load_profile(profile)
    assert (loaded.policy.photo_max_bytes, loaded.policy.video_max_bytes) == (2_000_000_000, 1_073_741_824)
    assert (loaded.policy.photo_max_pixels, loaded.policy.min_side) == (100_000_000, 256)
    specs = {spec.id: spec for spec in loaded.specs}
    assert specs["a"].bytes == 20_000
    # every item's time is then moved by under a minute; the step shows in the minutes
    minute_a, minute_b = (specs[i].taken.replace(second=0, microsecond=0) for i in "ab")
    assert (minute_b - minute_a).total_seconds() == 300.0
    assert specs["v"].duration == 1.5


def test_a_policy_size_error_names_the_key():
    with pytest.raises(ScenarioError, match=r"policy.limits.max_photo_bytes: cannot read '75 parsecs'"):
        Policy.from_dict({"limits": {"max_photo_bytes": "75 parsecs"}})
    with pytest.raises(ScenarioError, match=r"policy.time_tolerance: cannot read 'soon'"):
        Policy.from_dict({"time_tolerance": "soon"})
