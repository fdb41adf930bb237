"""The `kind: appium` scenario language: every built-in scenario passes its schema, and mistakes are
refused at load time with the file, the line and the step. No phone needed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_phonebackup.apps import builtin_scenarios, load_app
from pytest_phonebackup.apps.appium_app import AppiumApp
from pytest_phonebackup.apps.flows.selectors import match
from pytest_phonebackup.errors import ScenarioError

HEAD = """\
name: demo
kind: appium
appId: com.example.app
policy: {}
backup:
  - launchApp
"""


def write(tmp_path: Path, body: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


@pytest.mark.parametrize("name", ["cloudphotos-ui", "google-photos", "seedvault"])
def test_builtin_ui_scenarios_pass_the_schema(name: str):
    assert name in builtin_scenarios()
    app = load_app(name)
    assert isinstance(app, AppiumApp) and app.kind == "appium"
    assert app.scenario.flows["backup"] and app.scenario.flows["restore"]
    assert app.policy.preserves.content == "bytes"


def test_google_photos_flow_file_is_loaded_and_checked():
    app = load_app("google-photos")
    steps = app.subflow("flows/google-photos-backup-settings.yaml", "test")
    assert [s.command for s in steps] == ["tapOn", "tapOn", "tapOn", "assertVisible"]


@pytest.mark.parametrize(("body", "line", "expected"), [
    ("  - tapOn: {text: OK, colour: red}\n", 7, "step 2 (tapOn): unknown selector key 'colour'"),
    ("  - swipeLeft\n", 7, "step 2: unknown command 'swipeLeft'"),
    ("  - waitFor: {visible: OK, notVisible: Busy}\n", 7, "step 2 (waitFor): waitFor / extendedWaitUntil needs exactly one"),
    ("  - assertVisible: {text: OK, timeout: soon}\n", 7, "step 2 (assertVisible): timeout: cannot read 'soon'"),
    ("  - pressKey: Hyper\n", 7, "step 2 (pressKey): pressKey takes a key code"),
    ("  - runScript: not a callable\n", 7, "step 2 (runScript): runScript takes a Python callable"),
    ("  - retry: {maxRetries: 50, commands: [back]}\n", 7, "step 2 (retry): maxRetries must be"),
    ("  - runFlow: {file: missing.yaml}\n", 7, "runFlow: no flow file"),
    ("  - tapOn: {index: 2}\n", 7, "step 2 (tapOn): a selector needs at least one of"),
    ("  - {tapOn: OK, back: null}\n", 7, "step 2: write one command per step"),
    ("  - tapOnn: OK\n", 7, "step 2: unknown command 'tapOnn'; known: launchApp, …; did you mean 'tapOn'?"),
    ("  - tapOn: {txet: OK}\n", 7, "7:13: step 2 (tapOn): unknown selector key 'txet'; allowed: …; did you mean 'text'?"),
])
def test_mistakes_name_file_line_and_step(tmp_path: Path, body: str, line: int, expected: str):
    path = write(tmp_path, HEAD + body + "restore:\n  - back\n")
    with pytest.raises(ScenarioError) as error:
        load_app(path)
    assert str(error.value).startswith(f"{path}:{line}:")
    for part in expected.split("…"):  # the parts of the message around a long list of choices
        assert part in str(error.value)


def test_nested_steps_name_their_own_line(tmp_path: Path):
    path = write(tmp_path, HEAD + """\
  - runFlow:
      when: {true: "${FLAG}"}
      commands:
        - back
        - tapOn: {text: OK, size: 3}
restore:
  - back
""")
    with pytest.raises(ScenarioError, match=rf"{path}:11:29: step 2 \(runFlow\): step 2 \(tapOn\): unknown selector key 'size'"):
        load_app(path)


def test_a_scenario_needs_app_id_and_both_flows(tmp_path: Path):
    with pytest.raises(ScenarioError, match="needs a `restore:` flow"):
        load_app(write(tmp_path, HEAD))
    with pytest.raises(ScenarioError, match=r"demo.yaml:3:1: appId must be the app's package name"):
        load_app(write(tmp_path, HEAD.replace("com.example.app", "not a package") + "restore: [back]\n"))
    with pytest.raises(ScenarioError, match=r"demo.yaml:7:1: unknown key 'steps'; allowed: name, kind, .*, restore$"):
        load_app(write(tmp_path, HEAD + "steps: []\nrestore: [back]\n"))


def test_variables_come_from_env_block_environment_and_options(tmp_path: Path, monkeypatch):
    app = load_app(write(tmp_path, HEAD + "restore: [back]\nenv: {A: scenario, B: scenario, C: scenario}\n"))
    monkeypatch.setenv("B", "environment")
    monkeypatch.setenv("C", "environment")
    app.options["C"] = "option"
    values = app.variables()
    assert (values["A"], values["B"], values["C"], values["APP_ID"]) == ("scenario", "environment", "option",
                                                                       "com.example.app")


PAGE = b"""<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<hierarchy index="0" class="hierarchy" rotation="0" width="1080" height="2400">
  <android.widget.LinearLayout index="0" package="com.example.app" class="android.widget.LinearLayout" text=""
      resource-id="com.example.app:id/card" bounds="[0,100][1080,500]" displayed="true">
    <android.widget.TextView index="0" package="com.example.app" class="android.widget.TextView" text="Backup complete"
        resource-id="com.example.app:id/title" bounds="[40,120][1040,200]" displayed="true" />
  </android.widget.LinearLayout>
  <android.widget.Switch index="1" package="com.example.app" class="android.widget.Switch" text="Backup"
      checked="true" enabled="true" resource-id="com.example.app:id/backup" bounds="[0,600][1080,700]" displayed="true" />
  <android.widget.Switch index="2" package="com.example.app" class="android.widget.Switch" text="Mobile data"
      checked="false" enabled="true" resource-id="com.example.app:id/data" bounds="[0,720][1080,820]" displayed="true" />
  <android.widget.Button index="3" package="com.example.app" class="android.widget.Button" text="Hidden"
      bounds="[0,3000][1080,3100]" displayed="false" />
</hierarchy>"""


def test_selectors_match_text_regex_id_state_and_relations():
    from lxml import etree

    root = etree.fromstring(PAGE)

    def texts(selector):
        return [f.node.get("text") for f in match(root, selector, "com.example.app")]

    assert texts({"text": "Backup complete"}) == ["Backup complete"]
    assert texts({"text": "Backup.*"}) == ["Backup complete", "Backup"]
    assert texts({"id": "title"}) == ["Backup complete"]
    assert texts({"className": "android.widget.Switch", "checked": False}) == ["Mobile data"]
    assert texts({"className": "android.widget.Switch", "below": {"text": "Backup"}}) == ["Mobile data"]
    assert texts({"className": "android.widget.Switch", "above": {"text": "Mobile data"}}) == ["Backup"]
    assert texts({"text": ".*", "childOf": {"id": "card"}}) == ["Backup complete"]
    assert texts({"className": "android.widget.Switch", "index": 1}) == ["Mobile data"]
    assert texts({"text": "Hidden"}) == []  # off screen is not visible
