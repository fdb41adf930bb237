"""What a real pytest run of round trips leaves in the Allure results folder: steps with timings,
attachments of the right types, labels and severity, categories that sort each failure into the
kind of loss the faulty tool produced, environment.properties, and the terminal summary."""

from __future__ import annotations

import json
import re

from report_testing import FAULT_CATEGORY

from pytest_phonebackup.reporting import category_of


def _name(fault: str | None) -> str:
    return f"test_round_trip[{fault}]"


def _all_attachments(result: dict) -> list[dict]:
    found = list(result.get("attachments", []))
    todo = list(result.get("steps", []))
    while todo:
        step = todo.pop()
        found += step.get("attachments", [])
        todo += step.get("steps", [])
    return found


def test_the_run_finished_with_the_expected_outcomes(allure_run):
    out = allure_run.stdout
    assert re.search(r"test_round_trip\[None\] PASSED|PASSED .*test_round_trip\[None\]", out), out[-3000:]
    for fault in ("drop", "truncate", "strip-datetime", "recompress"):
        assert re.search(rf"FAILED .*test_round_trip\[{fault}\]", out), out[-3000:]
    assert re.search(r"\b8 failed, 1 passed\b", out), out[-3000:]


def test_each_phase_is_a_step_with_its_timing_and_figures(allure_run):
    result = allure_run.test_results()[_name(None)]
    names = [step["name"] for step in result["steps"]]
    assert names[:6] == ["seed smoke gallery (seed 3)", "prepare adb-mirror", "back up with adb-mirror",
                         "wipe the seeded items", "restore with adb-mirror", "verify item by item"]
    seed_step = result["steps"][0]
    figures = (allure_run.results / seed_step["attachments"][0]["source"]).read_text()
    assert re.search(r"^items: 20$", figures, re.M) and re.search(r"^bytes: [\d,]+ \(", figures, re.M), figures
    assert all(step["stop"] >= step["start"] for step in result["steps"])


def test_round_trip_attachments_are_there_with_their_types(allure_run):
    for fault in (None, "drop"):
        attachments = {a["name"]: a for a in _all_attachments(allure_run.test_results()[_name(fault)])}
        expected = {"verdicts.csv": "text/csv", "report.json": "application/json", "manifest.json": "application/json",
                    "device info": "application/json", "rclone-style check": "text/plain", "timings": "text/plain"}
        for name, kind in expected.items():
            assert attachments[name]["type"] == kind, (fault, name, attachments.keys())
            assert (allure_run.results / attachments[name]["source"]).stat().st_size > 0
        outputs = [n for n in attachments if n.startswith(("backup output", "restore output"))]
        assert len(outputs) == 2, attachments.keys()
        manifest = json.loads((allure_run.results / attachments["manifest.json"]["source"]).read_text())
        assert manifest["profile"] == "smoke" and len(manifest["items"]) == 20
        info = json.loads((allure_run.results / attachments["device info"]["source"]).read_text())
        assert info["api"].isdigit() and info["serial"].startswith("emulator-")
        csv_text = (allure_run.results / attachments["verdicts.csv"]["source"]).read_text()
        assert csv_text.splitlines()[0].startswith("verdict,ok,mark,path")
        assert len(csv_text.splitlines()) == 1 + len(json.loads(
            (allure_run.results / attachments["report.json"]["source"]).read_text())["verdicts"])
        # The verdict table is for failures; a verified round trip does not carry one.
        assert ("verdict table" in attachments) == (fault is not None)


def test_a_failed_round_trip_has_a_self_contained_verdict_table_screenshot_and_logcat(allure_run):
    result = allure_run.test_results()[_name("recompress")]
    attachments = {a["name"]: a for a in _all_attachments(result)}
    table = attachments["verdict table"]
    assert table["type"] == "text/html"
    page = (allure_run.results / table["source"]).read_text()
    assert '<tr class="item recompressed">' in page
    row = page.split('<tr class="item recompressed">')[1].split("</tr>")[0]
    # seeded and restored thumbnails and the difference image, all embedded
    assert row.count('src="data:image/jpeg;base64,') == 2 and 'class="diff" alt="difference" src="data:image/png' in row
    assert "http://" not in page and "file:" not in page
    shots = [a for name, a in attachments.items() if name.startswith("screenshot ")]
    assert shots and shots[0]["type"] == "image/png"
    assert (allure_run.results / shots[0]["source"]).read_bytes().startswith(b"\x89PNG")
    logcat = [a for name, a in attachments.items() if name.startswith("logcat ")]
    assert logcat and (allure_run.results / logcat[0]["source"]).stat().st_size > 0
    passed = {a["name"] for a in _all_attachments(allure_run.test_results()[_name(None)])}
    assert not any(name.startswith(("screenshot ", "logcat ")) for name in passed)


def test_labels_parameters_and_severity_follow_the_worst_verdict(allure_run):
    results = allure_run.test_results()
    expected_severity = {None: "normal", "drop": "blocker", "truncate": "blocker", "strip-datetime": "critical",
                         "recompress": "normal"}
    for fault, severity in expected_severity.items():
        labels = {}
        for label in results[_name(fault)]["labels"]:
            labels.setdefault(label["name"], label["value"])
        app = "adb-mirror" + (f" --fault {fault}" if fault else "")
        assert (labels["feature"], labels["story"], labels["severity"]) == (app, "smoke", severity), fault
        assert labels["api_level"].isdigit() and labels["phone_model"]
        params = {p["name"]: p for p in results[_name(fault)]["parameters"]}
        assert params["seed"]["value"] == "3" and params["app"]["value"] == repr(app)
        assert params["profile"]["value"] == "'smoke'"
        assert re.fullmatch(r"'.+ \(API \d+\)'", params["target phone"]["value"]), params["target phone"]
        # None of them is excluded: each is part of the test's historyId.
        assert not any(p.get("excluded") for name, p in params.items() if name != "fault"), params
    assert len({results[_name(fault)]["historyId"] for fault in expected_severity}) == len(expected_severity)


def test_categories_sort_each_failure_into_its_kind(allure_run):
    cats = json.loads((allure_run.results / "categories.json").read_text())
    names = [c["name"] for c in cats]
    assert names == ["Product defect: Data loss", "Product defect: Unexpected skip", "Product defect: Corruption",
                     "Product defect: Metadata loss", "Product defect: Timestamps changed",
                     "Product defect: Altered on restore", "Product defect: Unwanted files",
                     "Product defect: Out of date",
                     "Product defect: Restored though not selected", "Product defect: Plaintext in an encrypted backup",
                     "Product defect: App did not finish", "Product defect: UI flow step failed",
                     "Infrastructure: Timeout", "Infrastructure: Backup tool crashed", "Infrastructure: Phone or adb",
                     "Test setup: Scenario errors"]
    results = allure_run.test_results()
    for fault, category in FAULT_CATEGORY.items():
        result = results[_name(fault)]
        message = result.get("statusDetails", {}).get("message", "")
        assert category_of(result["status"], message, cats) == category, (fault, message[:300])
    shell = results["test_phone_command_fails"]
    assert shell["status"] == "broken"
    assert category_of(shell["status"], shell["statusDetails"]["message"], cats) == "Infrastructure: Phone or adb"
    tool = results["test_backup_tool_fails"]
    assert category_of(tool["status"], tool["statusDetails"]["message"], cats) == "Infrastructure: Backup tool crashed"
    bad = results["test_scenario_file_is_wrong"]
    assert category_of(bad["status"], bad["statusDetails"]["message"], cats) == "Test setup: Scenario errors"
    paused = results["test_backup_pauses_without_wifi"]
    assert category_of(paused["status"], paused["statusDetails"]["message"], cats) == "Product defect: App did not finish"


def test_session_files_survive_clean_alluredir_and_name_phone_app_and_plugin(allure_run):
    assert not (allure_run.results / "stale-result.json").exists()
    env = (allure_run.results / "environment.properties").read_text()
    assert re.search(r"^plugin=pytest-phonebackup \d", env, re.M)
    assert re.search(r"^phones=.*API \d+", env, re.M)
    assert re.search(r"^backup\\ apps=.*adb-mirror", env, re.M)


def test_terminal_summary_counts_verdicts_per_test(allure_run):
    out = allure_run.stdout
    assert "phone backup round trips" in out
    assert re.search(r"PASSED\s+test_round_trips.py::test_round_trip\[None\]: 20 intact "
                     r"\(verified; adb-mirror, profile smoke, seed 3", out), out[-3000:]
    assert re.search(r"FAILED\s+test_round_trips.py::test_round_trip\[drop\]: 19 intact, "
                     r"1 missing \(worst missing", out), out[-3000:]


def test_a_failing_backup_tool_has_its_output_attached(allure_run):
    result = allure_run.test_results()["test_backup_tool_fails"]
    outputs = [a for a in _all_attachments(result) if a["name"].startswith("backup output (exit 4)")]
    assert outputs, [a["name"] for a in _all_attachments(result)]
    assert "no space left on the backup drive" in (allure_run.results / outputs[0]["source"]).read_text()


def _step(result: dict, prefix: str) -> dict:
    return next(step for step in result["steps"] if step["name"].startswith(prefix))


def test_the_report_step_of_a_round_trip_that_did_not_verify_is_failed(allure_run):
    results = allure_run.test_results()
    for fault in ("drop", "truncate", "strip-datetime", "recompress"):
        step = _step(results[_name(fault)], "report: FAILED")
        assert step["status"] == "failed", (fault, step["status"])
        assert step["statusDetails"]["message"].startswith("AssertionError: [phonebackup: "), step["statusDetails"]
    verified = _step(results[_name(None)], "report: verified")
    assert verified["status"] == "passed" and not verified.get("statusDetails")


def test_every_round_trip_carries_its_verdict_summary(allure_run):
    results = allure_run.test_results()
    passed = {a["name"]: a for a in _step(results[_name(None)], "report: verified").get("attachments", [])}
    text = (allure_run.results / passed["verdict summary"]["source"]).read_text()
    assert text.startswith("verified: 20 verdicts (20 intact); app adb-mirror, profile smoke, seed 3, phone emulator-")
    assert "intact: 20 of 20\n" in text and "not acceptable" not in text
    failed = {a["name"]: a for a in _step(results[_name("drop")], "report: FAILED").get("attachments", [])}
    text = (allure_run.results / failed["verdict summary"]["source"]).read_text()
    assert "intact: 19 of 20\n" in text and "not acceptable under the policy: 1\n" in text
    assert re.search(r"^  - missing +\S", text, re.M), text


def test_fixture_teardowns_are_named_and_finished(allure_run):
    afters = []
    for path in allure_run.results.glob("*-container.json"):
        afters += json.loads(path.read_text(encoding="utf-8")).get("afters", [])
    names = {a["name"] for a in afters}
    assert {"phone_factory::teardown", "tmp_path::teardown", "phone::teardown", "phone_faults::teardown"} <= names
    assert not [n for n in names if "<lambda>" in n or re.search(r"::\d+$", n)], sorted(names)
    assert {a.get("status") for a in afters} == {"passed"}, [(a["name"], a.get("status")) for a in afters]


def test_a_paused_app_says_what_was_seeded_and_what_it_did(allure_run):
    result = allure_run.test_results()["test_backup_pauses_without_wifi"]
    labels = {label["name"]: label["value"] for label in result["labels"]}
    assert (labels["feature"], labels["story"]) == ("cloudphotos", "smoke")
    message = result["statusDetails"]["message"]
    assert "paused: Waiting for Wi-Fi" in message and "(the app shows 0 of 0 done)" in message, message
    assert message.rstrip().endswith("The round trip had seeded 20 items"), message
    step = _step(result, "back up with cloudphotos")
    assert step["status"] == "broken" and "seeded 20 items" in step["statusDetails"]["message"]
