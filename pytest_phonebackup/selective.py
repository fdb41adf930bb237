"""The selective round trip: seed -> back up -> wipe -> restore only a chosen part of the gallery
(`restore_selected:` with the selection file `{selection}`) -> verify, where unchosen items must
stay away. Which items are chosen and what the verdicts mean live in verification/selection.py.
"""

from __future__ import annotations

from typing import Any

from .apps.base import BackupApp, StepResult
from .apps.command import CommandApp
from .errors import ScenarioError
from .manifest import Manifest, MediaItem
from .phonelike import PhoneLike
from .roundtrip import RoundTrip
from .verification import Report
from .verification.selection import choose, judge_selection, write_selection

SELECTION_FILE = "selection.txt"


def selective_restore_missing(app: BackupApp) -> str | None:
    """Why `app` cannot take a selective restore, in words for a skipped test; None when it can."""
    if not isinstance(app, CommandApp):
        return (f"{app.name} (kind: {app.kind}) has no selective restore: only `kind: command` scenarios "
                "take `restore_selected:`")
    if not app.restores_selected:
        return (f"{app.name} has no `restore_selected:` command in {app.source or 'its scenario'}; add one "
                "that restores only the paths listed in {selection} to test selective restore")
    return None


class SelectiveRoundTrip(RoundTrip):
    """A round trip whose restore brings back only a deterministic selection of the seeded items."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        why = selective_restore_missing(self.app)
        if why:
            raise ScenarioError(why)
        self.chosen: list[MediaItem] = []

    def restore(self, target: PhoneLike, manifest: Manifest) -> StepResult:
        assert isinstance(self.app, CommandApp)
        self.chosen = choose(manifest)
        selection = write_selection(self.chosen, self.workdir / SELECTION_FILE)
        self.progress(f"restoring {len(self.chosen)} of {len(manifest.items)} items, listed in {selection}")
        return self.app.restore_selected(target, self.workdir, selection)

    def judge(self, report: Report) -> Report:
        return judge_selection(report, self.chosen)
