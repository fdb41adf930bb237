"""How an intent-driven app's status cards end a step: a card an earlier step left behind never ends
the next one. The status is scripted here (a card read between two writes of a real app is a race no
test can hit on purpose); the scenario and its step rules are the shipped cloudphotos ones."""

from __future__ import annotations

import pytest

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.errors import RestoreFailed


def scripted(statuses):
    app = load_app("cloudphotos")
    script = iter(statuses)
    app.read_status = lambda phone: next(script)
    app.process_running = lambda phone: True
    app.poll = 0
    return app


def status(updated: int, card: str, **restore) -> dict:
    return {"state": "complete", "card": "Backup complete", "updated": updated,
            "restore": {"card": card, "done": 0, "total": 2, "restored": 0, "error": "", **restore}}


BEFORE = status(1, "Restore failed", error="DCIM/a.jpg: No space left on device")


def test_a_failure_an_earlier_restore_left_does_not_end_the_new_one():
    app = scripted([status(2, "Restore failed", error="DCIM/a.jpg: No space left on device"),  # a heartbeat
                    status(3, "Restore failed", error="DCIM/a.jpg: No space left on device"),
                    status(4, "Restoring 1 of 2"),
                    status(5, "Restore complete", done=2, restored=2)])
    done = app.wait(None, "restore", app.restore_step, BEFORE)
    assert done["restore"]["card"] == "Restore complete"


def test_a_new_failure_after_the_card_moved_ends_the_restore():
    app = scripted([status(2, "Getting your backup"),
                    status(3, "Restore failed", error="DCIM/b.jpg: Couldn't download", done=1)])
    with pytest.raises(RestoreFailed, match=r"restore failed: Restore failed \(DCIM/b.jpg: Couldn't download\)"):
        app.wait(None, "restore", app.restore_step, BEFORE)


def test_without_an_earlier_status_a_failure_card_ends_the_step_at_once():
    app = scripted([status(1, "Restore failed", error="DCIM/c.jpg: No space left on device")])
    with pytest.raises(RestoreFailed, match="No space left"):
        app.wait(None, "restore", app.restore_step, None)
