"""The reporting pieces without a phone: failure messages and the categories that match them (as
Allure 2 and Allure 3 match regexes), severity, the verdict table and CSV from real image files,
environment.properties escaping, no-ops without Allure, and `phonebackup report` errors."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from report_testing import REPO

from pytest_phonebackup.manifest import Manifest, MediaItem
from pytest_phonebackup.reporting import (
    categories,
    category_of,
    failure_message,
    loss_kind,
    summary,
    write_session_files,
)
from pytest_phonebackup.reporting.allure import AllureObserver, attach, attach_failure, recording
from pytest_phonebackup.reporting.html import (
    difference_uri,
    restored_copy,
    verdict_table_csv,
    verdict_table_html,
)
from pytest_phonebackup.roundtrip import PhaseTiming
from pytest_phonebackup.verification import ItemVerdict as Verdict
from pytest_phonebackup.verification import Report


def _report(*verdicts: Verdict) -> Report:
    return Report(profile="smoke", seed=7, serial="emulator-5554", verdicts=list(verdicts), policy={}, app="tool")


def _v(verdict: str, path: str, ok: bool = False, **kw) -> Verdict:
    return Verdict(verdict, path, ok, f"because {verdict}", **kw)


def _item(path: str, limits: list[str] | None = None, item_id: str = "") -> MediaItem:
    return MediaItem(path=path, kind="photo", mime="image/jpeg", size=10, sha256="0" * 64, mtime=0.0,
                     limits=limits or [], id=item_id)


@pytest.mark.parametrize(("verdicts", "category", "severity"), [
    ([("missing", "a.jpg"), ("corrupted", "b.jpg")], "Product defect: Data loss", "blocker"),
    ([("corrupted", "b.jpg"), ("metadata-lost", "c.jpg")], "Product defect: Corruption", "blocker"),
    ([("metadata-lost", "c.jpg")], "Product defect: Metadata loss", "critical"),
    ([("timestamp-changed", "c.jpg")], "Product defect: Timestamps changed", "normal"),
    ([("recompressed", "d.jpg"), ("renamed", "e.jpg")], "Product defect: Altered on restore", "normal"),
    ([("moved", "e.jpg")], "Product defect: Altered on restore", "normal"),
    ([("extra", "x.txt")], "Product defect: Unwanted files", "minor"),
    ([("duplicated", "x.jpg")], "Product defect: Unwanted files", "minor"),
    ([("stale", "edited.jpg")], "Product defect: Out of date", "critical"),
    ([("resurrected", "deleted.jpg")], "Product defect: Out of date", "normal"),
    ([("restored-unselected", "x.jpg")], "Product defect: Restored though not selected", "normal"),
    ([("plaintext-in-backup", "x.jpg"), ("missing", "y.jpg")], "Product defect: Plaintext in an encrypted backup",
     "critical"),
])
def test_failure_message_marker_puts_each_worst_verdict_in_its_category(verdicts, category, severity):
    rep = _report(_v("intact", "ok.jpg", True), *[_v(v, p) for v, p in verdicts])
    message = "AssertionError: " + failure_message(rep)
    cats = categories()
    assert category_of("failed", message, cats) == category
    # Allure 3 searches with JavaScript regexes: the first category whose regex is found anywhere.
    searched = next(c["name"] for c in cats if re.search(c["messageRegex"], message))
    assert searched == category
    assert summary.severity(rep) == severity
    assert "seed 7" in message and "--phone-seed 7" in message


def test_missing_items_that_all_cross_a_limit_are_an_unexpected_skip():
    rep = _report(_v("missing", "big.jpg"), _v("missing", "tiny.png"))
    manifest = Manifest(profile="edge", seed=7, items=[_item("big.jpg", ["photo_max_bytes"]), _item("tiny.png", ["min_side"])])
    assert loss_kind(rep, manifest).name == "Unexpected skip"
    assert failure_message(rep, manifest).startswith("[phonebackup: unexpected skip] ")
    manifest.items.append(_item("plain.jpg"))
    mixed = _report(_v("missing", "big.jpg"), _v("missing", "plain.jpg"))
    assert loss_kind(mixed, manifest).name == "Data loss"


def test_a_verified_round_trip_has_no_marker_and_normal_severity():
    rep = _report(_v("intact", "a.jpg", True), _v("skipped-as-promised", "b.jpg", True))
    assert loss_kind(rep) is None and summary.severity(rep) == "normal"
    assert not failure_message(rep).startswith("[phonebackup:")
    assert category_of("passed", failure_message(rep)) is None


@pytest.mark.parametrize(("message", "category"), [
    ("pytest_phonebackup.errors.PhoneError: emulator-5554 went offline", "Infrastructure: Phone or adb"),
    ("pytest_phonebackup.phone.NotReadyError: boot did not complete", "Infrastructure: Timeout"),
    ("pytest_phonebackup.errors.ShellCommandError: `ls` exited with status 1", "Infrastructure: Phone or adb"),
    ("adbutils.errors.AdbError: device offline", "Infrastructure: Phone or adb"),
    ("adbutils.errors.AdbTimeout: no reply in 10 s", "Infrastructure: Timeout"),
    ("subprocess.TimeoutExpired: Command '['adb']' timed out after 5 seconds", "Infrastructure: Timeout"),
    ("Failed: Timeout >300.0s", "Infrastructure: Timeout"),
    ("pytest_phonebackup.errors.ScenarioError: bad.yaml:2: kind must be one of command", "Test setup: Scenario errors"),
    ("pytest_phonebackup.errors.SafetyError: seeding would overwrite 3 files", "Test setup: Scenario errors"),
    ("pytest_phonebackup.apps.command.BackupToolError: tool: backup exited with status 2",
     "Infrastructure: Backup tool crashed"),
    ("pytest_phonebackup.errors.BackupToolError: tool: backup did not finish within 60 s; killed",
     "Infrastructure: Timeout"),
    ("pytest_phonebackup.errors.BackupPaused: paused: Waiting for Wi-Fi", "Product defect: App did not finish"),
    ("pytest_phonebackup.errors.BackupStopped: backup stuck: status 'Uploading' unchanged for 30s",
     "Product defect: App did not finish"),
    ("pytest_phonebackup.errors.ScenarioStepFailed: flow.yaml:4: tapOn 'Back up' never showed",
     "Product defect: UI flow step failed"),
    ("AssertionError: assert 1 == 2", None),
    ("ValueError: the test's own bug mentions PhoneError later", None),
])
def test_harness_failures_are_told_apart_from_product_failures(message, category):
    assert category_of("broken", message) == category


def test_the_verdict_summary_lists_intact_counts_and_each_promised_skip_with_its_reason():
    rep = _report(_v("intact", "DCIM/a.jpg", True), _v("intact", "DCIM/b.jpg", True),
                  Verdict("skipped-as-promised", "Movies/big.mp4", True, "over the 4 GB video limit the policy sets"),
                  Verdict("skipped-as-promised", "DCIM/.nomedia", True, "hidden files are not backed up"))
    assert summary.verdict_summary(rep) == (
        "verified: 4 verdicts (2 intact, 2 skipped-as-promised); app tool, profile smoke, seed 7, phone emulator-5554\n"
        "intact: 2 of 4\n"
        "skipped as the policy promises: 2\n"
        "  ~ DCIM/.nomedia: hidden files are not backed up\n"
        "  ~ Movies/big.mp4: over the 4 GB video limit the policy sets\n")
    failing = summary.verdict_summary(_report(_v("intact", "a.jpg", True), _v("missing", "c.jpg")))
    assert failing.splitlines()[0].startswith("FAILED, worst missing: 2 verdicts (1 intact, 1 missing)")
    assert failing.splitlines()[-2:] == ["not acceptable under the policy: 1",
                                         "  - missing             c.jpg  (because missing)"]


def test_a_paused_app_in_a_round_trip_says_how_many_items_were_seeded():
    from pytest_phonebackup.errors import BackupPaused

    paused = BackupPaused("paused: Waiting for Wi-Fi (the app shows 0 of 0 done)")
    assert str(paused) == "paused: Waiting for Wi-Fi (the app shows 0 of 0 done)"
    paused.seeded = 20
    assert str(paused) == "paused: Waiting for Wi-Fi (the app shows 0 of 0 done). The round trip had seeded 20 items"


def _jpeg(path: Path, colour: tuple[int, int, int], quality: int = 95) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (320, 240), colour).save(path, "JPEG", quality=quality)
    return path


def test_verdict_table_embeds_seeded_restored_and_difference_images(tmp_path):
    originals = tmp_path / "originals"
    _jpeg(originals / "DCIM/a.jpg", (200, 30, 30))
    _jpeg(originals / "DCIM/b.jpg", (30, 200, 30))
    _jpeg(originals / "DCIM/c.jpg", (30, 30, 200))
    manifest = Manifest(profile="custom", seed=1, source_dir=str(originals), items=[
        MediaItem("DCIM/a.jpg", "photo", "image/jpeg", (originals / "DCIM/a.jpg").stat().st_size, "1" * 64, 0.0),
        MediaItem("DCIM/b.jpg", "photo", "image/jpeg", (originals / "DCIM/b.jpg").stat().st_size, "2" * 64, 0.0),
        MediaItem("DCIM/c.jpg", "photo", "image/jpeg", (originals / "DCIM/c.jpg").stat().st_size, "3" * 64, 0.0)])
    # The verifier pulls what differs under a name of its own; the table finds it the same way.
    workdir = tmp_path / "work"
    pulled = restored_copy(_v("recompressed", "DCIM/b.jpg", found="DCIM/b.jpg"), workdir, None)
    assert pulled is None
    import hashlib

    name = hashlib.sha1(b"DCIM/b.jpg").hexdigest()[:16] + ".jpg"
    _jpeg(workdir / "pulled" / name, (30, 190, 40), quality=40)
    rep = _report(_v("intact", "DCIM/a.jpg", True, found="DCIM/a.jpg"),
                  _v("recompressed", "DCIM/b.jpg", found="DCIM/b.jpg", details={"pixel_distance": 3.2}),
                  _v("missing", "DCIM/c.jpg"))
    page = verdict_table_html(rep, manifest, workdir)
    assert 'class="item intact"' not in page  # intact items are counted, not listed
    recompressed = page.split('<tr class="item recompressed">')[1].split("</tr>")[0]
    assert recompressed.count('src="data:image/jpeg;base64,') == 2
    assert 'alt="difference" src="data:image/png;base64,' in recompressed and "mean pixel difference 3.2" in recompressed
    missing = page.split('<tr class="item missing">')[1].split("</tr>")[0]
    assert missing.count("data:image/jpeg") == 1 and "not restored" in missing
    # the failing rows come worst first
    assert page.index('class="item missing"') < page.index('class="item recompressed"')


def test_difference_image_is_black_where_pictures_agree(tmp_path):
    import base64

    a = _jpeg(tmp_path / "a.jpg", (120, 120, 120))
    b = _jpeg(tmp_path / "b.jpg", (120, 120, 120))
    c = _jpeg(tmp_path / "c.jpg", (10, 240, 10))
    same = Image.open(io.BytesIO(base64.b64decode(difference_uri(a, b).split(",", 1)[1])))
    other = Image.open(io.BytesIO(base64.b64decode(difference_uri(a, c).split(",", 1)[1])))
    assert max(same.convert("L").getextrema()) <= 16
    assert other.convert("L").getextrema()[0] > 100


def test_csv_has_one_row_per_verdict_worst_first_with_full_hashes():
    rep = _report(_v("intact", "a.jpg", True), _v("corrupted", "b, \"odd\".jpg", details={"found_sha256": "f" * 64}),
                  _v("missing", "c.jpg"))
    rows = list(csv.DictReader(io.StringIO(verdict_table_csv(rep))))
    assert [r["verdict"] for r in rows] == ["missing", "corrupted", "intact"]
    assert rows[1]["path"] == 'b, "odd".jpg' and "f" * 64 in rows[1]["details"]
    assert [r["ok"] for r in rows] == ["no", "no", "yes"]


def test_environment_properties_escape_what_java_properties_treat_specially(tmp_path):
    written = write_session_files(tmp_path, {"backup apps": "a=b: c", "plugin": "x\ny"})
    text = (tmp_path / "environment.properties").read_text()
    assert "backup\\ apps=a\\=b\\: c\n" in text and "plugin=x\\ny\n" in text
    assert {p.name for p in written} == {"categories.json", "environment.properties"}


def test_everything_is_a_no_op_when_allure_is_not_recording(tmp_path):
    assert not recording()
    observer = AllureObserver()
    observer.phase_started("seed")
    observer.phase_finished(PhaseTiming("seed", 0.5, {"items": 3, "bytes": 10}))
    observer.attach("x", "y")
    observer.attach("x", b"\x89PNG", "png")
    attach("x", "y")
    attach_failure([], {})


def _cli(*args: str, env_tools: Path | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, PYTHONPATH=str(REPO))
    if env_tools is not None:
        env["PHONEBACKUP_TOOLS"] = str(env_tools)
    return subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "report", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_report_command_names_the_install_command_when_allure_is_missing(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "x-result.json").write_text("{}")
    proc = _cli("--results", str(results), "--out", str(tmp_path / "out"), env_tools=tmp_path / "no-tools")
    assert proc.returncode == 2
    assert "phonebackup tools install" in proc.stderr and str(tmp_path / "no-tools") in proc.stderr


def test_report_command_says_how_to_get_results_when_there_are_none(tmp_path):
    proc = _cli("--results", str(tmp_path / "nothing"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "--alluredir=" in proc.stderr


def test_report_command_takes_the_results_folder_as_allure_generate_does(tmp_path):
    proc = _cli(str(tmp_path / "nothing"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and f"no Allure results in {tmp_path / 'nothing'}" in proc.stderr
    proc = _cli(str(tmp_path / "one"), "--results", str(tmp_path / "two"))
    assert proc.returncode == 2 and "two results folders given" in proc.stderr


def test_the_analytics_scripts_of_the_report_page_are_taken_out():
    from pytest_phonebackup.reporting.cli import without_analytics

    page = ('<div id="app"></div>\n    <script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>\n'
            '    <script>\n        window.dataLayer = window.dataLayer || [];\n        gtag(\'js\', new Date());\n'
            '    </script>\n    <script>d("widgets/nav.json","e30=")</script>')
    assert without_analytics(page) == '<div id="app"></div>\n    <script>d("widgets/nav.json","e30=")</script>'
    assert without_analytics("<p>no analytics</p>") == "<p>no analytics</p>"


def test_sessions_writing_into_one_results_folder_keep_each_others_environment(tmp_path):
    write_session_files(tmp_path, {"backup apps": "adb-mirror", "media profiles": "smoke, edge"})
    write_session_files(tmp_path, {"backup apps": "cloudphotos", "media profiles": "smoke"})
    text = (tmp_path / "environment.properties").read_text()
    assert "backup\\ apps=adb-mirror, cloudphotos\n" in text
    assert "media\\ profiles=smoke, edge\n" in text
