"""The README's fault example, run as a user runs it: `pytest --phone-emulator` in a subprocess with
the plugin loaded, the `backup_app` marker, the `roundtrip` and `phone_faults` fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

USER_TESTS = '''
import pytest

from pytest_phonebackup.apps.intent import BackupPaused


@pytest.mark.backup_app("cloudphotos")
def test_backup_survives_wifi_dropping(roundtrip, phone_faults):
    phone_faults.cloud_slow(latency=0.08)
    phone_faults.during(phone_faults.wifi_off(now=False), when=phone_faults.after_uploads(3), undo_after=1)
    result = roundtrip("smoke")
    phone_faults.check()
    assert "wifi off" in phone_faults.applied() and result.ok


@pytest.mark.backup_app("cloudphotos")
def test_wifi_gone_for_good_is_paused(roundtrip, phone_faults, backup_app):
    backup_app.backup_step.paused_after = 1
    phone_faults.wifi_off()
    with pytest.raises(BackupPaused, match="paused: Waiting for Wi-Fi"):
        roundtrip("smoke")
'''


def test_readme_fault_example_runs_under_the_plugin(pytester: pytest.Pytester, adb_server,
                                                     monkeypatch: pytest.MonkeyPatch, plugin_args):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makepyfile(test_user=USER_TESTS)
    args = plugin_args
    result = pytester.runpytest_subprocess(*args, "--phone-emulator", "-q", timeout=180)
    result.assert_outcomes(passed=2)
