"""A pytest plugin for this test suite: under CI (CI=true), a test that skips because a tool or an
oracle is missing (toybox, mksh, chromium, Appium, the Allure CLI) fails instead, so CI never goes green
on tests that did not run. Only what cannot exist on the CI machine may still skip: an Android SDK with
system images, or a client whose wheel needs a newer Python than the one running (`requires_python`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Generator

import pytest

# Markers of tests that may stay skipped under CI: an Android SDK with system images cannot exist there.
MAY_SKIP_UNDER_CI = ("realsdk",)


def running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def needs_newer_python(item: pytest.Item) -> str | None:
    """The version a `requires_python("3.11")` marker asks for, when this interpreter is older."""
    marker = item.get_closest_marker("requires_python")
    if marker is None:
        return None
    wanted = str(marker.args[0])
    return wanted if sys.version_info[:2] < tuple(int(part) for part in wanted.split(".")) else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requires_python(version): the test's client needs this Python or newer; "
                            "on an older one it skips, also under CI (the newest Python's run covers it)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    wanted = needs_newer_python(item)
    if wanted:
        pytest.skip(f"needs Python {wanted} or newer (its client's wheel requires it); "
                    f"this is {sys.version_info.major}.{sys.version_info.minor}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if (report.skipped and running_under_ci() and not hasattr(report, "wasxfail")
            and not any(item.get_closest_marker(name) for name in MAY_SKIP_UNDER_CI)
            and not needs_newer_python(item)):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, where every tool it needs must be installed: {reason}"
    return report
