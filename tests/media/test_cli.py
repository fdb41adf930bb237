"""`phonebackup media ...` as a user runs it: files and manifest.json written with progress, the
built-in profiles listed, and a bad profile reported with file and line and exit status 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytest_phonebackup.manifest import Manifest
from pytest_phonebackup.media import probe

REPO = Path(__file__).resolve().parents[2]


def phonebackup(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)


def test_generate_writes_files_and_manifest_with_progress(tmp_path):
    out = tmp_path / "out"
    done = phonebackup("media", "generate", "--profile", "formats", "--seed", "7", "--out", str(out),
                       "--cache", str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    assert "generating formats: 11/11 items" in done.stderr
    manifest = Manifest.load(out / "manifest.json")
    assert (manifest.profile, manifest.seed, len(manifest.items)) == ("formats", 7, 11)
    for item in manifest.items:
        assert probe(out / item.path).sha256 == item.sha256


def test_generate_is_reproducible_from_the_command_line(tmp_path):
    for name in ("a", "b"):
        done = phonebackup("media", "generate", "--profile", "formats", "--seed", "3", "--out", str(tmp_path / name),
                           "--cache", str(tmp_path / f"cache-{name}"), "--quiet")
        assert done.returncode == 0 and done.stderr == "", done.stderr
    first, second = (Manifest.load(tmp_path / name / "manifest.json") for name in ("a", "b"))
    assert [i.sha256 for i in first.items] == [i.sha256 for i in second.items]


def test_profiles_lists_the_builtin_profiles():
    done = phonebackup("media", "profiles")
    assert done.returncode == 0
    for name in ("smoke", "edge", "formats", "stress", "huge"):
        assert f"\n{name} " in "\n" + done.stdout


def test_a_bad_profile_is_a_usage_error_naming_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile: bad\nitems:\n  - id: a\n    path: a.jpg\n    size: huge\n")
    done = phonebackup("media", "generate", "--profile", str(bad), "--out", str(tmp_path / "out"))
    assert done.returncode == 2  # the command line's usage error, before anything is written
    assert done.stderr.splitlines() == [
        f"phonebackup media generate: {bad}:5:11: size must be WIDTHxHEIGHT, e.g. 1600x1200, not 'huge'"]
    assert not (tmp_path / "out").exists()
