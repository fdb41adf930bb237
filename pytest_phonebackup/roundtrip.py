"""One backup round trip: seed -> backup -> wipe (seeded items only) -> restore (same phone or a
new one) -> verify, each step timed. Usable without pytest; the plugin's `roundtrip` fixture
wraps it. Not for judging (verify.py) or reporting (report.py) — it calls them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import report as allure_report
from .android import PRIVATE_FOLDERS
from .apps.base import BackupApp, StepResult
from .manifest import Manifest
from .verification import Report, verify


@dataclass
class RoundTripResult:
    """Everything one round trip produced, for assertions and reports."""

    manifest: Manifest
    report: Report
    timings: list[allure_report.PhaseTiming]
    steps: list[StepResult] = field(default_factory=list)
    workdir: Path = Path(".")

    @property
    def ok(self) -> bool:
        return self.report.ok

    def timing_table(self) -> str:
        return "  ".join(f"{t.name} {t.seconds:.1f}s" for t in self.timings)


def files_on(phone: Any, root: str = "/sdcard") -> list[str]:
    """Paths (relative to root) of the user's files on a phone: what a restore must not call extra."""
    out = []
    for entry in phone.list_tree(root):
        if entry.is_dir:
            continue
        rel = posixpath.relpath(entry.path, root)
        if not any(rel == p or rel.startswith(p + "/") for p in PRIVATE_FOLDERS):
            out.append(rel)
    return out


class RoundTrip:
    """Seed a gallery, back it up with `app`, wipe, restore, verify."""

    def __init__(self, phone: Any, app: BackupApp, *, profile: str = "smoke", seed: int = 0,
                 workdir: str | Path, restore_phone: Any | None = None,
                 progress: Callable[[str], None] | None = None, show_progress: bool = False):
        self.phone = phone
        self.app = app
        self.profile = profile
        self.seed = seed
        self.workdir = Path(workdir)
        self.restore_phone = restore_phone
        self.progress = progress or (lambda _msg: None)
        self.show_progress = show_progress  # progress bars while generating and pushing

    def run(self) -> RoundTripResult:
        from .media.gallery import Gallery

        self.workdir.mkdir(parents=True, exist_ok=True)
        timings: list[allure_report.PhaseTiming] = []
        steps: list[StepResult] = []
        gallery = Gallery(self.phone, progress=False)
        with allure_report.phase(f"seed {self.profile} gallery (seed {self.seed})", timings) as figures:
            manifest = gallery.seed(self.profile, self.seed, keep_originals=self.workdir / "originals")
            manifest.save(self.workdir / "manifest.json")
            figures.update(items=len(manifest.items), bytes=manifest.total_bytes)
        with allure_report.phase(f"prepare {self.app.name}", timings):
            self.app.prepare(self.phone)
        with allure_report.phase(f"back up with {self.app.name}", timings) as figures:
            steps.append(self.app.backup(self.phone, self.workdir))
            figures.update(seconds_in_tool=round(steps[-1].seconds, 2))
        with allure_report.phase("wipe the seeded items", timings) as figures:
            wiped = gallery.wipe(manifest)
            figures.update(removed=len(wiped.removed), refused=len(wiped.refused), already_gone=len(wiped.missing))
        target = self.restore_phone or self.phone
        if self.restore_phone is not None:
            # Files already on the new phone are its own, not extras of the restore.
            manifest.preexisting = sorted(set(files_on(target, manifest.root)))
            with allure_report.phase(f"prepare {self.app.name} on the new phone", timings):
                self.app.prepare(target)
        with allure_report.phase(f"restore with {self.app.name}"
                                 + (f" onto {target.serial}" if target is not self.phone else ""), timings) as figures:
            steps.append(self.app.restore(target, self.workdir))
            figures.update(seconds_in_tool=round(steps[-1].seconds, 2))
        with allure_report.phase("verify item by item", timings) as figures:
            result = verify(manifest, target, self.app.policy, workdir=self.workdir, progress=self.progress)
            result.app = self.app.name
            result.save(self.workdir / "report.json")
            figures.update(result.counts)
        done = RoundTripResult(manifest, result, timings, steps, self.workdir)
        allure_report.round_trip_finished(done, target)
        return done
