"""Profiles: units, exact dimensions, validation errors that name file and line, the built-in
profiles and what they must cover, and where MediaStore is expected to index an item."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_phonebackup.errors import ScenarioError
from pytest_phonebackup.media import builtin_profiles, load_profile
from pytest_phonebackup.media.catalog import PROFILES_DIR, ReferencePolicy, dimensions_for
from pytest_phonebackup.units import parse_pixels, parse_size

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("parse, text, value", [
    (parse_size, "75MB-1", 74_999_999), (parse_size, "75MB", 75_000_000), (parse_size, "75MB+1", 75_000_001),
    (parse_size, "10GB", 10_000_000_000), (parse_size, "10GiB", 10 * 1024**3), (parse_pixels, "100MP+2", 100_000_002),
    (parse_size, "1.5kB", 1500), (parse_size, 42, 42), (parse_size, "7", 7),
])
def test_sizes_use_decimal_MB_and_binary_MiB(parse, text, value):
    assert parse(text) == value


@pytest.mark.parametrize("text", ["75 MiBs", "MB", "75MB*2", True, "-3"])
def test_unreadable_sizes_say_how_to_write_them(text):
    with pytest.raises(ValueError, match="75MB"):
        parse_size(text)


@pytest.mark.parametrize("pixels, fmt", [(100_000_000 - 1, "jpeg"), (100_000_000, "jpeg"), (100_000_002, "jpeg"),
                                         (100_000_001, "png"), (65_536, "webp")])
def test_dimensions_have_exactly_the_pixel_count(pixels, fmt):
    width, height = dimensions_for(pixels, fmt)
    assert width * height == pixels


def test_a_pixel_count_no_jpeg_can_have_is_refused_with_advice():
    with pytest.raises(ValueError, match="png"):
        dimensions_for(100_000_001, "jpeg")  # 17 x 5882353 only


def test_reference_policy_limits_are_strictly_over():
    policy = ReferencePolicy()
    assert policy.crossed("photo", 75_000_000, 8660, 11547) == []
    assert policy.crossed("photo", 75_000_001, 10000, 10001) == ["photo_max_bytes", "photo_max_pixels"]
    assert policy.crossed("photo", 10, 255, 1000) == ["min_side"]
    assert policy.crossed("video", 10_000_000_001, 1920, 1080) == ["video_max_bytes"]
    assert policy.crossed("other", 10**12, None, None) == []


def test_builtin_profiles_are_all_there_and_load():
    assert set(builtin_profiles()) >= {"smoke", "edge", "formats", "stress", "huge"}
    counts = {name: len(load_profile(name).specs) for name in builtin_profiles()}
    assert 15 <= counts["smoke"] <= 25
    assert counts["stress"] == 10_000


def test_fixtures_folder_holds_the_same_profiles_the_package_ships():
    for name in builtin_profiles():
        copy = REPO / "fixtures" / f"{name}.yaml"
        assert copy.read_bytes() == (PROFILES_DIR / f"{name}.yaml").read_bytes(), name


def test_stress_spreads_ten_thousand_items_over_many_folders():
    specs = load_profile("stress").specs
    folders = {spec.path.rsplit("/", 1)[0] for spec in specs}
    assert len(folders) == 100 and len({spec.path for spec in specs}) == 10_000


def test_edge_profile_covers_every_boundary_on_both_sides():
    tags = {tag for spec in load_profile("edge").specs for tag in spec.tags}
    for wanted in ["bytes:75MB-1", "bytes:75MB", "bytes:75MB+1", "pixels:100MP-1", "pixels:100MP", "pixels:100MP+1",
                   "side:255", "side:256", "side:257", "side:1", "panorama", "video-bytes:limit-1",
                   "video-bytes:limit+1", "damage:empty", "damage:truncated", "name:wrong-extension",
                   "name:upper-case-extension", "name:unicode", "name:emoji", "name:spaces", "name:255-bytes",
                   "name:case-twin", "bytes:duplicate", "folder:deep", "folder:nomedia", "name:hidden",
                   "folder:screenshots", "folder:download", "folder:messenger", "exif:gps",
                   *(f"exif:orientation-{n}" for n in range(1, 9))]:
        assert wanted in tags, wanted


def test_nomedia_folders_hidden_names_and_non_media_are_not_indexed():
    specs = {spec.id: spec for spec in load_profile("edge").specs}
    for item_id in ("nomedia-marker", "nomedia-photo", "hidden-file", "hidden-folder", "download-text"):
        assert not specs[item_id].indexed, item_id
    for item_id in ("zero-bytes", "truncated-jpeg", "jpeg-named-png", "whatsapp", "deep-folder"):
        assert specs[item_id].indexed, item_id


def test_a_copy_repeats_the_original_content_under_its_own_name():
    specs = {spec.id: spec for spec in load_profile("edge", seed=3).specs}
    copy, original = specs["same-bytes-copy"], specs["same-bytes-original"]
    assert copy.content_key() == original.content_key() and copy.path != original.path


def test_seed_changes_content_keys_but_not_paths():
    one, two = load_profile("smoke", seed=1).specs, load_profile("smoke", seed=2).specs
    assert [s.path for s in one] == [s.path for s in two]
    assert all(a.content_key() != b.content_key() for a, b in zip(one, two, strict=True))


def test_a_user_profile_by_path(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(textwrap.dedent("""\
        profile: mine
        items:
          - {id: cat, count: 3, path: "Pictures/Cats/cat_{n:02d}.jpg", size: 300x300}
        """))
    specs = load_profile(path).specs
    assert [s.path for s in specs] == [f"Pictures/Cats/cat_{n:02d}.jpg" for n in (1, 2, 3)]


def test_unknown_profile_names_list_the_builtin_ones():
    with pytest.raises(ScenarioError, match="edge.*smoke"):
        load_profile("no-such-profile")


def test_a_builtin_name_wins_over_a_folder_of_that_name_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "smoke").mkdir()  # e.g. `pytest --basetemp smoke`
    assert load_profile("smoke").name == "smoke"
    with pytest.raises(ScenarioError, match="profile smoke is a folder; give the path of its .yaml file"):
        load_profile("./smoke/")
    (tmp_path / "mine").write_text("profile: mine\nitems:\n  - {id: a, path: DCIM/a.jpg}\n")
    assert load_profile("mine").name == "mine"  # a file without .yaml is still the user's file
    with pytest.raises(ScenarioError, match="profile file gone.yaml does not exist"):
        load_profile("gone.yaml")


BAD_PROFILES = [
    # (text, line of the error, words in the message)
    ("profile: p\nitems:\n  - {id: a, path: a.jpg}\n  - {id: b, path: b.jpg, colour: red}\n", 4, "unknown key 'colour'"),
    ("profile: p\nitems:\n  - id: a\n    path: a.xyz\n    format: bmp\n", 5, "unknown format 'bmp'"),
    ("profile: p\nitems:\n  - id: a\n    path: a.jpg\n    size: big\n", 5, "WIDTHxHEIGHT"),
    ("profile: p\nitems:\n  - id: a\n    path: a.jpg\n    bytes: 75 MiBs\n", 5, "bytes: cannot read '75 MiBs'"),
    ("profile: p\nitems:\n  - id: a\n    path: a.jpg\n    orientation: 9\n", 5, "1..8"),
    ("profile: p\nitems:\n  - id: a\n    path: a.png\n    bytes: 1MB\n", 5, "padding JPEG"),
    ("profile: p\nitems:\n  - {id: a, path: a.jpg}\n  - {id: a, path: b.jpg}\n", 4, "two items have the id 'a'"),
    ("profile: p\nitems:\n  - {id: a, path: a.jpg, copy_of: zz}\n", 3, "copy_of names 'zz'"),
    ("profile: p\nitems:\n  - {id: a}\n", 3, "needs `path:`"),
    ("profile: p\nitems: []\n", 2, "non-empty list"),
    ("profile: p\n", 1, "missing `items:`"),
    # the mapping never closed begins on line 3; PyYAML only notices at the end of the file (line 4)
    ("profile: p\nitems:\n  - {id: a, path: a.jpg\n", 3, "3:5: invalid YAML: expected ',' or '}', but got "
     "'<stream end>' at line 4, while parsing a flow mapping that starts here"),
    ("profile: p\nitmes:\n  - {id: a, path: a.jpg}\n", 2, "2:1: unknown key 'itmes' in the profile; allowed: "
     "defaults, description, items, policy, profile, units; did you mean 'items'?"),
    ("profile: p\nitems:\n  - id: a\n    path: a.jpg\n    fromat: png\n", 5, "5:5: unknown key 'fromat' in an item"),
    ("profile: p\nitems:\n  - id: a\n    path: a.xyz\n    format: pgn\n", 5, "did you mean 'png'?"),
    ("profile: p\ndefaults:\n  taken: 2024-05-01T10:00:00\nitems:\n  - {id: a, path: a.jpg}\n", 3, "UTC offset"),
    ("profile: p\npolicy:\n  photo_max_bytes: lots\nitems:\n  - {id: a, path: a.jpg}\n", 3, "photo_max_bytes"),
    ("profile: p\nitems:\n  - {id: v, path: v.mp4, size: 321x240}\n", 3, "even"),
    ("profile: p\nitems:\n  - id: a\n    path: a.jpg\n    quality: high\n", 5, "quality must be a number"),
    ("profile: p\nitems:\n  - id: a\n    count: 3\n    folder_size: 0\n    path: a{n}.jpg\n", 5, "folder_size"),
    ("profile: p\nitems:\n  - id: a\n    path: a{x}.jpg\n", 4, "cannot fill in path"),
]


@pytest.mark.parametrize("text, line, words", BAD_PROFILES)
def test_profile_errors_name_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message


@pytest.mark.parametrize("item, words", [
    ("{id: a, path: a.png, encoding: shared}", "`encoding: shared` makes JPEGs only, not png"),
    ("{id: a, path: a.jpg, encoding: once}", "encoding must be `each` or `shared`, not 'once'"),
])
def test_shared_encoding_is_for_jpegs_only(tmp_path, item, words):
    path = tmp_path / "bad.yaml"
    path.write_text(f"profile: p\nitems:\n  - {item}\n")
    with pytest.raises(ScenarioError, match="bad.yaml:3:") as caught:
        load_profile(path)
    assert words in str(caught.value)
