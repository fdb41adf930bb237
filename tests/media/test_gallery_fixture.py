"""The `gallery` fixture as a user meets it: seed in a test, and nothing of it is left afterwards
(files and MediaStore rows), in a pytest session with the plugin and the embedded virtual phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

USER_TESTS = '''
import json, pathlib

PROFILE = pathlib.Path("mini.yaml")
PROFILE.write_text("profile: mini\\nitems:\\n  - {id: cat, count: 2, path: 'Pictures/Cats/cat_{n}.jpg', size: 300x300}\\n")


def test_a_seeds(gallery, phone):
    manifest = gallery.seed(PROFILE, seed=5)
    assert [item.path for item in manifest.items] == ["Pictures/Cats/cat_1.jpg", "Pictures/Cats/cat_2.jpg"]
    assert phone.exists("/sdcard/Pictures/Cats/cat_2.jpg")
    pathlib.Path("rows.json").write_text(json.dumps(sorted(gallery.indexed_paths())))


def test_b_finds_nothing_left(gallery, phone):
    assert not phone.exists("/sdcard/Pictures/Cats/cat_1.jpg")
    assert not any(path.startswith("Pictures/Cats/") for path in gallery.indexed_paths())
'''


def test_gallery_fixture_seeds_and_leaves_nothing_behind(pytester: pytest.Pytester, adb_server, monkeypatch,
                                                          plugin_args):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    args = plugin_args
    pytester.makepyfile(USER_TESTS)
    result = pytester.runpytest_subprocess(*args, "--phone-emulator", "-v", timeout=240)
    result.assert_outcomes(passed=2)
    assert "Pictures/Cats/cat_1.jpg" in (pytester.path / "rows.json").read_text()
