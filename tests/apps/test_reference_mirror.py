"""The reference tool itself, run as users run it (its own process, the real adb): what it keeps."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

ODD_NAME = b"/sdcard/DCIM/Camera/IMG_\xff\xfe.jpg".decode("utf-8", "surrogateescape")


def mirror(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest_phonebackup.reference.mirror", *args],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_a_name_that_is_not_utf8_is_backed_up_and_restored_with_its_exact_bytes(virtual_phone, tmp_path):
    virtual_phone.storage.write_bytes(ODD_NAME, b"a photo with an odd name", make_parents=True)
    backup = mirror("backup", "--serial", virtual_phone.serial, "--dest", str(tmp_path / "backup"))
    assert backup.returncode == 0, backup.stderr
    index = json.loads((tmp_path / "backup" / "index.json").read_bytes().decode("ascii"))
    assert len(index) > 0
    assert not list((tmp_path / "backup").glob("*.partial"))

    virtual_phone.storage.unlink(ODD_NAME)
    restore = mirror("restore", "--serial", virtual_phone.serial, "--src", str(tmp_path / "backup"))
    assert restore.returncode == 0, restore.stderr
    with virtual_phone.storage.open_read(ODD_NAME) as restored:
        assert restored.read() == b"a photo with an odd name"


def test_a_tree_of_many_folders_is_listed_and_backed_up_whole(virtual_phone, tmp_path):
    """More folders than the tool asks listings for ahead of their answers, some three levels deep,
    beside the private Android/data it must leave alone."""
    storage = virtual_phone.storage
    expected = {}
    for top in range(2):
        for sub in range(40):
            rel = f"Pictures/W{top}/S{sub:02d}/deep/p.jpg"
            expected[rel] = f"{top}/{sub}".encode() * (sub + 1)
            storage.write_bytes(f"/sdcard/{rel}", expected[rel], make_parents=True)
    storage.write_bytes("/sdcard/Android/data/com.app/private.db", b"private", make_parents=True)
    backup = mirror("backup", "--serial", virtual_phone.serial, "--dest", str(tmp_path / "backup"))
    assert backup.returncode == 0, backup.stderr
    index = json.loads((tmp_path / "backup" / "index.json").read_text())
    backed = {rel for rel in index if rel.startswith("Pictures/W")}
    assert backed == set(expected)
    assert not any(rel.startswith("Android/data/") for rel in index)
    for rel, data in expected.items():
        assert (tmp_path / "backup" / "files" / rel).read_bytes() == data
        assert index[rel]["size"] == len(data)


def test_the_tool_refuses_a_phone_name_that_would_leave_its_backup_folder(tmp_path):
    from pytest_phonebackup.reference.mirror import MirrorError, _Inside

    base = tmp_path / "files"
    (base / "DCIM" / "Camera").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (base / "DCIM" / "out").symlink_to(tmp_path / "outside")  # a folder link planted in the backup
    (base / "DCIM" / "leaf.jpg").symlink_to(tmp_path / "outside" / "x.jpg")  # a file link
    (base / "DCIM" / "in.jpg").symlink_to(base / "DCIM" / "Camera" / "a.jpg")  # stays inside
    inside = _Inside(base)
    assert inside.path("DCIM/Camera/a.jpg") == base / "DCIM" / "Camera" / "a.jpg"
    assert inside.path("DCIM/Camera/b.jpg") == base / "DCIM" / "Camera" / "b.jpg"  # the folder, known now
    assert inside.path("New/Folder/c.jpg") == base / "New" / "Folder" / "c.jpg"  # not there yet
    assert inside.path("DCIM/in.jpg") == base / "DCIM" / "in.jpg"
    for rel in ("DCIM/out/x.jpg", "DCIM/out/deeper/y.jpg", "DCIM/leaf.jpg", "../x.jpg", "DCIM/../../x",
                "", "a\0b"):
        with pytest.raises(MirrorError, match="refusing"):
            inside.path(rel)
    (base / "New").mkdir()
    (base / "New" / "Folder").symlink_to(tmp_path / "outside")  # made a link after it was first asked
    with pytest.raises(MirrorError, match="escapes the backup folder"):
        inside.path("New/Folder/c.jpg")
