"""The incremental round trip: back up, change the gallery, back up again into the same folder,
wipe, restore, and verify against the changed gallery (run when the app's policy says
`incremental: true`)."""

from __future__ import annotations

import pytest

from pytest_phonebackup.incremental import IncrementalRoundTrip

from .test_round_trips import pytest_generate_tests

__all__ = ["pytest_generate_tests"]


def test_incremental_backup(phone, backup_app, phone_settings, tmp_path, profile: str) -> None:
    """After a second backup, the restore brings back the gallery as it is now: new items, edits,
    the new file time, the rename and the move; deleted items stay gone unless the policy keeps them."""
    from pytest_phonebackup.reporting.summary import failure_message

    if not backup_app.policy.incremental:
        pytest.skip(f"{backup_app.name}'s policy does not say `incremental: true`: it makes no second "
                    "backup into the same folder")
    result = IncrementalRoundTrip(phone, backup_app, profile=profile, seed=phone_settings.seed,
                                  workdir=tmp_path / "incremental").run()
    if not result.ok:
        pytest.fail(failure_message(result.report, result.manifest), pytrace=False)
