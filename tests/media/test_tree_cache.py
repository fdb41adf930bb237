"""The cache of whole generated trees: a second run puts back the same files, times and manifest by
hard links; a damaged or half-written entry is made again; the key follows the profile's text and
the seed; what a caller does to its files never reaches the cache; parallel runs make a tree once."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from pytest_phonebackup.media import Cache, generate
from pytest_phonebackup.media.changes import own_copy

SMALL = """\
profile: small
items:
  - {id: photo, path: DCIM/Camera/IMG_0001.jpg, size: 320x240, quality: QUALITY}
  - {id: shot, path: Pictures/Screenshots/shot.png, size: 200x400, exif: false}
  - {id: notes, path: Download/notes.txt, format: text}
  - {id: copy, path: Pictures/copy.jpg, copy_of: photo}
"""


def small_profile(folder: Path, quality: int = 80) -> Path:
    path = folder / "small.yaml"
    path.write_text(SMALL.replace("QUALITY", str(quality)))
    return path


def tree(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder`: its SHA-256 and file time in nanoseconds, by relative path."""
    return {str(path.relative_to(folder)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*")) if path.is_file()}


def entries(cache: Cache) -> list[Path]:
    return sorted(cache.root.glob("trees/*/*/entry.json"))


def test_a_second_run_puts_back_the_same_tree_by_hard_links(tmp_path):
    cache = Cache(tmp_path / "cache")
    first = generate("smoke", 3, tmp_path / "one", cache=cache, progress=False)
    second = generate("smoke", 3, tmp_path / "two", cache=cache, progress=False)
    assert (cache.trees.misses, cache.trees.hits) == (1, 1)
    assert first.items == second.items
    assert tree(tmp_path / "two") == tree(tmp_path / "one")
    assert len(tree(tmp_path / "two")) == len(second.items) == 20
    for item in second.items:
        found = (tmp_path / "two" / item.path).stat()
        assert found.st_mtime == item.mtime and found.st_size == item.size
        assert found.st_nlink >= 2, f"{item.path} was copied, not linked"
        assert hashlib.sha256((tmp_path / "two" / item.path).read_bytes()).hexdigest() == item.sha256


def test_link_false_gives_private_copies(tmp_path):
    cache = Cache(tmp_path / "cache")
    generate("smoke", 3, tmp_path / "one", cache=cache, progress=False)
    copied = generate("smoke", 3, tmp_path / "two", cache=cache, progress=False, link=False)
    assert cache.trees.hits == 1
    assert tree(tmp_path / "two") == tree(tmp_path / "one")
    assert all((tmp_path / "two" / item.path).stat().st_nlink == 1 for item in copied.items)


def test_a_damaged_entry_is_made_again_never_used(tmp_path):
    cache = Cache(tmp_path / "cache")
    profile = small_profile(tmp_path)
    generate(profile, 1, tmp_path / "good", cache=cache, progress=False)
    expected = tree(tmp_path / "good")
    (entry,) = entries(cache)
    files = entry.parent / "files"
    damages = [
        lambda: (files / "DCIM/Camera/IMG_0001.jpg").write_bytes(b"half a file"),  # other size, other time
        lambda: (files / "Download/notes.txt").unlink(),  # a file missing
        lambda: entry.write_text('{"key": "trunc'),  # a manifest cut short
        lambda: entry.unlink(),  # no completion record: the build never finished
    ]
    for number, damage in enumerate(damages):
        (entry,) = entries(cache)
        files = entry.parent / "files"
        damage()
        generate(profile, 1, tmp_path / f"again-{number}", cache=cache, progress=False)
        assert tree(tmp_path / f"again-{number}") == expected, f"damage {number} was used"
    assert (cache.trees.hits, cache.trees.misses) == (0, 1 + len(damages))
    generate(profile, 1, tmp_path / "last", cache=cache, progress=False)
    assert cache.trees.hits == 1


def test_a_build_that_crashed_half_way_is_not_used(tmp_path):
    cache = Cache(tmp_path / "cache")
    profile = small_profile(tmp_path)
    generate(profile, 1, tmp_path / "good", cache=cache, progress=False)
    (entry,) = entries(cache)
    half = entry.parent.with_name(f".building-{entry.parent.name}-1-deadbeef")
    (half / "files").mkdir(parents=True)
    (half / "files" / "half.jpg").write_bytes(b"\xff\xd8")
    os.rename(entry.parent, entry.parent.with_name("elsewhere"))  # as if the finished tree was never renamed in
    generate(profile, 1, tmp_path / "again", cache=cache, progress=False)
    assert tree(tmp_path / "again") == tree(tmp_path / "good")
    assert not half.exists(), "the crashed build was left behind"


def test_the_key_follows_the_profile_text_and_the_seed(tmp_path):
    cache = Cache(tmp_path / "cache")
    profile = small_profile(tmp_path, quality=80)
    first = generate(profile, 1, tmp_path / "q80", cache=cache, progress=False)
    small_profile(tmp_path, quality=30)
    lower = generate(profile, 1, tmp_path / "q30", cache=cache, progress=False)
    assert cache.trees.misses == 2
    assert first.items[0].sha256 != lower.items[0].sha256
    other_seed = generate(profile, 2, tmp_path / "seed2", cache=cache, progress=False)
    assert cache.trees.misses == 3 and other_seed.items[0].sha256 != lower.items[0].sha256
    small_profile(tmp_path, quality=80)
    again = generate(profile, 1, tmp_path / "q80-again", cache=cache, progress=False)
    assert cache.trees.hits == 1 and again.items == first.items


def test_a_profile_object_as_loaded_finds_the_tree_made_from_its_name(tmp_path):
    from pytest_phonebackup.media import load_profile

    cache = Cache(tmp_path / "cache")
    by_name = generate("smoke", 4, tmp_path / "by-name", cache=cache, progress=False)
    by_object = generate(load_profile("smoke", 4), 4, tmp_path / "by-object", cache=cache, progress=False)
    assert (cache.trees.misses, cache.trees.hits) == (1, 1)
    assert by_object.items == by_name.items


def test_a_changed_profile_object_is_not_served_the_whole_profile(tmp_path):
    from pytest_phonebackup.media import load_profile

    cache = Cache(tmp_path / "cache")
    generate("smoke", 4, tmp_path / "all", cache=cache, progress=False)
    profile = load_profile("smoke", 4)
    profile.specs = profile.specs[:5]
    part = generate(profile, 4, tmp_path / "part", cache=cache, progress=False)
    assert len(part.items) == 5 and len(tree(tmp_path / "part")) == 5
    profile = load_profile("smoke", 4)
    profile.specs[0].quality = 20  # changed in place
    changed = generate(profile, 4, tmp_path / "changed", cache=cache, progress=False)
    assert cache.trees.misses == 3
    assert changed.items[0].sha256 != part.items[0].sha256


def test_what_a_caller_does_to_linked_files_never_reaches_the_next_run(tmp_path):
    cache = Cache(tmp_path / "cache")
    profile = small_profile(tmp_path)
    generate(profile, 1, tmp_path / "mine", cache=cache, progress=False)
    expected = tree(tmp_path / "mine")
    photo, shot = tmp_path / "mine/DCIM/Camera/IMG_0001.jpg", tmp_path / "mine/Pictures/Screenshots/shot.png"

    # Edits made on a file of its own (what the gallery changes do) leave the cache as it was.
    with own_copy(photo).open("r+b") as f:
        f.seek(100)
        f.write(b"edited")
    os.utime(own_copy(shot), (1_000_000_000, 1_000_000_000))
    assert tree(tmp_path / "mine") != expected
    generate(profile, 1, tmp_path / "next", cache=cache, progress=False)
    assert cache.trees.hits == 1
    assert tree(tmp_path / "next") == expected

    # A new time or an edit written straight into a linked file is seen, and the tree made again.
    notes = tmp_path / "next/Download/notes.txt"
    os.utime(notes, (1_000_000_000, 1_000_000_000))
    generate(profile, 1, tmp_path / "after-retime", cache=cache, progress=False)
    assert tree(tmp_path / "after-retime") == expected
    with (tmp_path / "after-retime/Pictures/copy.jpg").open("ab") as f:
        f.write(b"more")
    generate(profile, 1, tmp_path / "after-edit", cache=cache, progress=False)
    assert tree(tmp_path / "after-edit") == expected
    assert (cache.trees.hits, cache.trees.misses) == (1, 3)


def test_parallel_runs_make_the_tree_once(tmp_path):
    profile = small_profile(tmp_path)
    caches = [Cache(tmp_path / "cache"), Cache(tmp_path / "cache")]  # as two xdist workers have
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            generate(profile, 1, tmp_path / f"out-{number}", cache=caches[number], progress=False)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted((cache.trees.hits, cache.trees.misses) for cache in caches) == [(0, 1), (1, 0)]
    assert tree(tmp_path / "out-0") == tree(tmp_path / "out-1")
    assert len(entries(caches[0])) == 1


def test_a_copy_of_a_padded_file_keeps_its_holes(tmp_path):
    from pytest_phonebackup.media.trees import copy_file

    padded = tmp_path / "padded.mp4"
    with padded.open("wb") as f:
        f.write(b"ftyp" * 1000)
        f.seek(50_000_000)
        f.write(b"moov")
        f.truncate(300_000_000)
    copy_file(padded, tmp_path / "copy.mp4")
    copy = tmp_path / "copy.mp4"
    assert copy.stat().st_size == 300_000_000
    assert copy.stat().st_blocks * 512 < 1_000_000, "the holes were written out"
    with padded.open("rb") as a, copy.open("rb") as b:
        while block := a.read(1 << 24):
            assert b.read(1 << 24) == block
