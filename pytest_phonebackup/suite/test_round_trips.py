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


@pytest.fixture
def encrypted_round_trip(request: pytest.FixtureRequest, roundtrip, backup_app):
    """One encrypted round trip on the first profile of the run (smoke unless narrowed), without
    failing on its verdicts: each test asserts its own check."""
    from pytest_phonebackup.encrypted import EncryptedRoundTrip, encryption_missing
    from pytest_phonebackup.plugin import SETTINGS_KEY

    why = encryption_missing(backup_app)
    if why:
        pytest.skip(why)
    profile = (list(request.config.stash[SETTINGS_KEY].media_profile or []) or ["smoke"])[0]
    return roundtrip(profile, shape=EncryptedRoundTrip, check=False)


def test_encrypted_backup_holds_no_plaintext(encrypted_round_trip) -> None:
    """The backup folder holds no seeded item's bytes or hash readable, and the right password
    brings everything back as the app promises."""
    from pytest_phonebackup.encrypted import NO_PLAINTEXT
    from pytest_phonebackup.reporting.summary import failure_message

    check = next(c for c in encrypted_round_trip.checks if c.name == NO_PLAINTEXT)
    assert check.ok, check.message + "\n" + failure_message(encrypted_round_trip.report, encrypted_round_trip.manifest)
    assert encrypted_round_trip.ok, failure_message(encrypted_round_trip.report, encrypted_round_trip.manifest)


def test_wrong_password_restores_nothing(encrypted_round_trip) -> None:
    """A restore with a wrong password fails and leaves the phone as it was."""
    from pytest_phonebackup.encrypted import WRONG_PASSWORD

    check = next(c for c in encrypted_round_trip.checks if c.name == WRONG_PASSWORD)
    assert check.ok, check.message
