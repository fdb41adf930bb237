"""Round trips report only to the observer installed around them: a script's own listener sees the
phases of each run, two runs never mix their notes, and nothing is left behind in the package once the
runs are over (no module-level notebook of round trips or phones)."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import adbutils
import pytest

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.observer import (
    Observers,
    PhaseTiming,
    RoundTripObserver,
    RoundTripStart,
    SilentObserver,
    current_observer,
    observing,
)
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.phonelike import PhoneLike
from pytest_phonebackup.roundtrip import RoundTrip, RoundTripResult

PHASES = ["seed", "prepare", "back", "wipe", "restore", "verify"]


class Recorder(SilentObserver):
    """What a script might write: a listener that keeps what it hears, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def phase_started(self, name: str) -> None:
        self.events.append(("started", name))

    def phase_finished(self, timing: PhaseTiming, error: BaseException | None = None) -> None:
        self.events.append(("finished", timing))

    def phone_used(self, phone: PhoneLike) -> None:
        self.events.append(("phone", phone.serial))

    def round_trip_started(self, start: RoundTripStart) -> None:
        self.events.append(("start", (start.app, start.profile, start.seed, start.phone.serial, start.target.serial)))

    def round_trip_finished(self, result: RoundTripResult, phone: PhoneLike) -> None:
        self.events.append(("done", result))

    def phases(self) -> list[str]:
        return [name.split()[0] for kind, name in self.events if kind == "started"]


@pytest.fixture
def phone(virtual_phone, adb_server) -> Phone:
    return Phone(virtual_phone.serial, adbutils.AdbClient(port=adb_server.port), "virtual")


def _mutable_globals() -> dict[str, Any]:
    """Every list, dict and set held at module level by the modules a round trip reports through."""
    found = {}
    for name in sorted(sys.modules):
        if name in ("pytest_phonebackup.roundtrip", "pytest_phonebackup.observer") or name.startswith(
                "pytest_phonebackup.reporting"):
            for attr, value in vars(importlib.import_module(name)).items():
                if isinstance(value, (list, dict, set)) and not attr.startswith("__"):
                    found[f"{name}.{attr}"] = repr(value)
    return found


def test_every_observer_method_is_in_the_protocol():
    for listener in (SilentObserver(), Observers(), Recorder()):
        assert isinstance(listener, RoundTripObserver)


def test_nobody_listens_unless_someone_installs_a_listener():
    import contextvars

    assert isinstance(contextvars.Context().run(current_observer), SilentObserver)


def test_observers_fan_out_to_each_listener_in_order():
    first, second = Recorder(), Recorder()
    both = Observers(first, second)
    both.phase_started("seed")
    both.phase_finished(PhaseTiming("seed", 1.0))
    assert first.events == second.events == [("started", "seed"), ("finished", PhaseTiming("seed", 1.0))]


def test_a_script_hears_the_phases_of_each_run_and_two_runs_do_not_mix(phone, tmp_path):
    import pytest_phonebackup.reporting.allure  # noqa: F401 - so its module state, if any, is compared too

    app = load_app("adb-mirror")
    before, outer = _mutable_globals(), current_observer()  # the plugin's, when pytest runs this test
    first, second = Recorder(), Recorder()
    with observing(first):
        one = RoundTrip(phone, app, profile="smoke", seed=1, workdir=tmp_path / "one").run()
    Gallery(phone).wipe(one.manifest)  # what came back is the first run's gallery: make room for the second
    with observing(second):
        two = RoundTrip(phone, app, profile="smoke", seed=2, workdir=tmp_path / "two").run()
    assert one.ok and two.ok, (one.report.summary(), two.report.summary())
    for recorder, result in ((first, one), (second, two)):
        assert recorder.phases() == PHASES
        assert recorder.events[0] == ("phone", phone.serial)
        seed = 1 if recorder is first else 2
        assert recorder.events[1] == ("start", ("adb-mirror", "smoke", seed, phone.serial, phone.serial))
        assert recorder.events[-1] == ("done", result)
        timings = [timing for kind, timing in recorder.events if kind == "finished"]
        assert timings == result.timings
    assert [t for kind, t in first.events if kind == "finished"][0].figures["items"] == len(one.manifest.items)
    assert not any(event[1] is two for event in first.events) and not any(event[1] is one for event in second.events)
    # Outside the blocks the listener is the one from before, and the package kept nothing of either run.
    assert current_observer() is outer
    assert _mutable_globals() == before


def test_a_failing_phase_is_reported_finished_with_its_error(phone, tmp_path):
    class Broken(type(load_app("adb-mirror"))):  # the reference tool, with a backup that cannot start
        def backup(self, phone, workdir):
            raise RuntimeError("backup drive unplugged")

    base = load_app("adb-mirror")
    app = Broken(base.name, base.policy, base.commands["backup"], base.commands["restore"], source=base.source)
    errors: list[tuple[str, BaseException | None]] = []

    class Errors(SilentObserver):
        def phase_finished(self, timing: PhaseTiming, error: BaseException | None = None) -> None:
            errors.append((timing.name, error))

    with observing(Errors()), pytest.raises(RuntimeError, match="unplugged"):
        RoundTrip(phone, app, profile="smoke", seed=1, workdir=tmp_path).run()
    assert [name.split()[0] for name, _ in errors] == ["seed", "prepare", "back"]
    assert errors[-1][1] is not None and "unplugged" in str(errors[-1][1])
