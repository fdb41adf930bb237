"""The HTML report as a developer sees it: `phonebackup report` renders the results of a real run with
the pinned Allure CLI, and headless Chromium shows a failing round trip's verdict table with the
seeded and restored thumbnails and the difference image. The screenshot is kept as an artifact."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from report_testing import REPO, keep_artifact

from pytest_phonebackup.nodetools import node_tool

# Click the innermost element whose text starts with `text` (Allure's step and attachment rows).
CLICK = """(text) => {
  const hits = Array.from(document.querySelectorAll('body *'))
    .filter(e => e.children.length === 0 && e.textContent.trim().startsWith(text));
  if (!hits.length) return false;
  hits[0].scrollIntoView({block: 'center'}); hits[0].click(); return true; }"""

# What the verdict table inside Allure's attachment frame shows for the recompressed item.
TABLE = """(() => {
  for (const frame of document.querySelectorAll('iframe')) {
    const doc = frame.contentDocument;
    const row = doc && doc.querySelector('tr.item.recompressed');
    if (!row) continue;
    const shown = sel => Array.from(row.querySelectorAll(sel + ' img'))
      .filter(img => img.complete && img.naturalWidth > 0 && img.src.startsWith('data:image/')).length;
    frame.scrollIntoView({block: 'start'});
    return {status: doc.querySelector('h1.status').textContent, seeded: shown('td.seeded'),
            restored: shown('td.restored'), diff: shown('td.diff'), text: row.innerText};
  }
  return null; })()"""


@pytest.fixture
def rendered(allure_run, tmp_path):
    if not node_tool("allure").exists():
        pytest.fail(f"the Allure CLI is not installed at {node_tool('allure')}: run `phonebackup tools install`")
    out = tmp_path / "allure-report"
    proc = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "report", "--results", str(allure_run.results),
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Allure report: {out / 'index.html'}" in proc.stdout
    return out


def test_report_renders_categories_and_environment(rendered):
    categories = json.loads((rendered / "widgets" / "categories.json").read_text())
    names = {node["name"] for node in categories["nodes"].values() if node.get("type") == "category"}
    assert {"Data loss", "Corruption", "Metadata loss", "Altered on restore", "Infrastructure",
            "Scenario errors"} <= names
    environment = {e["name"]: e["values"] for e in json.loads((rendered / "widgets" / "allure_environment.json").read_text())}
    assert environment["plugin"][0].startswith("pytest-phonebackup ")
    assert "adb-mirror" in environment["backup apps"][0]


def test_failing_round_trip_shows_its_verdict_table_with_thumbnails(rendered, serve, chromium, tmp_path):
    base = serve(rendered)
    by_id = json.loads((rendered / "test-results.json").read_text())["byId"]
    test_id = next(key for key, test in by_id.items() if test["name"] == "test_round_trip[recompress]")
    chromium.navigate(f"{base}#{test_id}")
    chromium.wait_for("document.body && document.body.innerText.includes('Category: Altered on restore')")
    assert chromium.evaluate(f"({CLICK})('report: FAILED, worst recompressed')")
    chromium.wait_for(f"({CLICK})('verdict table')")
    table = chromium.wait_for(TABLE)
    shot = keep_artifact(chromium.screenshot(tmp_path / "allure-verdict-table.png", full_page=False))
    assert table["status"] == "Round trip FAILED — worst verdict: recompressed"
    assert (table["seeded"], table["restored"], table["diff"]) == (1, 1, 1), table
    assert "mean pixel difference" in table["text"] and "/IMG" in table["text"]
    assert shot.stat().st_size > 20_000  # a real page, not a blank frame
