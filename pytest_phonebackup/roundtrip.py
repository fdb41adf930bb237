"""One backup round trip: seed -> backup -> wipe (seeded items only) -> restore (same phone or a
new one) -> verify, each step timed. Usable without pytest; the plugin's `roundtrip` fixture
wraps it. Not for judging (verify) or reporting (reporting/): it tells `current_observer()` what
happened and keeps nothing between runs.
"""

from __future__ import annotations

import contextlib
import posixpath
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .android import SHARED_STORAGE, is_private
from .apps.base import BackupApp, StepResult
from .errors import BackupIncomplete
from .manifest import Manifest
from .observer import PhaseTiming, RoundTripObserver, RoundTripStart, current_observer
from .phonelike import PhoneLike
from .verification import Report, verify
from .verification.stages import assign_stages

if TYPE_CHECKING:
    from .media.gallery import Gallery

__all__ = ["Check", "Phase", "PhaseTiming", "RoundTrip", "RoundTripResult", "files_on"]

Phase = Callable[..., AbstractContextManager[dict[str, Any]]]  # phase("name", **figures): a timed step


@dataclass
class Check:
    """A finding of a round trip beyond the per-item verdicts, e.g. that a wrong password was refused."""

    name: str
    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class RoundTripResult:
    """Everything one round trip produced, for assertions and reports."""

    manifest: Manifest
    report: Report
    timings: list[PhaseTiming]
    steps: list[StepResult] = field(default_factory=list)
    workdir: Path = Path(".")
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok

    def timing_table(self) -> str:
        """The phases as an aligned table: name, seconds, share of the whole, and their figures."""
        total = sum(t.seconds for t in self.timings)
        width = max([len("phase"), len("total")] + [len(t.name) for t in self.timings])
        lines = [f"{'phase':<{width}}  {'seconds':>8}  {'share':>6}  figures"]
        for t in self.timings:
            share = t.seconds / total if total else 0.0
            figures = ", ".join(f"{key} {value}" for key, value in t.figures.items())
            lines.append(f"{t.name:<{width}}  {t.seconds:8.1f}  {share:6.0%}  {figures}".rstrip())
        lines.append(f"{'total':<{width}}  {total:8.1f}  {1 if total else 0:6.0%}")
        return "\n".join(lines)


def files_on(phone: PhoneLike, root: str = SHARED_STORAGE) -> list[str]:
    """Paths (relative to root) of the user's files on a phone: what a restore must not call extra."""
    out = []
    for entry in phone.list_tree(root):
        if entry.is_dir:
            continue
        rel = posixpath.relpath(entry.path, root)
        if not is_private(rel):
            out.append(rel)
    return out


@contextlib.contextmanager
def _phase(observer: RoundTripObserver, timings: list[PhaseTiming], name: str,
           **figures: Any) -> Iterator[dict[str, Any]]:
    """A timed phase: the yielded dict takes figures found during it (items, bytes)."""
    found: dict[str, Any] = dict(figures)
    observer.phase_started(name)
    started = time.monotonic()
    error: BaseException | None = None
    try:
        yield found
    except BaseException as exc:
        error = exc
        raise
    finally:
        timing = PhaseTiming(name, time.monotonic() - started, found)
        timings.append(timing)
        observer.phase_finished(timing, error)


@contextlib.contextmanager
def _seeded(manifest: Manifest) -> Iterator[None]:
    """An app that pauses or stops says how much it did; its error also says how much was seeded."""
    try:
        yield
    except BackupIncomplete as exc:
        exc.seeded = len(manifest.items)
        raise


def _in_tool(observer: RoundTripObserver, timings: list[PhaseTiming], name: str, manifest: Manifest,
             steps: list[StepResult], step: Callable[[], StepResult]) -> None:
    """A phase the app under test runs (a backup, a restore): its time inside the tool is a figure."""
    with _phase(observer, timings, name) as figures, _seeded(manifest):
        steps.append(step())
        figures.update(seconds_in_tool=round(steps[-1].seconds, 2))


def _wipe(observer: RoundTripObserver, timings: list[PhaseTiming], name: str, gallery: Gallery,
          manifest: Manifest) -> None:
    with _phase(observer, timings, name) as figures:
        wiped = gallery.wipe(manifest)
        figures.update(removed=len(wiped.removed), refused=len(wiped.refused), already_gone=len(wiped.missing))


class RoundTrip:
    """Seed a gallery, back it up with `app`, wipe, restore, verify."""

    def __init__(self, phone: PhoneLike, app: BackupApp, *, profile: str = "smoke", seed: int = 0,
                 workdir: str | Path, restore_phone: PhoneLike | None = None,
                 progress: Callable[[str], None] | None = None, show_progress: bool = False):
        self.phone = phone
        self.app = app
        self.profile = profile
        self.seed = seed
        self.workdir = Path(workdir)
        self.restore_phone = restore_phone
        self.progress = progress or (lambda _msg: None)
        self.show_progress = show_progress  # progress bars while generating and pushing
        self.checks: list[Check] = []  # what round trips of other shapes find besides the verdicts

    def _seed(self, observer: RoundTripObserver, timings: list[PhaseTiming], gallery: Gallery,
              manifest_name: str) -> Manifest:
        with _phase(observer, timings, f"seed {self.profile} gallery (seed {self.seed})") as figures:
            manifest = gallery.seed(self.profile, self.seed, keep_originals=self.workdir / "originals")
            manifest.save(self.workdir / manifest_name)
            figures.update(items=len(manifest.items), bytes=manifest.total_bytes)
        return manifest

    def run(self) -> RoundTripResult:
        from .media.gallery import Gallery

        observer = current_observer()
        self.workdir.mkdir(parents=True, exist_ok=True)
        timings: list[PhaseTiming] = []
        steps: list[StepResult] = []
        target = self.restore_phone or self.phone
        observer.phone_used(self.phone)
        if target is not self.phone:
            observer.phone_used(target)
        observer.round_trip_started(RoundTripStart(self.app.name, self.profile, self.seed, self.phone, target))
        gallery = Gallery(self.phone, progress=False)
        manifest = self._seed(observer, timings, gallery, "manifest.json")
        with _phase(observer, timings, f"prepare {self.app.name}"):
            self.app.prepare(self.phone)
        _in_tool(observer, timings, f"back up with {self.app.name}", manifest, steps,
                 lambda: self.app.backup(self.phone, self.workdir))
        inventory = self.app.backup_inventory()

        def phase(name: str, **found: Any) -> AbstractContextManager[dict[str, Any]]:
            return _phase(observer, timings, name, **found)

        self.after_backup(manifest, phase)
        _wipe(observer, timings, "wipe the seeded items", gallery, manifest)
        if self.restore_phone is not None:
            # Files already on the new phone are its own, not extras of the restore.
            manifest.preexisting = sorted(set(files_on(target, manifest.root)))
            with _phase(observer, timings, f"prepare {self.app.name} on the new phone"):
                self.app.prepare(target)
        self.before_restore(target, manifest, phase)
        onto = f" onto {target.serial}" if target is not self.phone else ""
        _in_tool(observer, timings, f"restore with {self.app.name}{onto}", manifest, steps,
                 lambda: self.restore(target, manifest))
        with _phase(observer, timings, "verify item by item") as figures:
            result = self.judge(verify(manifest, target, self.app.policy, workdir=self.workdir, progress=self.progress))
            result.app = self.app.name
            assign_stages(result, manifest, inventory, target, self.app.policy.time_tolerance)
            result.save(self.workdir / "report.json")
            figures.update(result.counts)
        done = RoundTripResult(manifest, result, timings, steps, self.workdir, self.checks)
        observer.round_trip_finished(done, target)
        return done

    # -- the steps a round trip of another shape changes (selective.py, encrypted.py) ------------
    def after_backup(self, manifest: Manifest, phase: Phase) -> None:
        """Check the backup itself, before the wipe. A plain round trip does not look into it."""

    def before_restore(self, target: PhoneLike, manifest: Manifest, phase: Phase) -> None:
        """Anything to try on the wiped phone before the real restore. A plain round trip: nothing."""

    def restore(self, target: PhoneLike, manifest: Manifest) -> StepResult:
        """The restore that is verified: by default, everything the app backed up."""
        return self.app.restore(target, self.workdir)

    def judge(self, report: Report) -> Report:
        """The verification as this round trip reads it; a plain round trip takes it as it is."""
        return report
