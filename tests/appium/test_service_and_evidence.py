"""The Appium service apps are given (a given URL is used, never stopped; nothing starts before first
use) and the evidence a UI-driven app hands to the current observer, with a stand-in driver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.apps.appium_app import AppiumApp
from pytest_phonebackup.apps.appium_server import AppiumService
from pytest_phonebackup.errors import InfrastructureError, ScenarioStepFailed
from pytest_phonebackup.observer import observing

PNG = b"\x89PNG\r\n\x1a\nfake"
SCREEN = ('<hierarchy width="1080" height="2400"><node text="Hello" bounds="[0,0][500,100]" '
          'displayed="true" class="android.widget.TextView"/></hierarchy>')


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str | bytes, str]] = []

    def attach(self, name: str, body: str | bytes, kind: str = "text") -> None:
        self.seen.append((name, body, kind))


class FakeDriver:
    page_source = SCREEN
    current_package = "com.example.app"

    def __init__(self) -> None:
        self.quit_called = False

    def get_screenshot_as_png(self) -> bytes:
        return PNG

    def quit(self) -> None:
        self.quit_called = True


class FakeService(AppiumService):
    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9")
        self.driver = FakeDriver()
        self.serials: list[str] = []

    def session_for(self, phone: Any, **kwargs: Any) -> Any:
        self.serials.append(phone.serial)
        return self.driver


class FakePhone:
    serial = "virtual-1"


def scenario(tmp_path: Path, backup: str) -> Path:
    path = tmp_path / "ui.yaml"
    path.write_text("name: ui\nkind: appium\nappId: com.example.app\ntimeout: 300ms\npolicy: {}\n"
                    f"backup:\n{backup}restore: [back]\n")
    return path


def test_a_service_starts_nothing_before_first_use_and_leaves_a_given_server_alone():
    service = AppiumService("http://127.0.0.1:9/")
    assert not service.started and service.given_url == "http://127.0.0.1:9"
    with pytest.raises(InfrastructureError, match="no Appium server answers at http://127.0.0.1:9/status"):
        service.url()
    service.close()
    assert not service.started


def test_the_environment_names_the_server_when_no_url_is_given(monkeypatch):
    monkeypatch.setenv("PHONEBACKUP_APPIUM_URL", "http://127.0.0.1:4723")
    assert AppiumService.from_environment().given_url == "http://127.0.0.1:4723"
    assert AppiumService.from_environment("http://farm:1").given_url == "http://farm:1"


def test_load_app_hands_the_service_to_the_app(tmp_path: Path):
    service = FakeService()
    app = load_app(scenario(tmp_path, "  - assertVisible: Hello\n"), appium=service)
    assert isinstance(app, AppiumApp) and app.appium_service() is service
    app.close()
    assert app.appium is service  # not the app's to stop


def test_step_logs_and_screenshots_go_to_the_current_observer(tmp_path: Path):
    service = FakeService()
    app = load_app(scenario(tmp_path, "  - assertVisible: Hello\n  - takeScreenshot: home\n"), appium=service)
    recorder = Recorder()
    with observing(recorder):
        result = app.backup(FakePhone(), tmp_path / "work")  # type: ignore[arg-type]
    assert service.serials == ["virtual-1"] and service.driver.quit_called
    assert [(name, kind) for name, _, kind in recorder.seen] == [("backup-01-home", "png"), ("ui: backup steps", "text")]
    assert recorder.seen[1][1] == result.output and "step 1 (assertVisible: Hello) ok" in result.output


def test_a_failed_flow_leaves_its_screen_and_page_source_with_the_observer(tmp_path: Path):
    app = load_app(scenario(tmp_path, "  - assertVisible: Goodbye\n"), appium=FakeService())
    recorder = Recorder()
    with observing(recorder), pytest.raises(ScenarioStepFailed, match="expected {text='Goodbye'} on screen"):
        app.backup(FakePhone(), tmp_path / "work")  # type: ignore[arg-type]
    assert [(name, kind) for name, _, kind in recorder.seen] == [
        ("ui: backup steps", "text"), ("backup failed: screen", "png"), ("backup failed: page source", "xml")]
    assert recorder.seen[1][1] == PNG and recorder.seen[2][1] == SCREEN
    assert (tmp_path / "work" / "appium" / "backup-failure.xml").read_text() == SCREEN
