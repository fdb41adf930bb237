"""The main job as a user runs it: `phonebackup demo --faults` round-trips on the virtual phone with the
reference tool (plain and encrypted), Cloud Photos and four broken tools, writes Allure results and renders the one-file
HTML report with the project-local Allure CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_phonebackup.nodetools import node_tools_installed, tools_dir

REPO = Path(__file__).resolve().parents[1]


def test_demo_runs_round_trips_and_renders_the_report(tmp_path: Path):
    if not node_tools_installed():
        if os.environ.get("CI"):
            pytest.fail(f"the Allure CLI is not installed in {tools_dir()}: run `phonebackup tools install`")
        pytest.skip("the Allure CLI is not installed: run `phonebackup tools install`")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    env["PHONEBACKUP_TOOLS"] = str(tools_dir())
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "demo", "--profiles", "smoke", "--faults",
                           "--folder", str(tmp_path / "demo")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "demo passed" in done.stdout
    index = tmp_path / "demo" / "allure-report" / "index.html"
    assert f"Allure report (one file, opens from disk): {index.as_uri()}" in done.stdout
    results = [json.loads(p.read_text()) for p in (tmp_path / "demo" / "allure-results").glob("*-result.json")]
    names = {r["name"] for r in results}
    assert {"test_round_trip_to_the_same_phone[smoke]", "test_round_trip_to_a_new_phone[smoke]",
            "test_backup_survives_wifi_dropping_mid_backup", "test_selective_restore[smoke]",
            "test_encrypted_backup_holds_no_plaintext", "test_wrong_password_restores_nothing",
            "test_incremental_backup[smoke]"} <= names

    def feature(result: dict) -> str:
        return next((label["value"] for label in result["labels"] if label["name"] == "feature"), "")

    broken_tools = {"adb-mirror-drop", "adb-mirror-truncate", "adb-mirror-strip-gps", "adb-mirror-recompress"}
    assert all(r["status"] == "passed" for r in results if feature(r) not in broken_tools)
    # The same test of four broken tools is four tests (one historyId each), not one test retried three times.
    same_phone = {feature(r): r for r in results if r["name"] == "test_round_trip_to_the_same_phone[smoke]"}
    assert set(same_phone) == broken_tools | {"adb-mirror"}
    assert len({r["historyId"] for r in same_phone.values()}) == 5
    assert all(same_phone[tool]["status"] == "failed" for tool in broken_tools)
    rendered = json.loads((tmp_path / "demo" / "allure-report" / "test-results.json").read_text())["byId"]
    assert sum(t["name"] == "test_round_trip_to_the_same_phone[smoke]" for t in rendered.values()) == 5
    # A paused app is filed under its app and says what was seeded and what it had done.
    paused = next(r for r in results if r["name"] == "test_wifi_gone_for_good_is_reported_paused_not_lost")
    assert feature(paused) == "cloudphotos"
    backup = next(step for step in paused["steps"] if step["name"] == "back up with cloudphotos")
    message = backup["statusDetails"]["message"]
    assert "(the app shows 0 of 0 done)" in message and "The round trip had seeded 20 items" in message, message
