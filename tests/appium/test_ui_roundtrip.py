"""UI-driven round trips: Cloud Photos backed up and restored through its screen by the real Appium
server and UiAutomator2 driver (scenario cloudphotos-ui), judged item by item."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from pytest_phonebackup.apps import find_scenario, load_app
from pytest_phonebackup.apps.appium_server import AppiumService
from pytest_phonebackup.errors import ScenarioStepFailed
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.roundtrip import RoundTrip


@pytest.fixture
def phone(virtual_phone):
    phone = Phone(virtual_phone.serial, kind="virtual")
    yield phone
    phone.close()


def ui_app(appium_server, path: str | Path = "cloudphotos-ui", **options: str):
    app = load_app(path, appium=AppiumService(appium_server.url))
    app.options.update(options)
    return app


def test_cloud_photos_round_trip_through_its_screen_verifies_clean(appium_server, phone, tmp_path: Path,
                                                                    monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    app = ui_app(appium_server)
    try:
        result = RoundTrip(phone, app, profile="smoke", seed=3, workdir=tmp_path).run()
        uploaded = app.cloud.items(app.account)
    finally:
        app.close()
    assert result.ok, result.report.summary()
    assert set(result.report.counts) == {"intact"}
    assert result.report.counts["intact"] == len(result.manifest.items)
    assert len(uploaded) == len(result.manifest.items)
    backup, restore = result.steps
    assert "tapOn: Back up now" in backup.output and "extendedWaitUntil" in backup.output
    assert "(runFlow) skipped" in backup.output  # STORAGE_SAVER is false: the quality is left alone
    assert "tapOn" in restore.output
    shots = sorted(p.name for p in (tmp_path / "screenshots").glob("*.png"))
    assert shots == ["backup-01-backup-complete.png", "restore-01-restore-complete.png"]
    assert not [p.name for p in (tmp_path / "temp").glob("cloudphotos-ui-prepare-*")]  # its prepare left nothing


def test_storage_saver_set_up_through_the_screen_fails_as_recompressed(appium_server, phone, tmp_path: Path):
    app = ui_app(appium_server, STORAGE_SAVER="true")
    try:
        result = RoundTrip(phone, app, profile="smoke", seed=3, workdir=tmp_path).run()
        qualities = {item.quality for item in app.cloud.items(app.account)}
    finally:
        app.close()
    assert not result.ok
    jpegs = [i.path for i in result.manifest.items if i.path.lower().endswith(".jpg")]
    verdicts = {v.path: v.verdict for v in result.report.verdicts}
    assert jpegs and all(verdicts[p] == "recompressed" for p in jpegs)
    assert all(v.verdict == "intact" for v in result.report.verdicts if v.path not in jpegs)
    assert "saver" in qualities


def test_a_failing_step_names_file_line_and_step_and_keeps_the_screen(appium_server, phone, tmp_path: Path):
    text = find_scenario("cloudphotos-ui").read_text()
    broken = text.replace("  - tapOn: Back up now\n",
                          "  - tapOn: Back up now\n  - assertVisible: {text: Backup exploded, timeout: 1s}\n")
    path = tmp_path / "broken.yaml"
    path.write_text(broken)
    line = broken.splitlines().index("  - assertVisible: {text: Backup exploded, timeout: 1s}") + 1
    app = ui_app(appium_server, path)
    try:
        app.prepare(phone)
        with pytest.raises(ScenarioStepFailed) as failure:
            app.backup(phone, tmp_path / "work")
    finally:
        app.close()
    message = str(failure.value)
    assert f"{path}:{line}:5: step 8 (assertVisible)" in message
    assert "Backup exploded" in message and "1 s" in message
    assert (tmp_path / "work" / "appium" / "backup-failure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'resource-id="com.example.cloudphotos:id/status_title"' in \
        (tmp_path / "work" / "appium" / "backup-failure.xml").read_text()
