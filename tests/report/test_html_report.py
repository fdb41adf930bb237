"""The HTML report as a developer sees it: `phonebackup report RESULTS -o OUT` renders the results of a
real run with the pinned Allure CLI into one file, and headless Chromium opens it from disk (file://)
and shows the tests grouped by app, the categories, and a failing round trip's verdict table with the
seeded and restored thumbnails and the difference image. The screenshots are kept as artifacts
(report_testing.artifacts_folder)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from report_testing import REPO, embedded_files, keep_artifact

from pytest_phonebackup.nodetools import node_tool

# Click the innermost element whose text starts with (or is) `text`: Allure's groups, steps, attachments.
CLICK = """(text, exact) => {
  const hits = Array.from(document.querySelectorAll('body *'))
    .filter(e => e.children.length === 0 && (exact ? e.textContent.trim() === text : e.textContent.trim().startsWith(text)));
  if (!hits.length) return false;
  hits[0].scrollIntoView({block: 'center'}); hits[0].click(); return true; }"""

# What the verdict table inside Allure's attachment frame shows for the recompressed item (run in the frame).
TABLE = """(() => {
  const row = document.querySelector('tr.item.recompressed');
  if (!row) return null;
  const shown = sel => Array.from(row.querySelectorAll(sel + ' img'))
    .filter(img => img.complete && img.naturalWidth > 0 && img.src.startsWith('data:image/')).length;
  return {status: document.querySelector('h1.status').textContent, seeded: shown('td.seeded'),
          restored: shown('td.restored'), diff: shown('td.diff'), text: row.innerText}; })()"""


@pytest.fixture
def rendered(allure_run, tmp_path):
    if not node_tool("allure").exists():
        pytest.fail(f"the Allure CLI is not installed at {node_tool('allure')}: run `phonebackup tools install`")
    out = tmp_path / "allure-report"
    # Allure's own form: the results folder as the argument, -o for the output.
    proc = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "report", str(allure_run.results),
                           "-o", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Allure report: {out / 'index.html'}" in proc.stdout
    return out


def test_the_report_is_one_page_with_its_data_inside(rendered):
    assert [p.name for p in rendered.iterdir() if p.suffix in (".html", ".js", ".css")] == ["index.html"]
    assert not (rendered / "data").exists() and not (rendered / "widgets").exists()
    page = (rendered / "index.html").read_text(encoding="utf-8")
    assert "googletagmanager" not in page  # nothing leaves the machine when it is opened


def test_report_renders_categories_and_environment(rendered):
    files = embedded_files(rendered / "index.html")
    categories = json.loads(files["widgets/categories.json"])
    names = {node["name"] for node in categories["nodes"].values() if node.get("type") == "category"}
    assert names == {"Product defect: Data loss", "Product defect: Corruption", "Product defect: Metadata loss",
                     "Product defect: Altered on restore", "Product defect: App did not finish",
                     "Infrastructure: Backup tool crashed", "Infrastructure: Phone or adb",
                     "Test setup: Scenario errors"}
    environment = {e["name"]: e["values"] for e in json.loads(files["widgets/allure_environment.json"])}
    assert environment["plugin"][0].startswith("pytest-phonebackup ")
    assert "adb-mirror" in environment["backup apps"][0]


# The names of the tests in the tree, and the names of the groups they are in.
TREE = """(() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.children.length === 0).map(e => e.textContent.trim()).filter(Boolean))()"""


def test_the_report_opens_from_disk_with_tests_grouped_by_app(rendered, chromium, tmp_path):
    chromium.navigate((rendered / "index.html").as_uri())
    chromium.wait_for("document.body && document.body.innerText.includes('test_round_trip[recompress]')")
    texts = chromium.evaluate(TREE)
    # grouped by the app under test (the feature label), not by file; groups with a failure open
    assert {"adb-mirror", "adb-mirror --fault drop", "adb-mirror --fault recompress", "cloudphotos"} <= set(texts)
    for name in ("drop", "truncate", "strip-datetime", "recompress"):
        assert f"test_round_trip[{name}]" in texts, texts
    assert {"test_backup_pauses_without_wifi", "test_phone_command_fails"} <= set(texts)
    assert "test_round_trip[None]" not in texts  # the passing app's group is closed ...
    assert chromium.evaluate(f"({CLICK})('adb-mirror', true)")
    chromium.wait_for("document.body.innerText.includes('test_round_trip[None]')")  # ... until opened
    chromium.evaluate("window.scrollTo(0, 0)")
    shot = keep_artifact(chromium.screenshot(tmp_path / "report.png"), "report.png")
    assert shot.stat().st_size > 20_000  # a real page, not a spinner on a blank one
    chromium.evaluate(f"({CLICK})('Categories')")
    chromium.wait_for("document.body.innerText.includes('Product defect: Data loss')")
    assert "Infrastructure: Phone or adb" in chromium.evaluate("document.body.innerText")


def test_failing_round_trip_shows_its_verdict_table_with_thumbnails(rendered, chromium, tmp_path):
    by_id = json.loads((rendered / "test-results.json").read_text())["byId"]
    test_id = next(key for key, test in by_id.items() if test["name"] == "test_round_trip[recompress]")
    chromium.navigate(f"{(rendered / 'index.html').as_uri()}#{test_id}")
    chromium.wait_for("document.body && document.body.innerText.includes('Category: Product defect: Altered on restore')")
    # A failed step opens by itself; its first attachment is the verdict summary, then the table.
    chromium.wait_for("document.body.innerText.includes('report: FAILED, worst recompressed')")
    if not chromium.evaluate("document.body.innerText.includes('verdict table')"):
        assert chromium.evaluate(f"({CLICK})('report: FAILED, worst recompressed')")
    chromium.wait_for(f"({CLICK})('verdict table')")
    deadline = time.monotonic() + 30
    while not (tables := [t for t in chromium.evaluate_in_frames(TABLE) if t]):
        assert time.monotonic() < deadline, f"no verdict table in the frames {chromium.frames()}"
        time.sleep(0.25)
    table = tables[0]
    chromium.evaluate("document.querySelector('iframe[src^=\\'blob:\\'], iframe[srcdoc]')"
                      ".scrollIntoView({block: 'start'})")
    shot = keep_artifact(chromium.screenshot(tmp_path / "allure-verdict-table.png", full_page=False))
    assert table["status"] == "Round trip FAILED — worst verdict: recompressed"
    assert (table["seeded"], table["restored"], table["diff"]) == (1, 1, 1), table
    assert "mean pixel difference" in table["text"] and "/IMG" in table["text"]
    assert shot.stat().st_size > 20_000  # a real page, not a blank frame
