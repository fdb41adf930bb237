"""Scenario steps run against a real Appium session on the virtual phone's Settings app and
launcher: launching, tapping, waiting on states, sub-flows from files, retries, keys, scripts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.apps.appium_server import AppiumService
from pytest_phonebackup.errors import ScenarioStepFailed
from pytest_phonebackup.phone import Phone

SCRIPT = '''
seen = []

def note_wifi(ctx, expected):
    seen.append((ctx.phone.serial, ctx.variables["APP_ID"], expected))
    ctx.driver.find_element("id", "com.android.settings:id/wifi_switch")
    return {"NOTED": "yes"}
'''


@pytest.fixture
def phone(virtual_phone):
    phone = Phone(virtual_phone.serial, kind="virtual")
    yield phone
    phone.close()


def scenario(tmp_path: Path, backup: str, restore: str = "  - back\n") -> Path:
    (tmp_path / "flows").mkdir(exist_ok=True)
    (tmp_path / "flows" / "wifi-on.yaml").write_text(textwrap.dedent("""\
        steps:
          - tapOn: {id: wifi_switch, checked: false}
          - assertVisible: {id: wifi_switch, checked: true}
        """))
    path = tmp_path / "settings.yaml"
    path.write_text("name: settings-steps\nkind: appium\nappId: com.android.settings\nactivity: .Settings\n"
                    "timeout: 5s\npolicy: {}\nbackup:\n" + textwrap.dedent(backup) + "restore:\n" + restore)
    return path


def test_steps_drive_settings_and_launcher(appium_server, phone, virtual_phone, tmp_path: Path, monkeypatch):
    (tmp_path / "flowscripts.py").write_text(SCRIPT)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = scenario(tmp_path, """\
          - launchApp
          - assertVisible: Settings
          - tapOn: {id: wifi_switch, checked: true}
          - assertVisible: {id: wifi_switch, checked: false}
          - runFlow: {when: {visible: {id: wifi_switch, checked: false}}, file: flows/wifi-on.yaml}
          - runFlow: {when: {notVisible: {id: wifi_switch}}, commands: [back]}
          - runFlow: {when: {true: "${SKIP_ME}"}, commands: [back]}
          - retry: {maxRetries: 1, commands: [assertVisible: {text: Airplane mode, below: {text: Wi-Fi}}]}
          - runScript: {function: "flowscripts:note_wifi", args: {expected: "${EXPECTED}"}}
          - assertVisible: {text: "Settings", className: android.widget.TextView}
          - scrollUntilVisible: {element: {text: Airplane mode}}
          - takeScreenshot: settings-${NOTED}
          - hideKeyboard
          - pressKey: Back
          - assertVisible: {accessibilityId: Settings, className: android.widget.TextView}
          - assertNotVisible: {id: wifi_switch}
        """)
    app = load_app(path, appium=AppiumService(appium_server.url))
    app.options.update(SKIP_ME="false", EXPECTED="on")
    result = app.backup(phone, tmp_path / "work")
    import flowscripts

    assert flowscripts.seen == [(phone.serial, "com.android.settings", "on")]
    assert virtual_phone.system.network.wifi_enabled  # switched off, then on again by the sub-flow
    assert "(runFlow) skipped" in result.output  # the `notVisible` and `true: false` conditions
    assert (tmp_path / "work" / "screenshots" / "backup-01-settings-yes.png").exists()
    assert virtual_phone.system.activity.top.package == "com.google.android.apps.nexuslauncher"


def test_retry_gives_up_with_the_last_failure(appium_server, phone, tmp_path: Path):
    path = scenario(tmp_path, """\
          - launchApp
          - retry:
              maxRetries: 1
              commands:
                - tapOn: {text: Bluetooth, timeout: 500ms}
        """)
    app = load_app(path, appium=AppiumService(appium_server.url))
    with pytest.raises(ScenarioStepFailed) as failure:
        app.backup(phone, tmp_path / "work")
    message = str(failure.value)
    assert f"{path}:9:3: step 2 (retry): still failing after 2 attempts" in message
    assert f"{path}:12:9: step 1 (tapOn): no visible element matches {{text='Bluetooth'}} within 0.5 s" in message
