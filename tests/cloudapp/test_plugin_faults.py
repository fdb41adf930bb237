"""The fault tests that ship with the package (`pytest_phonebackup.demo_suite`), run as a user runs
them: `pytest --phone-emulator` in a subprocess with the plugin loaded, the `backup_app` marker, the
`roundtrip` and `phone_faults` fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_shipped_fault_tests_run_under_the_plugin(pytester: pytest.Pytester, adb_server,
                                                  monkeypatch: pytest.MonkeyPatch, plugin_args):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    result = pytester.runpytest_subprocess(*plugin_args, "--phone-emulator", "--pyargs", "pytest_phonebackup.demo_suite",
                                           "-q", timeout=180)
    result.assert_outcomes(passed=2)
