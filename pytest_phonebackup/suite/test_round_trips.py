"""Standard round trips: seed a profile, back up with the app under test, wipe, restore, verify."""

from __future__ import annotations

import pytest

from . import DEFAULT_PROFILES


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "profile" in metafunc.fixturenames:
        from pytest_phonebackup.plugin import SETTINGS_KEY

        settings = metafunc.config.stash[SETTINGS_KEY]
        metafunc.parametrize("profile", list(settings.media_profile or DEFAULT_PROFILES))


def test_round_trip_to_the_same_phone(roundtrip, profile: str) -> None:
    """Everything the app promises to keep comes back onto the phone it was backed up from."""
    result = roundtrip(profile)
    assert result.ok


def test_round_trip_to_a_new_phone(roundtrip, profile: str) -> None:
    """Everything the app promises to keep comes back onto a new phone (a lost or replaced phone)."""
    result = roundtrip(profile, new_phone=True)
    assert result.ok


def test_selective_restore(roundtrip, backup_app, profile: str) -> None:
    """Restoring a chosen part of the backup brings back the chosen items and nothing else."""
    from pytest_phonebackup.selective import SelectiveRoundTrip, selective_restore_missing

    why = selective_restore_missing(backup_app)
    if why:
        pytest.skip(why)
    result = roundtrip(profile, shape=SelectiveRoundTrip)
    assert result.ok
