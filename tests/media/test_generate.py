"""Generation: every format decodes with an independent reader and carries the metadata its spec
demands; same seed same bytes, other seed other content; the cache makes a second run a copy."""

from __future__ import annotations

import json

import pytest
from mediachecks import assert_file_matches

from pytest_phonebackup.manifest import Manifest
from pytest_phonebackup.media import Cache, generate, load_profile, probe
from pytest_phonebackup.media.cache import worth_caching


def test_every_format_decodes_and_matches_its_spec(formats):
    assert {spec.format for spec in formats.profile.specs} == {
        "jpeg", "png", "heic", "webp", "gif", "tiff", "dng", "mp4", "mov", "3gp"}
    for spec, item in zip(formats.profile.specs, formats.manifest.items, strict=True):
        assert_file_matches(formats.folder / item.path, spec, item)


def test_progressive_jpeg_is_progressive_and_baseline_is_not(formats):
    from PIL import Image

    with Image.open(formats.file("jpeg-progressive")) as image:
        assert image.info.get("progressive") == 1
    with Image.open(formats.file("jpeg-baseline")) as image:
        assert not image.info.get("progressive")


def test_animated_gif_has_every_frame(formats):
    assert probe(formats.file("gif-animated")).frames == formats.spec("gif-animated").frames == 6


def test_dng_like_tiff_says_dng_and_plain_tiff_does_not(formats):
    assert probe(formats.file("dng")).format == "dng"
    assert probe(formats.file("tiff")).format == "tiff"


def test_video_has_a_moving_picture_and_sound(formats):
    import av

    with av.open(str(formats.file("mp4"))) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(frames) == 20  # 2 s at 10 fps
    assert (frames[0] != frames[-1]).any(), "every frame is the same picture"
    with av.open(str(formats.file("mp4"))) as container:
        assert sum(frame.samples for frame in container.decode(audio=0)) >= 44100 * 2 * 0.95


def test_items_look_different_from_each_other(formats):
    from PIL import Image

    colours = set()
    for item_id in ("jpeg-baseline", "jpeg-progressive", "png", "webp"):
        with Image.open(formats.file(item_id)) as image:
            colours.add(image.convert("RGB").getpixel((2, 2)))
    assert len(colours) == 4


def test_manifest_round_trips_through_json(formats, tmp_path):
    saved = formats.manifest.save(tmp_path / "manifest.json")
    assert Manifest.load(saved) == formats.manifest
    assert json.loads(saved.read_text())["profile"] == "formats"


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    runs = {}
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        manifest = generate("formats", seed, tmp_path / name, cache=Cache(tmp_path / f"cache-{name}"), progress=False)
        runs[name] = {item.id: item.sha256 for item in manifest.items}
    assert runs["a"] == runs["b"]
    assert all(runs["a"][key] != runs["c"][key] for key in runs["a"])


def test_second_run_is_a_cache_hit_with_identical_bytes(tmp_path):
    profile = load_profile("smoke", seed=5)
    cacheable = [spec for spec in profile.specs if worth_caching(spec)]
    assert {spec.format for spec in cacheable} >= {"heic", "mp4", "jpeg"}
    cache = Cache(tmp_path / "cache")
    first = generate(profile, 5, tmp_path / "one", cache=cache, progress=False)
    assert (cache.hits, cache.misses) == (0, len(cacheable))
    cache.trees.clear()  # the whole tree is cached too (test_tree_cache.py): reach the files' cache
    second = generate(profile, 5, tmp_path / "two", cache=cache, progress=False)
    assert cache.hits == len(cacheable)
    assert first.items == second.items
    for item in second.items:
        assert (tmp_path / "two" / item.path).stat().st_mtime == item.mtime
        assert probe(tmp_path / "two" / item.path).sha256 == item.sha256


def test_a_damaged_cache_entry_is_made_again(tmp_path):
    profile = load_profile("formats", seed=1)
    spec = next(spec for spec in profile.specs if spec.format == "heic")
    cache = Cache(tmp_path / "cache")
    generate(profile, 1, tmp_path / "one", cache=cache, progress=False)
    data = cache.root / spec.content_key()[:2] / spec.content_key()
    data.write_bytes(b"half a file")
    cache.trees.clear()
    again = generate(profile, 1, tmp_path / "two", cache=cache, progress=False)
    item = next(item for item in again.items if item.id == spec.id)
    assert probe(tmp_path / "two" / item.path).decodes


def test_generation_shows_progress(tmp_path, capsys):
    generate("formats", 1, tmp_path / "out", cache=Cache(tmp_path / "cache"))
    err = capsys.readouterr().err
    assert "generating formats: 11/11 items" in err


@pytest.mark.parametrize("seed", [0, 99])
def test_copies_and_originals_share_bytes(tmp_path, seed):
    profile = load_profile("edge", seed=seed)
    keep = {"same-bytes-original", "same-bytes-copy"}
    profile.specs = [spec for spec in profile.specs if spec.id in keep]
    manifest = generate(profile, seed, tmp_path, cache=Cache(tmp_path / "cache"), progress=False)
    original, copy = manifest.items
    assert original.sha256 == copy.sha256 and original.path != copy.path
    assert (tmp_path / original.path).read_bytes() == (tmp_path / copy.path).read_bytes()


def test_stress_items_are_distinct_valid_photos_in_many_folders(tmp_path):
    profile = load_profile("stress", seed=2)
    profile.specs = profile.specs[::40]  # 250 of the 10,000, from every folder
    manifest = generate(profile, 2, tmp_path, cache=Cache(tmp_path / "cache"), progress=False)
    assert len({item.folder for item in manifest.items}) == 100
    assert len({item.sha256 for item in manifest.items}) == 250
    for spec, item in zip(profile.specs[::25], manifest.items[::25], strict=True):
        assert_file_matches(tmp_path / item.path, spec, item)


SHARED = """\
profile: shared
items:
  - {id: s, count: 40, path: "DCIM/S/IMG_{n:03d}.jpg", size: 320x256, quality: 60, encoding: shared}
  - {id: p, count: 4, path: "DCIM/P/IMG_{n:03d}.jpg", size: 200x160, progressive: true, encoding: shared,
     gps: [48.858370, 2.294481], orientation: 6}
  - {id: padded, path: DCIM/P/padded.jpg, size: 320x256, bytes: 200kB, encoding: shared}
"""


def test_shared_jpegs_are_valid_distinct_coloured_photos_with_their_metadata(tmp_path):
    from PIL import Image

    (tmp_path / "shared.yaml").write_text(SHARED)
    profile = load_profile(tmp_path / "shared.yaml", seed=3)
    manifest = generate(profile, 3, tmp_path / "out", cache=Cache(tmp_path / "cache"), progress=False)
    assert len({item.sha256 for item in manifest.items}) == 45
    colours = set()
    for spec, item in zip(profile.specs, manifest.items, strict=True):
        assert_file_matches(tmp_path / "out" / item.path, spec, item)
        with Image.open(tmp_path / "out" / item.path) as image:
            colours.add(image.convert("RGB").getpixel((2, 2)))
            assert bool(image.info.get("progressive")) == spec.progressive
    assert len(colours) >= 40, "shared JPEGs should differ in colour"
    assert (tmp_path / "out/DCIM/P/padded.jpg").stat().st_size == 200_000
    again = generate(load_profile(tmp_path / "shared.yaml", seed=3), 3, tmp_path / "again",
                     cache=Cache(tmp_path / "other-cache"), progress=False)
    assert [item.sha256 for item in again.items] == [item.sha256 for item in manifest.items]
    other = generate(load_profile(tmp_path / "shared.yaml", seed=4), 4, tmp_path / "seed4",
                     cache=Cache(tmp_path / "other-cache"), progress=False)
    assert all(a.sha256 != b.sha256 for a, b in zip(other.items, manifest.items, strict=True))


def test_files_made_in_memory_have_the_bytes_the_writers_write(formats, tmp_path):
    from pytest_phonebackup.media.make import make, render

    edge = load_profile("edge", seed=2)
    specs = [spec for spec in formats.profile.specs + edge.specs
             if (spec.width or 0) * (spec.height or 0) <= 1_000_000 and not spec.copy_of]
    rendered = 0
    for spec in specs:
        data = render(spec)
        if data is None:
            continue
        make(spec, tmp_path / "file")
        assert (tmp_path / "file").read_bytes() == data, spec.id
        rendered += 1
    assert rendered >= 20
