"""Time losses a restore causes, and what the verification says about each: file times cut to the
minute, rounded to 2 s as FAT does, shifted by whole hours, and sub-second or offset EXIF dropped.
A seeded smoke gallery on the virtual phone; the "restored" copy is pushed back through the real adb
with the loss applied, then verified for real."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import adbutils
import pytest
from PIL import Image

from pytest_phonebackup.manifest import Manifest
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.policy import Policy
from pytest_phonebackup.reference.defects import replace_exif
from pytest_phonebackup.verification import Report, verify

# smoke, seed 4: the first camera shot was taken at 10:00:17.605 (an odd second), the second at 13:00:04.535
ODD_SECOND = "DCIM/Camera/IMG_20240501_100017.jpg"
ODD_SECOND_MTIME = 1714550417  # the whole second the phone holds (ADB sync carries whole seconds)
EVEN_SECOND = "DCIM/Camera/IMG_20240501_130004.jpg"


@pytest.fixture(scope="module")
def seeded(shared_phone, adb_server, tmp_path_factory) -> Iterator[tuple[Phone, Manifest, Path]]:
    phone = Phone(shared_phone.serial, adbutils.AdbClient(port=adb_server.port), "virtual")
    base = tmp_path_factory.mktemp("times")
    gallery = Gallery(phone, workdir=base, progress=False)
    manifest = gallery.seed("smoke", seed=4, keep_originals=base / "originals")
    yield phone, manifest, base
    gallery.wipe_seeded()
    phone.close()


def restored_as(seeded, path: str, tmp_path: Path, *, mtime: float | None = None, exif_drop: tuple[int, ...] = ()):
    """Put `path` back on the phone as a restore would: the original, its EXIF tags `exif_drop`
    removed (pixels untouched), its file time `mtime` (default the original's)."""
    phone, manifest, base = seeded
    tmp_path.mkdir(parents=True, exist_ok=True)
    copy = tmp_path / Path(path).name
    shutil.copy2(base / "originals" / path, copy)
    if exif_drop:
        original_time = copy.stat().st_mtime

        def edit(exif: Image.Exif) -> None:
            for tag in exif_drop:
                exif.get_ifd(0x8769).pop(tag, None)

        replace_exif(copy, edit)
        os.utime(copy, (original_time, original_time))
    if mtime is not None:
        os.utime(copy, (mtime, mtime))
    phone.push(copy, f"{manifest.root}/{path}")


@pytest.fixture
def restore(seeded, tmp_path) -> Iterator:
    """Apply a loss to one item; the original comes back afterwards, so each test starts intact."""
    touched: list[str] = []

    def apply(path: str, **loss) -> None:
        touched.append(path)
        restored_as(seeded, path, tmp_path, **loss)

    yield apply
    for path in touched:
        restored_as(seeded, path, tmp_path / "undo")


def check(seeded, tmp_path: Path, policy: Policy) -> Report:
    phone, manifest, base = seeded
    return verify(manifest, phone, policy, workdir=tmp_path / "verify", originals=base / "originals")


def verdict_of(report: Report, path: str):
    return next(v for v in report.verdicts if v.path == path)


def test_the_gallery_as_seeded_verifies_intact_even_with_no_tolerance(seeded, tmp_path):
    report = check(seeded, tmp_path, Policy(time_tolerance=0))
    assert report.counts == {"intact": 20}, report.summary()


def test_times_cut_to_the_minute_are_caught_under_the_default_tolerance(seeded, restore, tmp_path):
    restore(ODD_SECOND, mtime=1714550400)  # 10:00:00: the 17 seconds are gone
    report = check(seeded, tmp_path, Policy())
    found = verdict_of(report, ODD_SECOND)
    assert (found.verdict, found.ok) == ("timestamp-changed", False)
    assert found.reason == "file time off by -17.0 s: seconds cut to the whole minute (tolerance 2 s)"
    assert [v.path for v in report.failures] == [ODD_SECOND]


@pytest.mark.parametrize("tolerance", [0, 0.5])
def test_times_rounded_to_2_s_are_caught_under_a_tolerance_below_the_rounding(seeded, restore, tmp_path, tolerance):
    restore(ODD_SECOND, mtime=ODD_SECOND_MTIME - 1)  # FAT keeps even seconds: :17 is stored as :16
    report = check(seeded, tmp_path, Policy(time_tolerance=tolerance))
    found = verdict_of(report, ODD_SECOND)
    assert (found.verdict, found.ok) == ("timestamp-changed", False)
    assert found.reason.startswith("file time off by -1.0 s: rounded to 2 s, as FAT and exFAT keep file times")
    assert [v.path for v in report.failures] == [ODD_SECOND]


def test_times_rounded_to_2_s_pass_under_the_default_tolerance(seeded, restore, tmp_path):
    restore(ODD_SECOND, mtime=ODD_SECOND_MTIME - 1)
    restore(EVEN_SECOND, mtime=1714561204 + 2)  # rounded up instead: :04.535 -> :06
    report = check(seeded, tmp_path, Policy())
    assert report.ok and report.counts == {"intact": 20}, report.summary()


@pytest.mark.parametrize(("hours", "words"), [(1, "+1 h"), (-2, "-2 h")])
def test_times_shifted_by_whole_hours_are_named_a_time_zone_error(seeded, restore, tmp_path, hours, words):
    restore(EVEN_SECOND, mtime=1714561204 + hours * 3600)
    report = check(seeded, tmp_path, Policy())
    found = verdict_of(report, EVEN_SECOND)
    assert (found.verdict, found.ok) == ("timestamp-changed", False)
    assert found.reason == f"file time shifted by exactly {words}, a time-zone error? (tolerance 2 s)"
    assert [v.path for v in report.failures] == [EVEN_SECOND]


@pytest.mark.parametrize(("tag", "name"), [(0x9291, "SubSecTimeOriginal"), (0x9011, "OffsetTimeOriginal")])
def test_sub_second_and_offset_exif_must_survive(seeded, restore, tmp_path, tag, name):
    restore(EVEN_SECOND, exif_drop=(tag,))
    report = check(seeded, tmp_path, Policy())
    found = verdict_of(report, EVEN_SECOND)
    assert (found.verdict, found.ok) == ("metadata-lost", False), report.summary()
    assert found.reason == f"lost or changed {name}"
    assert [v.path for v in report.failures] == [EVEN_SECOND]
