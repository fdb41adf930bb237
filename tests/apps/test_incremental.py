"""The incremental round trip against the real adb-mirror on the virtual phone: by content it
restores the changed gallery exactly; kept deletions come back as `resurrected`, acceptable only
under `deletions: keep`; every verdict but intact names the stage of the loss."""

from __future__ import annotations

import dataclasses
import json

import pytest
from incremental_testing import (
    ADDED,
    DELETED,
    EDITED,
    EDITED_KEEPING_TIME,
    MOVED,
    RENAMED,
    RESIZED,
    TOUCHED,
    mirror_variant,
    run_incremental,
)

from pytest_phonebackup.manifest import Manifest, MediaItem
from pytest_phonebackup.media.changes import choose
from pytest_phonebackup.reporting.html import verdict_table_csv, verdict_table_html
from pytest_phonebackup.verification import verify
from pytest_phonebackup.verification.incremental import judge_changes
from pytest_phonebackup.verification.stages import BackupInventory, assign_stages


@pytest.fixture
def closing():
    phones: list = []
    yield phones
    for vp in phones:
        vp.close()


def test_the_gallery_change_covers_every_kind_of_change(adb_server, tmp_path, closing):
    _phone, result = run_incremental(adb_server, tmp_path, mirror_variant(), closing)
    change = result.change
    assert change.deleted == DELETED
    assert (change.edited, change.edited_keeping_time, change.resized, change.touched) == \
        ([EDITED], [EDITED_KEEPING_TIME], [RESIZED], [TOUCHED])
    assert (change.renamed, change.moved, change.added) == (RENAMED, MOVED, ADDED)
    now = {item.path: item for item in result.manifest.items}
    before = change.before
    assert now[EDITED].size == before[EDITED].size and now[EDITED].sha256 != before[EDITED].sha256
    assert now[EDITED].mtime != before[EDITED].mtime
    assert now[EDITED_KEEPING_TIME].mtime == before[EDITED_KEEPING_TIME].mtime
    assert now[EDITED_KEEPING_TIME].sha256 != before[EDITED_KEEPING_TIME].sha256
    assert now[RESIZED].size == before[RESIZED].size + 4096
    assert now[TOUCHED].sha256 == before[TOUCHED].sha256 and now[TOUCHED].mtime == int(before[TOUCHED].mtime) + 86400
    assert {now[path].kind for path in ADDED} == {"photo", "video"}
    assert not set(DELETED) & set(now) and not set(RENAMED) & set(now) and not set(MOVED) & set(now)
    assert len(result.manifest.items) == 20  # 20 seeded, 2 deleted, 2 added


def test_reference_tool_restores_the_changed_gallery_clean(adb_server, tmp_path, closing):
    _phone, result = run_incremental(adb_server, tmp_path, mirror_variant(), closing)
    assert result.ok, result.report.summary()
    assert result.report.counts == {"intact": 20}
    saved = json.loads((tmp_path / "work" / "changes.json").read_text())
    assert saved["deleted"] == DELETED


def test_kept_deletions_are_resurrected_and_fail_only_when_deletions_propagate(adb_server, tmp_path, closing):
    phone, result = run_incremental(adb_server, tmp_path, mirror_variant(" --keep-deleted"), closing)
    old_paths = [*DELETED, *RENAMED, *MOVED]
    report = result.report
    assert not report.ok
    judged = {v.path: (v.verdict.value, v.ok, v.stage) for v in report.verdicts if v.verdict != "intact"}
    # deletions propagate (adb-mirror's policy): each old path that came back fails, and the
    # backup kept it, so it came from the backup
    assert judged == dict.fromkeys(old_paths, ("resurrected", False, "backup")), report.summary()
    assert "[lost at backup]" in report.summary()
    # the same phone judged under `deletions: keep`: acceptable
    html = verdict_table_html(report, result.manifest, tmp_path / "work")
    saved = json.loads((tmp_path / "work" / "report.json").read_text())
    assert {v["path"]: v["stage"] for v in saved["verdicts"] if v["verdict"] != "intact"} == \
        dict.fromkeys(old_paths, "backup")
    # the Allure verdict table and its CSV say it too
    assert html.count("lost at backup") == len(old_paths)
    assert verdict_table_csv(report).count(",lost at backup") == len(old_paths)
    # an app whose backup the harness cannot read: every verdict but intact says so
    assign_stages(report, result.manifest, BackupInventory.not_inspectable("cloud"), phone)
    assert {v.stage for v in report.verdicts if v.verdict != "intact"} == {"not-inspectable"}
    assert report.summary().count("[backup not inspectable]") == len(old_paths)
    keep = dataclasses.replace(mirror_variant().policy, deletions="keep")
    again = verify(result.manifest, phone, keep, workdir=tmp_path / "keep")
    judge_changes(again, result.manifest, result.change, phone, keep)
    assert again.ok, again.summary()
    assert {v.path: v.verdict.value for v in again.verdicts if v.verdict != "intact"} == \
        dict.fromkeys(old_paths, "resurrected")



def test_a_small_gallery_gets_the_first_changes_only():
    items = [MediaItem(f"DCIM/Camera/IMG_{n}.jpg", "photo", "image/jpeg", 5000, f"{n:064x}", 1.7e9) for n in range(3)]
    items.append(MediaItem("DCIM/Camera/tiny.jpg", "photo", "image/jpeg", 100, "f" * 64, 1.7e9))  # too small to edit
    chosen = choose(Manifest("small", 1, items))
    assert {role: [i.path for i in picked] for role, picked in chosen.items()} == {
        "deleted": ["DCIM/Camera/IMG_0.jpg", "DCIM/Camera/IMG_1.jpg"],  # no video: a photo instead
        "edited": ["DCIM/Camera/IMG_2.jpg"]}
    with pytest.raises(ValueError, match="no plain photos or videos to change between backups; use smoke or edge"):
        choose(Manifest("empty", 1, items[3:]))
