"""Storage full during a restore: the app says so, leaves no half-written files, and once space is
freed the restore completes and verifies clean."""

from __future__ import annotations

import pytest
from cloudapp_testing import wipe_restore_verify

from pytest_phonebackup.errors import RestoreFailed
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.verification import verify
from pytest_phonebackup.virtual import PhoneConfig


@pytest.fixture
def phone_config(tmp_path):
    return PhoneConfig(data_dir=tmp_path / "phone", storage_bytes=96 * 1024**2)


def test_storage_full_during_restore_fails_cleanly_and_recovers(phone, app, faults, tmp_path):
    gallery = Gallery(phone, progress=False)
    manifest = gallery.seed("smoke", 21)
    app.prepare(phone)
    app.backup(phone, tmp_path)
    gallery.wipe(manifest)
    faults.storage_full(leave=manifest.total_bytes // 3)  # room for some items, not all
    with pytest.raises(RestoreFailed, match=r"restore failed: Restore failed \(Not enough storage on this phone"):
        app.restore(phone, tmp_path)
    partial = verify(manifest, phone, app.policy, workdir=tmp_path / "partial")
    assert not partial.ok and "corrupted" not in partial.counts  # items are there whole, or not at all
    faults.undo_all()
    report = wipe_restore_verify(phone, app, manifest, tmp_path / "again")
    assert report.ok, report.summary()


def test_a_new_restore_replaces_the_card_of_a_failed_one_before_its_broadcast_returns(phone, app, faults, tmp_path):
    """Otherwise the card an earlier restore left ("Restore failed") could be read as the new one's."""
    gallery = Gallery(phone, progress=False)
    manifest = gallery.seed("smoke", 22)
    app.prepare(phone)
    app.backup(phone, tmp_path)
    gallery.wipe(manifest)
    faults.storage_full(leave=manifest.total_bytes // 3)
    with pytest.raises(RestoreFailed):
        app.restore(phone, tmp_path)
    assert app.read_status(phone)["restore"]["card"] == "Restore failed"
    faults.undo_all()
    app.run_commands(phone, app.restore_step.run)
    shown = app.read_status(phone)["restore"]
    assert shown["card"] != "Restore failed" and "No space left" not in shown["error"], shown
    app.wait(phone, "restore", app.restore_step)  # and it goes on to completion
    assert verify(manifest, phone, app.policy, workdir=tmp_path / "again").ok
