"""Cloud Photos as Google Photos does it: a second backup uploads only new and changed items (an
edit replaces the cloud's older version, a rename or move follows the file), items deleted from
the phone stay in the cloud, and "Free up space" removes the phone's copies of backed-up items,
which a restore brings back."""

from __future__ import annotations

import json
import time
from pathlib import Path

from pytest_phonebackup.incremental import IncrementalRoundTrip
from pytest_phonebackup.media.changes import change_gallery
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.verification import verify

PACKAGE = "com.example.cloudphotos"
STATUS = f"/sdcard/Android/data/{PACKAGE}/files/status.json"


def uploads(cloud) -> int:
    return sum(1 for method, path, status in cloud.requests if method == "PUT" and "/items" in path and status < 300)


def test_a_second_backup_uploads_only_new_and_changed_items(phone, app, cloud, tmp_path: Path):
    gallery = Gallery(phone, progress=False)
    seeded = gallery.seed("smoke", 3, keep_originals=tmp_path / "originals")
    app.prepare(phone)
    app.backup(phone, tmp_path)
    first = {item.path: item for item in cloud.items(app.account)}
    before = uploads(cloud)
    changed, change = change_gallery(gallery, seeded, tmp_path)
    app.backup(phone, tmp_path)
    # 2 added, 2 edited keeping the size (one keeping its file time too), 1 resized, 1 with a new
    # file time, 1 renamed, 1 moved: 8 uploads, nothing else sent again
    assert uploads(cloud) - before == 8
    now = {item.path: item for item in cloud.items(app.account)}
    expected = {item.path: item for item in changed.items}
    for path in [*change.added, *change.changed_in_place, *change.renamed.values(), *change.moved.values()]:
        assert now[path].sha256 == expected[path].sha256, path
        assert int(now[path].mtime) == int(expected[path].mtime), path
    assert [p for p in now if p.startswith("DCIM/Camera/IMG_20240501_130004")] == \
        ["DCIM/Camera/IMG_20240501_130004_renamed.jpg"]  # the rename followed the file
    for path in change.deleted:  # deletions on the phone stay in the cloud
        assert now[path].sha256 == first[path].sha256
    assert len(now) == len(first) + len(change.added)


def test_free_up_space_removes_backed_up_copies_and_a_restore_brings_them_back(phone, app, cloud, tmp_path):
    gallery = Gallery(phone, progress=False)
    manifest = gallery.seed("smoke", 5, keep_originals=tmp_path / "originals")
    app.prepare(phone)
    app.backup(phone, tmp_path)
    in_cloud = {item.path for item in cloud.items(app.account)}
    phone.shell(f"am broadcast -p {PACKAGE} -a {PACKAGE}.action.FREE_UP_SPACE")
    deadline = time.monotonic() + 30
    while json.loads(phone.shell(f"cat {STATUS}").stdout).get("freed", 0) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    on_phone = {entry.path.removeprefix("/sdcard/") for entry in phone.list_tree("/sdcard") if not entry.is_dir}
    seeded = {item.path for item in manifest.items}
    assert in_cloud and not in_cloud & on_phone  # every backed-up item is gone from the phone
    assert seeded - in_cloud <= on_phone  # what the cloud does not hold stays
    status = json.loads(phone.shell(f"cat {STATUS}").stdout)
    assert status["freed"] == len(in_cloud) and "Freed up space" in status["detail"]
    app.restore(phone, tmp_path)
    report = verify(manifest, phone, app.policy, workdir=tmp_path / "verify")
    assert report.ok, report.summary()
    assert report.counts["intact"] == len(in_cloud)


def test_incremental_round_trip_keeps_deletions_as_its_policy_says(phone, app, tmp_path):
    result = IncrementalRoundTrip(phone, app, profile="smoke", seed=3, workdir=tmp_path / "work").run()
    report = result.report
    assert report.ok, report.summary()
    resurrected = {v.path: (v.ok, v.stage) for v in report.verdicts if v.verdict == "resurrected"}
    assert resurrected == dict.fromkeys(result.change.deleted, (True, "backup"))
    assert report.counts == {"intact": len(result.manifest.items), "resurrected": len(result.change.deleted)}
