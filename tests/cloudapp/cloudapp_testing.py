"""Helpers shared by the Cloud Photos tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from pytest_phonebackup.apps.intent import IntentApp
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.verification import Report, verify


def cards(app: IntentApp) -> list[str]:
    """The status cards the app showed, in order, without repeats."""
    seen: list[str] = []
    for status in app.history:
        if not seen or seen[-1] != status.get("card"):
            seen.append(str(status.get("card")))
    return seen


def wipe_restore_verify(phone: Phone, app: IntentApp, manifest, workdir: Path) -> Report:
    """The second half of a round trip, for tests that back up in several goes."""
    Gallery(phone, progress=False).wipe(manifest)
    app.restore(phone, workdir)
    return verify(manifest, phone, app.policy, workdir=workdir)
