"""The Node tools (the Allure CLI, Appium with its UiAutomator2 driver, adbkit) are pinned, live once per
user, keyed by the lock file's hash, and install with progress; a folder counts as ready only when the
installed lock is ours and every pinned package is there. The
install runs the real `npm ci` on a small packed local package that stands in for the shipped lock
(its `allure` command is a shell script), so the test needs no registry."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_phonebackup import nodetools
from pytest_phonebackup.nodetools import NODE_PACKAGE_DIR, node_module, node_tools_installed, pinned_packages

NO_NPM = pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")


def _npm(*args: str, cwd: Path) -> None:
    subprocess.run(["npm", *args, "--offline", "--no-audit", "--no-fund", "--loglevel=error"], cwd=cwd,
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


@pytest.fixture
def small_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package.json + package-lock.json whose one dependency is a packed local package with an `allure` bin."""
    tool = tmp_path / "fake-allure"
    tool.mkdir()
    (tool / "package.json").write_text(json.dumps({"name": "fake-allure", "version": "1.0.0",
                                                   "bin": {"allure": "allure.sh"}}))
    (tool / "allure.sh").write_text("#!/bin/sh\necho allure\n")
    (tool / "allure.sh").chmod(0o755)
    _npm("pack", "--pack-destination", str(tmp_path), cwd=tool)
    package = tmp_path / "package"
    package.mkdir()
    tarball = tmp_path / "fake-allure-1.0.0.tgz"
    (package / "package.json").write_text(json.dumps({"name": "tools", "version": "1.0.0", "private": True,
                                                      "dependencies": {"fake-allure": f"file:{tarball}"}}))
    _npm("install", "--package-lock-only", cwd=package)
    monkeypatch.setattr(nodetools, "NODE_PACKAGE_DIR", package)
    monkeypatch.setattr(nodetools, "LOCK_FILE", package / "package-lock.json")
    monkeypatch.delenv("PHONEBACKUP_TOOLS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return package / "package-lock.json"


@NO_NPM
def test_the_tools_folder_is_the_user_cache_named_by_the_lock_hash(small_lock, tmp_path, monkeypatch):
    digest = hashlib.sha256(small_lock.read_bytes()).hexdigest()[:12]
    expected = tmp_path / "cache" / "pytest-phonebackup" / "node" / digest
    for project in ("one", "two"):  # every project folder sees the same install
        (tmp_path / project).mkdir()
        monkeypatch.chdir(tmp_path / project)
        assert nodetools.tools_dir() == expected
    monkeypatch.setenv("PHONEBACKUP_TOOLS", str(tmp_path / "mine"))
    assert nodetools.tools_dir() == tmp_path / "mine"


@NO_NPM
def test_install_runs_once_per_lock_and_shows_progress(small_lock, monkeypatch, capsys):
    monkeypatch.setattr(nodetools, "PROGRESS_EVERY", 0.01)
    target = nodetools.install_node_tools()
    err = capsys.readouterr().err
    assert f"installing the Allure CLI, Appium and adbkit (1 npm packages) into {target} ..." in err
    assert "  installing Node tools: " in err and "/1 packages" in err
    assert nodetools.node_tools_installed()
    assert (target / "node_modules" / ".bin" / "allure").exists()
    stamp = (target / ".installed-lock.json").stat().st_mtime_ns

    assert nodetools.install_node_tools() == target  # the same lock: nothing to do
    assert capsys.readouterr().err == ""
    assert (target / ".installed-lock.json").stat().st_mtime_ns == stamp

    small_lock.write_text(small_lock.read_text().replace('"version": "1.0.0",\n  "lockfileVersion"',
                                                         '"version": "1.0.1",\n  "lockfileVersion"'))
    assert not nodetools.node_tools_installed()  # a new lock is a new folder, installed again
    assert nodetools.tools_dir() != target


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
