"""Under CI a missing tool fails its test instead of skipping it; outside CI it still skips."""

from __future__ import annotations

import pytest

TESTS = """
import pytest

def test_needs_toybox():
    pytest.skip("Debian's toybox is not installed")

@pytest.mark.skipif(True, reason="chromium is not installed")
def test_needs_chromium():
    pass

@pytest.mark.realsdk
@pytest.mark.skipif(True, reason="needs a real Android SDK")
def test_needs_a_real_sdk():
    pass

def test_runs():
    assert 1 + 1 == 2
"""


@pytest.fixture
def suite(pytester):
    pytester.makeini("[pytest]\nmarkers =\n    realsdk: needs a real SDK\n")
    pytester.makepyfile(TESTS)
    return pytester


def test_under_ci_a_missing_tool_is_a_failure_naming_it(suite, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest("-p", "ci_skips", "-p", "no:phonebackup", "-rs")
    # a skip in the test body fails the test; a skipif (decided at set-up) fails the set-up: an error
    result.assert_outcomes(passed=1, failed=1, errors=1, skipped=1)
    result.stdout.fnmatch_lines(["*skipped under CI*toybox is not installed*"])
    result.stdout.fnmatch_lines(["*skipped under CI*chromium is not installed*"])
    result.stdout.fnmatch_lines(["SKIPPED*needs a real Android SDK*"])


def test_outside_ci_a_missing_tool_still_skips_with_its_reason(suite, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest("-p", "ci_skips", "-p", "no:phonebackup", "-rs")
    result.assert_outcomes(passed=1, skipped=3)
    result.stdout.fnmatch_lines(["SKIPPED*toybox is not installed*"])


NEWER_PYTHON = """
import pytest

@pytest.mark.requires_python("99.0")
def test_client_needs_a_future_python():
    raise AssertionError("must not run on this Python")

@pytest.mark.requires_python("3.0")
def test_client_on_this_python_whose_tool_is_missing():
    pytest.skip("the client is not installed")
"""


def test_under_ci_only_a_too_old_python_may_skip_a_client(pytester, monkeypatch):
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(NEWER_PYTHON)
    result = pytester.runpytest("-p", "ci_skips", "-p", "no:phonebackup", "-rs")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*needs Python 99.0 or newer*"])
    result.stdout.fnmatch_lines(["*skipped under CI*the client is not installed*"])
