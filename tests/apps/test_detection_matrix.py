"""Proof that the harness catches loss: the reference tool verifies clean on the edge gallery,
and each deliberately broken variant (one defect each) is caught with the right verdict on the
right item, while everything else stays intact. Real adb, real virtual phone, real tool process.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path

import adbutils
import pytest
from incremental_testing import EDITED, EDITED_KEEPING_TIME, TOUCHED, mirror_variant, run_incremental

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.apps.command import CommandApp
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.reference.defects import FAULTS
from pytest_phonebackup.reference.incremental import BACKUP_FAULTS
from pytest_phonebackup.verification import Report, verify
from pytest_phonebackup.verification.selection import choose, judge_selection, write_selection
from pytest_phonebackup.verification.stages import assign_stages
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.cli import start_phone

# The verdict each defect must earn, on exactly the items it damaged.
EXPECTED_VERDICT = {
    "add-file": "extra",
    "bitflip": "corrupted",
    "drop": "missing",
    "duplicate": "duplicated",
    "move": "moved",
    "recompress": "recompressed",
    "rename-copy-suffix": "renamed",
    "reset-mtime": "timestamp-changed",
    "shift-mtime-hour": "timestamp-changed",
    "skip-over-limit": "missing",
    "skip-tiny": "missing",
    "strip-datetime": "metadata-lost",
    "strip-gps": "metadata-lost",
    "truncate": "corrupted",
    "truncate-mtime-minute": "timestamp-changed",
}
# The two skips damage every item over or under the reference tool's limits in the edge gallery;
# every other defect damages one item of the smoke gallery.
EXPECTED_VICTIMS = {
    "skip-over-limit": ["DCIM/Camera/IMG_bytes_75MB+1.jpg"],
    "skip-tiny": ["DCIM/Camera/IMG_side_255.jpg", "Pictures/.thumbnails/thumb_0001.jpg",
                  "Pictures/IMG_pixels_100MP+1.png", "Pictures/one_pixel.png"],
}
MATRIX: dict[str, Report] = {}
DAMAGED: dict[str, list[str]] = {}
NEEDS_EDGE = {"skip-over-limit", "skip-tiny"}  # need items over 75 MB / under 256 px: the edge gallery


@pytest.fixture(scope="module")
def edge(adb_server, tmp_path_factory):
    yield from seeded_phone(adb_server, tmp_path_factory, "edge")


@pytest.fixture(scope="module")
def smoke(adb_server, tmp_path_factory):
    yield from seeded_phone(adb_server, tmp_path_factory, "smoke")


def seeded_phone(adb_server, tmp_path_factory, profile: str):
    """One phone with a gallery, backed up once by the faithful tool, then wiped."""
    base = tmp_path_factory.mktemp(f"matrix-{profile}")
    vp = start_phone(PhoneConfig(data_dir=base / "phone", storage_bytes=4 * 1024**3))
    try:
        adb_server.wait_for(vp.serial)
        phone = Phone(vp.serial, adbutils.AdbClient(port=adb_server.port), kind="virtual")
        gallery = Gallery(phone, workdir=base, progress=False)
        manifest = gallery.seed(profile, seed=3, keep_originals=base / "originals")
        app = load_app("adb-mirror")
        assert isinstance(app, CommandApp)
        app.backup(phone, base)
        wiped = gallery.wipe(manifest)
        assert not wiped.refused and not wiped.missing
        yield vp, phone, app, manifest, base
    finally:
        vp.close()


def clear_restored(vp: VirtualPhone, manifest) -> None:
    """Put the phone back to its state before restore: only the pre-existing files remain."""
    keep = set(manifest.preexisting)
    root = vp.storage.resolve(manifest.root).device
    for folder, _dirs, files in vp.storage.walk(root):
        for entry in files:
            device_path = posixpath.join(folder, entry.name)
            rel = posixpath.relpath(device_path, root)
            if rel not in keep and not rel.startswith(("Android/data/", "Android/obb/")):
                vp.storage.unlink(device_path)


def restore_and_verify(seeded, fault: str | None, name: str) -> Report:
    vp, phone, app, manifest, base = seeded
    clear_restored(vp, manifest)
    fault_log = base / f"{name}.damaged.json"
    broken = f" --fault {fault} --fault-log {fault_log}" if fault else ""
    variant = CommandApp(app.name, app.policy, app.commands["backup"], app.commands["restore"] + broken,
                         source=app.source)
    variant.backup_dir = app.backup_dir
    variant.restore(phone, base)
    report = verify(manifest, phone, app.policy, workdir=base / name)
    assign_stages(report, manifest, variant.backup_inventory(), phone)
    MATRIX[name] = report
    if fault:
        DAMAGED[name] = json.loads(fault_log.read_text())["damaged"]
    return report


def restore_selection_and_verify(seeded, fault: str | None, name: str) -> tuple[Report, list[str], list[str]]:
    """A selective restore of the harness's selection: (its report, the chosen paths, what the fault did)."""
    vp, phone, app, manifest, base = seeded
    clear_restored(vp, manifest)
    chosen = choose(manifest)
    selection = write_selection(chosen, base / f"{name}.selection.txt")
    fault_log = base / f"{name}.damaged.json"
    broken = f" --fault {fault} --fault-log {fault_log}" if fault else ""
    variant = CommandApp(app.name, app.policy, app.commands["backup"], app.commands["restore"],
                         restore_selected=app.commands["restore_selected"] + broken, source=app.source)
    variant.backup_dir = app.backup_dir
    variant.restore_selected(phone, base, selection)
    report = judge_selection(verify(manifest, phone, app.policy, workdir=base / name), chosen)
    damaged = json.loads(fault_log.read_text())["damaged"] if fault else []
    return report, [item.path for item in chosen], damaged


def test_a_selective_restore_brings_back_the_chosen_items_only(edge):
    report, chosen, _ = restore_selection_and_verify(edge, None, "selected")
    manifest = edge[3]
    assert report.ok, report.summary()
    assert report.counts == {"intact": 28, "not-selected": 24}
    assert {v.path for v in report.verdicts if v.verdict == "intact"} == set(chosen)
    assert {v.path for v in report.verdicts if v.verdict == "not-selected"} == {i.path for i in manifest.items} - set(chosen)
    kinds = {(i.kind, i.format) for i in manifest.items}
    assert {(i.kind, i.format) for i in manifest.items if i.path in chosen} == kinds
    assert any(not i.path.isascii() for i in manifest.items if i.path in chosen)


def test_a_tool_that_ignores_the_selection_is_caught_on_every_unchosen_item(edge):
    report, chosen, damaged = restore_selection_and_verify(edge, "ignore-selection", "ignore-selection")
    unchosen = {i.path for i in edge[3].items} - set(chosen)
    assert not report.ok
    judged = {v.path: v.verdict for v in report.verdicts if v.verdict != "intact"}
    assert judged == dict.fromkeys(unchosen, "restored-unselected"), report.summary()
    assert {v.path for v in report.failures} == unchosen <= set(damaged)
    assert {v.path for v in report.verdicts if v.verdict == "intact"} == set(chosen)


def test_every_defect_has_an_expected_verdict():
    assert set(EXPECTED_VERDICT) == set(FAULTS)


def test_faithful_tool_verifies_the_edge_gallery_clean(edge):
    report = restore_and_verify(edge, None, "faithful")
    assert report.ok, report.summary()
    assert report.counts == {"intact": len(edge[3].items)}
    assert len(edge[3].items) >= 40


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_defect_is_caught_with_its_verdict_on_its_victims(request, fault):
    seeded = request.getfixturevalue("edge" if fault in NEEDS_EDGE else "smoke")
    report = restore_and_verify(seeded, fault, fault)
    victims = DAMAGED[fault]
    if fault in EXPECTED_VICTIMS:
        assert victims == EXPECTED_VICTIMS[fault]
    else:
        assert len(victims) == 1, victims
    assert not report.ok, f"{fault} went unnoticed:\n{report.summary()}"
    # The verdict lands on exactly the damaged items, and everything else is still intact.
    judged = {v.path: v.verdict for v in report.verdicts if v.verdict != "intact"}
    assert judged == dict.fromkeys(victims, EXPECTED_VERDICT[fault]), report.summary()
    assert {v.path for v in report.failures} == set(victims), report.summary()
    # The backup holds every item intact: each defect breaks the restore, and the report says so.
    assert {v.stage for v in report.failures} == {"restore"}, report.summary()
    assert "[lost at restore]" in report.summary()


def test_damage_is_explained_in_words_a_developer_can_act_on(smoke):
    seeded = smoke
    truncated = MATRIX.get("truncate") or restore_and_verify(seeded, "truncate", "truncate")
    assert "truncated:" in truncated.failures[0].reason and "bytes came back" in truncated.failures[0].reason
    flipped = MATRIX.get("bitflip") or restore_and_verify(seeded, "bitflip", "bitflip")
    assert "byte(s) differ, first at offset" in flipped.failures[0].reason
    stripped = MATRIX.get("strip-gps") or restore_and_verify(seeded, "strip-gps", "strip-gps")
    assert "GPSLatitude" in stripped.failures[0].reason
    assert set(stripped.failures[0].details["metadata"]) == {"GPSLatitude", "GPSLongitude"}


def test_detection_matrix(request, capsys):
    for fault in sorted(FAULTS):
        if fault not in MATRIX:
            restore_and_verify(request.getfixturevalue("edge" if fault in NEEDS_EDGE else "smoke"), fault, fault)
    rows = [f"{'defect':<22} {'expected':<19} {'caught as':<30} on the damaged items"]
    for fault in sorted(FAULTS):
        report = MATRIX[fault]
        caught = ",".join(sorted({v.verdict for v in report.failures})) or "NOT CAUGHT"
        on_victims = {v.path for v in report.failures} == set(DAMAGED[fault])
        rows.append(f"{fault:<22} {EXPECTED_VERDICT[fault]:<19} {caught:<30} "
                    f"{'yes' if on_victims else 'NO'} ({len(DAMAGED[fault])})")
    with capsys.disabled():
        print("\n" + "\n".join(rows))
    assert all(",".join(sorted({v.verdict for v in MATRIX[f].failures})) == EXPECTED_VERDICT[f] for f in FAULTS)
    assert all({v.path for v in MATRIX[f].failures} == set(DAMAGED[f]) for f in FAULTS)


def test_faithful_tool_raises_no_false_alarm_on_a_thousand_items(adb_server, tmp_path: Path):
    profile = tmp_path / "thousand.yaml"
    profile.write_text(
        "profile: thousand\nunits: decimal\n"
        "defaults: {taken: 2022-06-01T09:00:00+02:00, every: 3m, size: 320x240, quality: 70}\n"
        "items:\n"
        "  - {id: many, count: 1000, folder_size: 100, path: \"DCIM/Many/{folder:02d}/IMG_{n:04d}.jpg\"}\n")
    vp = start_phone(PhoneConfig(data_dir=tmp_path / "phone", storage_bytes=2 * 1024**3))
    try:
        adb_server.wait_for(vp.serial)
        phone = Phone(vp.serial, adbutils.AdbClient(port=adb_server.port), kind="virtual")
        from pytest_phonebackup.roundtrip import RoundTrip

        result = RoundTrip(phone, load_app("adb-mirror"), profile=str(profile), seed=11,
                           workdir=tmp_path / "work").run()
        assert len(result.manifest.items) == 1000
        assert result.report.ok, result.report.summary()
        assert result.report.counts == {"intact": 1000}
    finally:
        vp.close()


# Backup defects break the second of two backups into the same folder (the incremental round trip).
EXPECTED_BACKUP_VERDICT = {"size-only": "stale"}
# Change detection by size only misses the two edits that keep the size and the new file time.
EXPECTED_BACKUP_VICTIMS = {"size-only": [EDITED, EDITED_KEEPING_TIME, TOUCHED]}


def test_every_backup_defect_has_an_expected_verdict():
    assert set(EXPECTED_BACKUP_VERDICT) == set(BACKUP_FAULTS)


@pytest.mark.parametrize("fault", sorted(BACKUP_FAULTS))
def test_each_backup_defect_is_caught_at_backup_on_its_victims(adb_server, tmp_path, fault):
    closing: list = []
    try:
        _phone, result = run_incremental(adb_server, tmp_path, mirror_variant(f" --fault {fault}"), closing)
    finally:
        for vp in closing:
            vp.close()
    report = result.report
    assert not report.ok, f"{fault} went unnoticed:\n{report.summary()}"
    judged = {v.path: (v.verdict.value, v.stage) for v in report.verdicts if v.verdict != "intact"}
    expected = (EXPECTED_BACKUP_VERDICT[fault], "backup")
    assert judged == dict.fromkeys(EXPECTED_BACKUP_VICTIMS[fault], expected), report.summary()
