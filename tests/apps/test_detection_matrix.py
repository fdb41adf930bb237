"""Proof that the harness catches loss: the reference tool verifies clean on the edge gallery,
and each deliberately broken variant (one defect each) is caught with the right verdict on the
right item, while everything else stays intact. Real adb, real virtual phone, real tool process.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import adbutils
import pytest

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.apps.command import CommandApp
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.reference.defects import EXPECTED_VERDICT, FAULTS
from pytest_phonebackup.verification import Report, verify
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.cli import start_phone

MATRIX: dict[str, Report] = {}
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
    variant = CommandApp(app.name, app.policy, app.commands["backup"],
                         app.commands["restore"] + (f" --fault {fault}" if fault else ""), source=app.source)
    variant.backup_dir = app.backup_dir
    variant.restore(phone, base)
    report = verify(manifest, phone, app.policy, workdir=base / name)
    MATRIX[name] = report
    return report


def test_faithful_tool_verifies_the_edge_gallery_clean(edge):
    report = restore_and_verify(edge, None, "faithful")
    assert report.ok, report.summary()
    assert report.counts == {"intact": len(edge[3].items)}
    assert len(edge[3].items) >= 40


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_defect_is_caught_with_its_verdict(request, fault):
    seeded = request.getfixturevalue("edge" if fault in NEEDS_EDGE else "smoke")
    report = restore_and_verify(seeded, fault, fault)
    expected = EXPECTED_VERDICT[fault]
    assert not report.ok, f"{fault} went unnoticed:\n{report.summary()}"
    failing = {v.verdict for v in report.failures}
    assert failing == {expected}, f"{fault}: expected only {expected}, got:\n{report.summary()}"
    # Everything the defect did not touch is still judged intact: no collateral false alarms.
    untouched = [v for v in report.verdicts if v.verdict != expected]
    assert all(v.verdict == "intact" for v in untouched), report.summary()
    if fault not in ("skip-over-limit", "skip-tiny"):
        assert len(report.failures) == 1, report.summary()


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
    rows = [f"{'defect':<20} {'expected':<19} {'caught as':<30} items"]
    for fault in sorted(FAULTS):
        report = MATRIX[fault]
        caught = ",".join(sorted({v.verdict for v in report.failures})) or "NOT CAUGHT"
        rows.append(f"{fault:<20} {EXPECTED_VERDICT[fault]:<19} {caught:<30} {len(report.failures)}")
    with capsys.disabled():
        print("\n" + "\n".join(rows))
    assert all(",".join(sorted({v.verdict for v in MATRIX[f].failures})) == EXPECTED_VERDICT[f] for f in FAULTS)


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
