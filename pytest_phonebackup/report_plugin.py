"""pytest hooks of the reporting side: failure attachments (screenshot, logcat of the test's window,
the backup tool's output), verdict counts per test in the terminal summary, and categories.json +
environment.properties written at session end (by the xdist controller only). Logic lives in report.py.
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Generator, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pytest

from . import __version__
from . import report as allure_report

NOTES_PROPERTY = "phonebackup_round_trips"  # user_properties key: survives the trip from xdist workers
PLUGIN_NAME = "phonebackup-report"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(ReportPlugin(config), PLUGIN_NAME)


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
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        if not allure_report.recording():
            return (yield)
        phones = _phones_of(item)
        since: dict[str, str] = {}
        for phone in phones:
            try:
                since[phone.serial] = phone.clock()
            except Exception:  # noqa: BLE001 - a dead phone: the whole log is then the best we have
                pass
        allure_report.take_phones()  # forget phones of earlier tests
        try:
            return (yield)
        except BaseException as exc:
            if not isinstance(exc, (pytest.skip.Exception, KeyboardInterrupt)):
                # A phone the test made itself (phone_factory) is new: its whole log is the test's.
                made = [p for p in allure_report.take_phones() if all(p is not q for q in phones)]
                allure_report.attach_failure(phones + made, since, exc)
            raise
        finally:
            allure_report.take_phones()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]
                                  ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        notes = allure_report.take_notes()
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

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
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
            terminalreporter.write_line(f"Allure results in {self.alluredir}; HTML: phonebackup report --results {self.alluredir}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # Workers share the controller's folder: one writer, after --clean-alluredir ran at start.
        if self.alluredir is None or self.is_worker:
            return
        allure_report.write_session_files(self.alluredir, self.environment())

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


def _phones_of(item: pytest.Item) -> list[Any]:
    from .phone import Phone

    found: list[Any] = []
    for value in getattr(item, "funcargs", {}).values():
        candidates = value if isinstance(value, (list, tuple)) else [value]
        for candidate in candidates:
            if isinstance(candidate, Phone) and all(candidate is not p for p in found):
                found.append(candidate)
    return found
