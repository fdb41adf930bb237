"""The plugin installs its listener around every test, so evidence an app reports through
`current_observer()` (a flow's log, a page source, a screenshot) reaches Allure, and phases reported
inside one test never show up in the next."""

from __future__ import annotations

import json

EVIDENCE_TESTS = '''
from pytest_phonebackup.observer import PhaseTiming, SilentObserver, current_observer


def test_app_evidence():
    observer = current_observer()
    assert not isinstance(observer, SilentObserver)
    observer.attach("restore flow steps", "tapOn Restore\\nassertVisible Restore complete")
    observer.attach("page source", "<hierarchy/>", "xml")
    observer.attach("screen", b"\\x89PNG\\r\\n\\x1a\\n", "png")
    observer.phase_started("back up with app")
    observer.phase_finished(PhaseTiming("back up with app", 0.25, {"items": 3}))


def test_next_test_starts_clean():
    current_observer().attach("only mine", "x")
'''


def test_evidence_reported_through_the_observer_reaches_allure(run_pytest, pytester):
    pytester.makepyfile(test_evidence=EVIDENCE_TESTS)
    results = pytester.path / "allure-results"
    result = run_pytest(f"--alluredir={results}")
    result.assert_outcomes(passed=2)
    by_name = {}
    for path in results.glob("*-result.json"):
        data = json.loads(path.read_text())
        by_name[data["name"]] = data
    evidence = by_name["test_app_evidence"]
    kinds = {a["name"]: a["type"] for a in evidence["attachments"]}
    assert kinds == {"restore flow steps": "text/plain", "page source": "application/xml", "screen": "image/png"}
    step = evidence["steps"][0]
    assert step["name"] == "back up with app" and step["status"] == "passed"
    figures = (results / step["attachments"][0]["source"]).read_text()
    assert "items: 3" in figures and "seconds: 0.25" in figures
    later = by_name["test_next_test_starts_clean"]
    assert [a["name"] for a in later["attachments"]] == ["only mine"] and not later.get("steps")
