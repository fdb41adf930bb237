"""The main job as a user runs it: `phonebackup demo` round-trips on the virtual phone, writes
Allure results and renders the HTML report with the project-local Allure CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_phonebackup.nodetools import node_tools_installed, tools_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not node_tools_installed(), reason="the Allure CLI is not installed: run `phonebackup tools install`")
def test_demo_runs_round_trips_and_renders_the_report(tmp_path: Path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    env["PHONEBACKUP_TOOLS"] = str(tools_dir())
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "demo", "--profiles", "smoke",
                           "--folder", str(tmp_path / "demo")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "demo passed" in done.stdout
    assert (tmp_path / "demo" / "allure-report" / "index.html").is_file()
    results = [json.loads(p.read_text()) for p in (tmp_path / "demo" / "allure-results").glob("*-result.json")]
    names = {r["name"] for r in results}
    assert {"test_round_trip_to_the_same_phone[smoke]", "test_round_trip_to_a_new_phone[smoke]",
            "test_backup_survives_wifi_dropping_mid_backup"} <= names
    assert all(r["status"] == "passed" for r in results)
