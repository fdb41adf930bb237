"""`pytest --phone-emulator --phone-backup-app cloudphotos-ui`: the built-in suite runs a UI-driven
round trip through the plugin; here the Storage saver set-up, which must fail as recompressed,
on an Appium server given with --appium-url."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.usefixtures("adb_server")
def test_suite_with_ui_app_reports_recompressed_photos(appium_server, tmp_path: Path, plugin_args: list[str]):
    sessions_before = appium_server.log_path.read_text().count("--> POST /session ")
    env = dict(os.environ, STORAGE_SAVER="true", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "pytest_phonebackup.suite", *plugin_args,
         "--phone-emulator", "--phone-backup-app", "cloudphotos-ui", "--phone-media-profile", "smoke",
         "--appium-url", appium_server.url, "-k", "same_phone", "-q", "-rA",
         "--phone-output", str(tmp_path / "out")],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "1 failed" in output and "recompressed" in output
    assert "cloudphotos-ui" in output
    # the three flows (prepare, backup, restore) ran on the given server, not on one the plugin started
    assert appium_server.log_path.read_text().count("--> POST /session ") - sessions_before == 3
