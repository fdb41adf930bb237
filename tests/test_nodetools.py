"""`phonebackup tools install` pins the Allure CLI, Appium with its UiAutomator2 driver and adbkit, and
the tools folder counts as ready only when the installed lock is ours and every pinned package is there."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_phonebackup.nodetools import NODE_PACKAGE_DIR, node_module, node_tools_installed, pinned_packages


def test_the_pinned_tools_include_adbkit_at_a_fixed_version():
    package = json.loads((NODE_PACKAGE_DIR / "package.json").read_text())
    assert package["dependencies"]["@devicefarmer/adbkit"] == "3.3.9"
    assert pinned_packages() == ["@devicefarmer/adbkit", "allure", "appium", "appium-uiautomator2-driver"]
    lock = json.loads((NODE_PACKAGE_DIR / "package-lock.json").read_text())  # `npm ci` needs it in the lock
    assert lock["packages"][""]["dependencies"] == package["dependencies"]
    assert lock["packages"]["node_modules/@devicefarmer/adbkit"]["version"] == "3.3.9"


def test_a_tools_folder_without_adbkit_is_not_ready(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PHONEBACKUP_TOOLS", str(tmp_path))
    shutil.copyfile(NODE_PACKAGE_DIR / "package-lock.json", tmp_path / ".installed-lock.json")
    for name in ("allure", "appium", "appium-uiautomator2-driver"):
        (tmp_path / "node_modules" / name).mkdir(parents=True)
        (tmp_path / "node_modules" / name / "package.json").write_text("{}")
    assert not node_tools_installed()
    node_module("@devicefarmer/adbkit").mkdir(parents=True)
    (node_module("@devicefarmer/adbkit") / "package.json").write_text("{}")
    assert node_module("@devicefarmer/adbkit") == tmp_path / "node_modules" / "@devicefarmer" / "adbkit"
    assert node_tools_installed()
    (tmp_path / ".installed-lock.json").write_text("{}")  # another lock: reinstall
    assert not node_tools_installed()
