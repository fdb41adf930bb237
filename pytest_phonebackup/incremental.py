"""The incremental round trip: seed -> back up -> change the gallery (media/changes.py) -> back up
again into the same backup folder -> wipe -> restore -> verify against the changed gallery, with
`stale` and `resurrected` for what the second backup missed. Usable without pytest; the built-in
suite's `test_incremental_backup` runs it. Not for judging (verification/) or reporting.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .apps.base import StepResult
from .media.changes import GalleryChange, change_gallery
from .observer import PhaseTiming, RoundTripStart, current_observer
from .roundtrip import RoundTrip, RoundTripResult, _in_tool, _phase, _wipe
from .verification import verify
from .verification.incremental import judge_changes
from .verification.stages import assign_stages

__all__ = ["IncrementalResult", "IncrementalRoundTrip"]


@dataclass
class IncrementalResult(RoundTripResult):
    """A round trip's result plus what changed between the two backups."""

    change: GalleryChange = field(default_factory=GalleryChange)


class IncrementalRoundTrip(RoundTrip):
    """Seed, back up, change the gallery, back up again into the same folder, wipe, restore, verify;
    all on the one phone (the change happens there, so `restore_phone` is not used). The steps that
round trips of other shapes change (after_backup, before_restore, restore, judge) run here too,
on the second backup."""

    def run(self) -> IncrementalResult:
        from .media.gallery import Gallery

        observer = current_observer()
        self.workdir.mkdir(parents=True, exist_ok=True)
        timings: list[PhaseTiming] = []
        steps: list[StepResult] = []
        observer.phone_used(self.phone)
        observer.round_trip_started(RoundTripStart(self.app.name, self.profile, self.seed, self.phone, self.phone))
        gallery = Gallery(self.phone, progress=False)
        seeded = self._seed(observer, timings, gallery, "manifest-first-backup.json")
        with _phase(observer, timings, f"prepare {self.app.name}"):
            self.app.prepare(self.phone)
        _in_tool(observer, timings, f"first backup with {self.app.name}", seeded, steps,
                 lambda: self.app.backup(self.phone, self.workdir))
        with _phase(observer, timings, "change the gallery") as figures:
            manifest, change = change_gallery(gallery, seeded, Path(self.workdir))
            manifest.save(self.workdir / "manifest.json")
            change.save(self.workdir / "changes.json")
            figures.update(added=len(change.added), deleted=len(change.deleted),
                           edited=len(change.changed_in_place), renamed_or_moved=len(change.renamed) + len(change.moved))
        _in_tool(observer, timings, f"second backup with {self.app.name}", manifest, steps,
                 lambda: self.app.backup(self.phone, self.workdir))
        inventory = self.app.backup_inventory()

        def phase(name: str, **found: Any) -> AbstractContextManager[dict[str, Any]]:
            return _phase(observer, timings, name, **found)

        self.after_backup(manifest, phase)
        _wipe(observer, timings, "wipe the gallery", gallery, manifest)
        self.before_restore(self.phone, manifest, phase)
        _in_tool(observer, timings, f"restore with {self.app.name}", manifest, steps,
                 lambda: self.restore(self.phone, manifest))
        with _phase(observer, timings, "verify against the changed gallery") as figures:
            result = self.judge(verify(manifest, self.phone, self.app.policy, workdir=self.workdir,
                                       progress=self.progress))
            result.app = self.app.name
            judge_changes(result, manifest, change, self.phone, self.app.policy)
            assign_stages(result, manifest, inventory, self.phone, self.app.policy.time_tolerance)
            result.save(self.workdir / "report.json")
            figures.update(result.counts)
        done = IncrementalResult(manifest, result, timings, steps, self.workdir, self.checks, change=change)
        observer.round_trip_finished(done, self.phone)
        return done
