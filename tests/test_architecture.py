"""The import contracts in pyproject.toml (run by `tox -e lint`) catch a violation: each test copies
the package, breaks one rule on purpose and checks that import-linter names the broken contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    program = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([program, "--config", str(tree / "pyproject.toml"), "--no-cache"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory):
    tree = tmp_path_factory.mktemp("architecture")
    shutil.copytree(ROOT / "pytest_phonebackup", tree / "pytest_phonebackup",
                    ignore=shutil.ignore_patterns("__pycache__", "node", "scenarios", "*.yaml", "*.json"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def break_rule(tree: Path, module: str, line: str) -> Path:
    path = tree / "pytest_phonebackup" / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\n" + line + "\n", encoding="utf-8")
    return path


def test_the_package_keeps_every_contract(package_copy):
    done = lint_imports(package_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "violation", "contract"), [
    ("virtual/props.py", "from ..errors import PhoneError  # noqa", "The virtual phone stands alone"),
    ("media/gallery.py", "import allure  # noqa", "Only reporting/ imports allure"),
    ("verification/judging.py", "from ..phone import Phone  # noqa", "Media, policy and verification know no phone"),
    ("roundtrip.py", "import adbutils  # noqa", "Only phone/ and provision/ speak ADB"),
    ("policy.py", "from .reporting import summary  # noqa", "Data flows one way"),
    ("phone/sync.py", "import pytest  # noqa", "pytest is the plugin's business"),
])
def test_a_deliberate_violation_breaks_its_contract(package_copy, module, violation, contract):
    path = package_copy / "pytest_phonebackup" / module
    original = path.read_text(encoding="utf-8")
    try:
        break_rule(package_copy, module, violation)
        done = lint_imports(package_copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert done.returncode != 0, done.stdout
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, done.stdout
