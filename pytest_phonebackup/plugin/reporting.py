"""pytest hooks of the reporting side: each test runs with an observer (notes for the terminal
summary, and Allure) installed around its setup, call and teardown; a failed test gets its phones'
screenshots and logcat; fixture teardowns are named in Allure; the summary counts verdicts per test; categories.json and
environment.properties are written at session end (by the xdist controller only). Logic: reporting/.
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Generator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .. import __version__
from ..observer import Observers, observing
from ..phone import Phone
from ..phonelike import PhoneLike
from ..reporting import allure as allure_adapter
from ..reporting.categories import write_session_files
from ..reporting.notes import NoteTaker, TestNotes

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter

NOTES_PROPERTY = "phonebackup_round_trips"  # user_properties key: survives the trip from xdist workers
PLUGIN_NAME = "phonebackup-report"
NOTES_KEY = pytest.StashKey[TestNotes]()


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(ReportPlugin(config), PLUGIN_NAME)


def notes_of(item: pytest.Item) -> TestNotes:
    """The notes of one test: its round trips and the phones they used (kept in the item's stash)."""
    if NOTES_KEY not in item.stash:
        item.stash[NOTES_KEY] = TestNotes()
    return item.stash[NOTES_KEY]




class ReportPlugin:
    """The hooks, with what this session gathered: round-trip notes per test, and the Allure folder."""

    def __init__(self, config: pytest.Config):
        alluredir = config.getoption("allure_report_dir", None)
        # allure-pytest resolves the folder against the directory pytest started in; so do we.
        self.alluredir = Path(os.path.abspath(alluredir)) if alluredir else None
        self.is_worker = hasattr(config, "workerinput")
        self.notes: dict[str, list[dict[str, Any]]] = {}
        self.outcomes: dict[str, str] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
        # Round trips and apps report to current_observer(): for this test, its notes and Allure.
        notes = notes_of(item)
        listener = Observers(NoteTaker(notes, with_phone_info=allure_adapter.recording()),
                             allure_adapter.AllureObserver())
        with observing(listener):
            return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
                             ) -> Generator[None, object, object]:
        # Outermost, so allure-pytest has wrapped the fixture's finalizers when this runs.
        try:
            return (yield)
        finally:
            allure_adapter.name_teardowns(fixturedef)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        if not allure_adapter.recording():
            return (yield)
        phones = _phones_of(item)
        since: dict[str, str] = {}
        for phone in phones:
            try:
                since[phone.serial] = phone.clock()
            except Exception:  # noqa: BLE001 - a dead phone: the whole log is then the best we have
                pass
        try:
            return (yield)
        except BaseException as exc:
            if not isinstance(exc, (pytest.skip.Exception, KeyboardInterrupt)):
                # A phone the test made itself (phone_factory) is new: its whole log is the test's.
                made = [p for p in notes_of(item).phones if all(p is not q for q in phones)]
                allure_adapter.attach_failure(phones + made, since, exc)
            raise

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]
                                  ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        notes = notes_of(item).take_round_trips()
        if notes:
            report.user_properties.append((NOTES_PROPERTY, [note.to_dict() for note in notes]))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Runs on the controller for xdist workers' reports too, so it sees every test.
        for name, value in report.user_properties:
            if name == NOTES_PROPERTY and isinstance(value, list):
                self.notes.setdefault(report.nodeid, []).extend(value)
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.nodeid] = report.outcome

    def pytest_terminal_summary(self, terminalreporter: TerminalReporter) -> None:
        if not self.notes:
            return
        terminalreporter.section("phone backup round trips")
        for nodeid, notes in self.notes.items():
            outcome = self.outcomes.get(nodeid, "?").upper()
            for note in notes:
                counts = ", ".join(f"{n} {k}" for k, n in note["counts"].items()) or "no items"
                verdict = "verified" if note["ok"] else f"worst {note['worst']}"
                terminalreporter.write_line(f"{outcome:<7} {nodeid}: {counts} ({verdict}; {note['app']}, "
                                            f"profile {note['profile']}, seed {note['seed']}, {note['seconds']:.1f} s)")
        if self.alluredir is not None and not self.is_worker:
            terminalreporter.write_line(f"Allure results in {self.alluredir}; "
                                        f"one-file HTML report: phonebackup report {self.alluredir} -o allure-report")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # Workers share the controller's folder: one writer, after --clean-alluredir ran at start.
        if self.alluredir is None or self.is_worker:
            return
        write_session_files(self.alluredir, self.environment())

    def environment(self) -> dict[str, str]:
        """environment.properties: plugin version, and the phones and apps the round trips used."""
        env = {"plugin": f"pytest-phonebackup {__version__}", "python": platform.python_version()}
        phones: set[str] = set()
        apps: set[str] = set()
        profiles: set[str] = set()
        for notes in self.notes.values():
            for note in notes:
                info = note.get("phone") or {}
                if info:
                    phones.add(f"{info.get('manufacturer', '')} {info.get('model', '')} API {info.get('api', '?')} "
                               f"(Android {info.get('release', '?')}, {info.get('kind', '')})".strip())
                apps.add(note["app"] + (f" {note['app_version']}" if note.get("app_version") else ""))
                profiles.add(note["profile"])
        if phones:
            env["phones"] = ", ".join(sorted(phones))
        if apps:
            env["backup apps"] = ", ".join(sorted(apps))
        if profiles:
            env["media profiles"] = ", ".join(sorted(profiles))
        with contextlib.suppress(PackageNotFoundError):
            env["allure-pytest"] = version("allure-pytest")
        return env


def _phones_of(item: pytest.Item) -> list[PhoneLike]:
    found: list[PhoneLike] = []
    for value in getattr(item, "funcargs", {}).values():
        candidates = value if isinstance(value, (list, tuple)) else [value]
        for candidate in candidates:
            if isinstance(candidate, Phone) and all(candidate is not p for p in found):
                found.append(candidate)
    return found
