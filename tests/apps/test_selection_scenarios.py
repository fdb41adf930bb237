"""Scenario keys for the round trips beyond "restore everything": `restore_selected:` with its
`{selection}` file and `encryption: {password: ...}` with `{password}`, checked when the scenario is
loaded, each error at its file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.apps.command import CommandApp
from pytest_phonebackup.errors import ScenarioError
from pytest_phonebackup.startup import Named, problems

HEAD = "name: t\nkind: command\nbackup: b {backup_dir}\nrestore: r {backup_dir}\n"


def scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tool.yaml"
    path.write_text(text)
    return path


def test_the_reference_scenario_restores_a_selection():
    app = load_app("adb-mirror")
    assert isinstance(app, CommandApp) and app.restores_selected
    assert "--select {selection}" in app.commands["restore_selected"]
    assert app.password is None


def test_restore_selected_and_encryption_are_read(tmp_path: Path):
    app = load_app(scenario(tmp_path, HEAD + "restore_selected: s {selection} {password}\n"
                                             "encryption: {password: 'correct horse', refusal: 'wrong pass'}\n"))
    assert isinstance(app, CommandApp)
    assert app.restores_selected and app.password == "correct horse" and app.refusal == "wrong pass"


@pytest.mark.parametrize("text, message", [
    (HEAD + "restore_selected: s {selction}\n",
     r"tool.yaml:5:19: restore_selected: unknown placeholder \{selction\}; known: .*; did you mean 'selection'\?$"),
    ("name: t\nkind: command\nbackup: b {selection}\nrestore: r\n",
     r"tool.yaml:3:9: backup: \{selection\} is the file of paths to restore; it belongs in `restore_selected:` only$"),
    ("name: t\nkind: command\nbackup: b {password}\nrestore: r\n",
     r"tool.yaml:3:9: backup: \{password\} needs the password in the scenario: add `encryption: \{password: ...\}`$"),
    (HEAD + "restore_selected: [s]\n",
     r"tool.yaml:5:1: `restore_selected:` must be a command line that restores the paths listed in \{selection\}$"),
    (HEAD + "restore_selcted: s\n", r"tool.yaml:5:1: unknown key 'restore_selcted'; .*did you mean 'restore_selected'\?$"),
    (HEAD + "encryption: secret\n", r"tool.yaml:5:13: encryption is a mapping: `encryption: \{password: ...\}`$"),
    (HEAD + "encryption: {pasword: x}\n",
     r"tool.yaml:5:14: encryption: unknown key 'pasword'; allowed: password, refusal; did you mean 'password'\?$"),
    (HEAD + "encryption: {password: 1234}\n",
     r"tool.yaml:5:24: encryption.password must be a non-empty string \(quote it if YAML reads it as a number\)$"),
    (HEAD + "encryption: {password: x, refusal: '(wrong'}\n",
     r"tool.yaml:5:36: encryption.refusal is not a regular expression: missing \), unterminated subpattern"),
    (HEAD + "encryption: {password: x, refusal: 3}\n",
     r"tool.yaml:5:36: encryption.refusal is a regular expression of what the tool prints when it refuses"),
])
def test_a_wrong_selection_or_encryption_key_is_named_where_it_is(tmp_path: Path, text: str, message: str):
    with pytest.raises(ScenarioError, match=message):
        load_app(scenario(tmp_path, text))


def test_start_up_names_a_misplaced_selection_before_anything_runs(tmp_path: Path):
    path = scenario(tmp_path, "name: t\nkind: command\nbackup: b\nrestore: r {selection}\n")
    assert problems([Named("app", str(path), "--phone-backup-app")]) == [
        f"{path}:4:10: restore: {{selection}} is the file of paths to restore; it belongs in `restore_selected:` only"]
