"""The phone's own folders and links survive whatever the shell user runs, as on a real phone,
and no path reaches outside the phone's folder."""

from __future__ import annotations

import pytest

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone


@pytest.fixture
def phone(tmp_path):
    phone = VirtualPhone(PhoneConfig(data_dir=tmp_path / "phone", console_port=5790))
    yield phone
    phone.close()


def test_rm_cannot_take_the_storage_links_away(phone):
    status, _out, err = phone.sh("rm -rf /sdcard")
    assert status == 1 and err == b"rm: /sdcard: Read-only file system\n"
    assert phone.storage.readlink("/sdcard") == "/storage/self/primary"


def test_rm_of_a_system_folder_removes_user_files_below_it_but_not_the_folder(phone):
    phone.storage.write_bytes("/sdcard/DCIM/a.jpg", b"photo")
    status, _out, err = phone.sh("rm -rf /storage")
    assert status == 1 and b"Read-only file system" in err
    assert not phone.storage.exists("/sdcard/DCIM/a.jpg")
    assert phone.storage.exists("/storage/emulated/0") and phone.storage.exists("/sdcard/")


def test_system_links_cannot_be_renamed_or_replaced(phone):
    status, _out, err = phone.sh("mv /sdcard /data/local/tmp/x")
    assert status == 1 and b"Read-only file system" in err
    phone.storage.makedirs("/data/local/tmp/d")
    status, _out, err = phone.sh("mv /data/local/tmp/d /sdcard")
    assert status == 0, err  # into the folder the link points at, as on a phone
    assert phone.storage.readlink("/sdcard") == "/storage/self/primary"
    assert phone.storage.exists("/storage/emulated/0/d")


def test_paths_stay_inside_the_phone(phone):
    assert phone.storage.resolve("/sdcard/../../../etc/passwd").host.startswith(phone.storage.root + "/")
    phone.storage.symlink("/../../../../etc", "/data/local/tmp/escape")
    assert phone.storage.resolve("/data/local/tmp/escape/passwd").device == "/etc/passwd".replace("/etc", "/system/etc")
