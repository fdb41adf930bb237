"""adb-mirror's change detection between two backups into the same folder: the listing's size, file
time and ctime vouch for a file, so only what may have changed is hashed on the phone; an edit that
keeps size and file time is still caught by its ctime. Pure planning first, then the real tool."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

from pytest_phonebackup.reference.incremental import RemoteFile, by_content, by_size_only, trusted_ctime

INDEX = {"a.jpg": {"size": 10, "mtime": 100, "sha256": "aa", "ctime": 150},
         "b.jpg": {"size": 20, "mtime": 200, "sha256": "bb", "ctime": 250},
         "c.jpg": {"size": 30, "mtime": 300, "sha256": "cc", "ctime": None}}


def plan_with(remote: dict[str, RemoteFile], phone_hashes: dict[str, str]):
    asked: list[list[str]] = []

    def hash_files(rels: list[str]) -> dict[str, str]:
        asked.append(rels)
        return {rel: phone_hashes[rel] for rel in rels}

    return by_content(INDEX, remote, hash_files, lambda rel: True), asked


def test_a_file_the_listing_vouches_for_is_not_hashed():
    plan, asked = plan_with({"a.jpg": RemoteFile(10, 100, 150)}, {})
    assert (plan.pull, plan.retime, plan.untouched, asked) == ([], {}, 1, [])


def test_a_new_ctime_with_the_same_size_and_time_is_hashed_and_pulled_when_the_bytes_differ():
    plan, asked = plan_with({"a.jpg": RemoteFile(10, 100, 160)}, {"a.jpg": "other"})
    assert asked == [["a.jpg"]]
    assert plan.pull == ["a.jpg"]


def test_a_new_ctime_with_the_same_bytes_is_only_retimed():
    plan, _ = plan_with({"a.jpg": RemoteFile(10, 100, 160)}, {"a.jpg": "aa"})
    assert (plan.pull, plan.retime) == ([], {"a.jpg": "aa"})


def test_an_entry_without_a_trusted_ctime_is_always_hashed():
    plan, asked = plan_with({"c.jpg": RemoteFile(30, 300, None)}, {"c.jpg": "cc"})
    assert asked == [["c.jpg"]]
    assert (plan.pull, plan.untouched) == ([], 1)


def test_new_files_are_pulled_without_hashing_them_on_the_phone():
    plan, asked = plan_with({"new.jpg": RemoteFile(5, 5, 5), "b.jpg": RemoteFile(20, 200, 250)}, {})
    assert (plan.pull, plan.untouched, asked) == (["new.jpg"], 1, [])


def test_a_ctime_from_the_second_of_the_listing_is_not_trusted():
    assert trusted_ctime(RemoteFile(1, 1, 999), listed_at=1000) == 999
    assert trusted_ctime(RemoteFile(1, 1, 1000), listed_at=1000) is None
    assert trusted_ctime(RemoteFile(1, 1, 1001), listed_at=1000) is None
    assert trusted_ctime(RemoteFile(1, 1, None), listed_at=1000) is None
    assert trusted_ctime(RemoteFile(1, 1, 999), listed_at=None) is None


def test_size_only_misses_an_edit_that_keeps_the_size():
    plan = by_size_only(INDEX, {"a.jpg": RemoteFile(10, 999, 999)}, lambda rels: {}, lambda rel: True)
    assert (plan.pull, plan.untouched) == ([], 1)


def mirror(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pytest_phonebackup.reference.mirror", *args],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout


def summary(output: str) -> tuple[int, ...]:
    found = re.search(r"backup: (\d+) files on the phone, (\d+) pulled, (\d+) unchanged content, "
                      r"(\d+) untouched, (\d+) hashed on the phone", output)
    assert found, output
    return tuple(int(n) for n in found.groups())


def test_the_second_backup_hashes_only_what_changed_and_catches_an_edit_keeping_size_and_time(
        virtual_phone, tmp_path):
    storage = virtual_phone.storage
    for n in range(5):
        storage.write_bytes(f"/sdcard/DCIM/Camera/IMG_{n}.jpg", bytes([n]) * 1000, make_parents=True)
        storage.utime(f"/sdcard/DCIM/Camera/IMG_{n}.jpg", 1_700_000_000 + n)
    time.sleep(1.1)  # the files' ctimes are now from before the listing's second
    dest = str(tmp_path / "backup")
    args = ("backup", "--serial", virtual_phone.serial, "--dest", dest)
    files = summary(mirror(*args))[0]
    assert files >= 5
    assert summary(mirror(*args)) == (files, 0, 0, files, 0)  # the listing vouches for every file

    # other bytes, same size, the old file time set back: only the ctime tells
    storage.write_bytes("/sdcard/DCIM/Camera/IMG_2.jpg", b"\x09" * 1000)
    storage.utime("/sdcard/DCIM/Camera/IMG_2.jpg", 1_700_000_002)
    assert summary(mirror(*args)) == (files, 1, 0, files - 1, 1)
    backed_up = tmp_path / "backup" / "files" / "DCIM" / "Camera" / "IMG_2.jpg"
    assert backed_up.read_bytes() == b"\x09" * 1000
    assert os.stat(backed_up).st_mtime == 1_700_000_002
    index = json.loads((tmp_path / "backup" / "index.json").read_text())
    assert index["DCIM/Camera/IMG_0.jpg"]["ctime"] is not None
