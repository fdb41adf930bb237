"""Cloud Photos on the virtual phone, with faults injected in the middle of a backup."""

from __future__ import annotations

import pytest

from pytest_phonebackup.errors import BackupPaused


@pytest.mark.backup_app("cloudphotos")
def test_backup_survives_wifi_dropping_mid_backup(roundtrip, phone_faults) -> None:
    """Wi-Fi goes away after three uploads and comes back: the backup pauses, resumes, and every
    item comes back."""
    phone_faults.cloud_slow(latency=0.08)
    phone_faults.during(phone_faults.wifi_off(now=False), when=phone_faults.after_uploads(3), undo_after=1)
    result = roundtrip("smoke")
    phone_faults.check()
    assert "wifi off" in phone_faults.applied() and result.ok


@pytest.mark.backup_app("cloudphotos")
def test_wifi_gone_for_good_is_reported_paused_not_lost(roundtrip, phone_faults, backup_app) -> None:
    """A Wi-Fi-only backup with no Wi-Fi is paused ("Waiting for Wi-Fi"), which is not data loss."""
    backup_app.backup_step.paused_after = 1
    phone_faults.wifi_off()
    with pytest.raises(BackupPaused, match="paused: Waiting for Wi-Fi"):
        roundtrip("smoke")
