"""adb push, pull and ls against the virtual phone through the real adb server and adbutils, and raw
sync requests where the adb client would rewrite the path: content, times, folders, parallel
transfers, a full phone, and FAIL texts as real adbd's."""

from __future__ import annotations

import hashlib
import os
import struct
import threading
from pathlib import Path

import adbutils
import pytest
from rawadb import RawHost, free_console_port

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.protocol import A_OKAY, A_WRTE

JAN_2020 = 1_577_836_800


@pytest.fixture(scope="module")
def phone(adb_server, tmp_path_factory):
    config = PhoneConfig(console_port=free_console_port(), data_dir=tmp_path_factory.mktemp("phone"),
                         storage_bytes=1024**3)
    with VirtualPhone(config) as phone:
        adb_server.wait_for(phone.serial)
        yield phone


@pytest.fixture
def adb(adb_server, phone):
    """Run `adb -s <phone> ...`; returns the CompletedProcess."""
    return lambda *args, check=True: adb_server.run(*args, serial=phone.serial, check=check)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def random_file(path: Path, size: int) -> Path:
    with open(path, "wb") as out:
        for start in range(0, size, 1 << 22):
            out.write(os.urandom(min(1 << 22, size - start)))
    return path


def test_push_and_pull_100mb_keep_identical_sha256(adb, phone, tmp_path):
    local = random_file(tmp_path / "video.mp4", 100_000_000)
    adb("push", str(local), "/sdcard/DCIM/Camera/video.mp4")
    on_phone = Path(phone.storage.host("/sdcard/DCIM/Camera/video.mp4"))
    assert sha256_file(on_phone) == sha256_file(local)
    back = tmp_path / "back.mp4"
    adb("pull", "/sdcard/DCIM/Camera/video.mp4", str(back))
    assert sha256_file(back) == sha256_file(local)


def test_pull_of_a_file_made_on_the_phone_is_byte_exact(adb, phone, tmp_path):
    content = os.urandom(2_500_001)
    phone.storage.write_bytes("/storage/emulated/0/Pictures/made.jpg", content)
    adb("pull", "/storage/self/primary/Pictures/made.jpg", str(tmp_path / "made.jpg"))
    assert (tmp_path / "made.jpg").read_bytes() == content


def test_push_keeps_mtime(adb, phone, tmp_path):
    local = random_file(tmp_path / "old.jpg", 10_000)
    os.utime(local, (JAN_2020, JAN_2020))
    adb("push", str(local), "/sdcard/Pictures/old.jpg")
    assert int(phone.storage.stat("/sdcard/Pictures/old.jpg").st_mtime) == JAN_2020


def test_pull_a_keeps_mtime(adb, phone, tmp_path):
    phone.storage.write_bytes("/sdcard/Pictures/kept.jpg", b"jpeg" * 1000)
    phone.storage.utime("/sdcard/Pictures/kept.jpg", JAN_2020 + 3600)
    adb("pull", "-a", "/sdcard/Pictures/kept.jpg", str(tmp_path / "kept.jpg"))
    assert int((tmp_path / "kept.jpg").stat().st_mtime) == JAN_2020 + 3600


def test_push_creates_parent_folders(adb, phone, tmp_path):
    local = random_file(tmp_path / "a.bin", 1000)
    adb("push", str(local), "/sdcard/new/deep/folder/a.bin")
    assert phone.storage.stat("/sdcard/new/deep/folder/a.bin").st_size == 1000


def test_folder_tree_push_and_pull(adb, phone, tmp_path):
    tree = tmp_path / "Trip"
    files = {"a.jpg": 1, "b.jpg": 70_000, "sub/c.mp4": 300_000, "sub/deeper/d.heic": 5, "sub/empty.txt": 0}
    for name, size in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        random_file(tree / name, size)
    adb("push", str(tree), "/sdcard/DCIM/")
    for name, size in files.items():
        assert phone.storage.stat(f"/sdcard/DCIM/Trip/{name}").st_size == size
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    adb("pull", "/sdcard/DCIM/Trip", str(pulled))
    for name in files:
        assert (pulled / "Trip" / name).read_bytes() == (tree / name).read_bytes()


def test_pushed_symlinks_stay_symlinks_inside_the_phone(adb, phone, tmp_path):
    tree = tmp_path / "Links"
    tree.mkdir()
    (tree / "real.txt").write_bytes(b"real")
    (tree / "link.txt").symlink_to("real.txt")
    (tree / "escape").symlink_to("/etc/passwd")
    adb("push", str(tree), "/sdcard/")
    assert phone.storage.readlink("/sdcard/Links/link.txt") == "real.txt"
    assert phone.storage.readlink("/sdcard/Links/escape") == "/etc/passwd"
    # followed on the phone, the link leads to the phone's /etc, never the host's
    assert adb("shell", "cat /sdcard/Links/link.txt").stdout == b"real"
    assert b"root:" not in adb("shell", "cat /sdcard/Links/escape", check=False).stdout


def test_ls_lists_entries_with_dot_and_dotdot(adb, phone):
    phone.storage.write_bytes("/sdcard/Music/song.mp3", b"x" * 1234)
    out = adb("ls", "/sdcard/Music").stdout.decode()
    names = {line.split()[-1] for line in out.splitlines()}
    assert names == {".", "..", "song.mp3"}
    assert any(line.split()[1] == f"{1234:08x}" for line in out.splitlines() if line.endswith("song.mp3"))


def test_adbutils_sync_stat_and_list(adb_server, phone):
    phone.storage.write_bytes("/sdcard/Documents/note.txt", b"hello")
    phone.storage.utime("/sdcard/Documents/note.txt", JAN_2020)
    sync = adbutils.AdbClient(port=adb_server.port).device(phone.serial).sync
    info = sync.stat("/sdcard/Documents/note.txt")
    assert (info.size, int(info.mtime.timestamp())) == (5, JAN_2020)
    assert "note.txt" in {entry.path for entry in sync.list("/sdcard/Documents")}
    assert sync.read_bytes("/sdcard/Documents/note.txt") == b"hello"


def test_data_folders_have_the_modes_init_rc_gives_them(adb_server, phone, adb):
    # rootdir/init.rc: `chmod 0771 /data`, `mkdir /data/local 0751 root root`,
    # `mkdir /data/local/tmp 0771 shell shell` -- whatever the host's umask
    sync = adbutils.AdbClient(port=adb_server.port).device(phone.serial).sync
    assert {path: sync.stat(path).mode for path in ("/data", "/data/local", "/data/local/tmp")} == {
        "/data": 0o40771, "/data/local": 0o40751, "/data/local/tmp": 0o40771}
    assert adb("shell", "stat -c '%A %n' /data/local/tmp").stdout == b"drwxrwx--x /data/local/tmp\n"


def test_push_copies_the_owners_permission_bits_to_group_and_other(adb, tmp_path):
    # daemon/file_sync_service.cpp do_send: "Copy user permission bits to group and other"
    for mode, expected in ((0o640, "666"), (0o700, "777"), (0o444, "444")):
        local = tmp_path / f"m{mode:o}"
        local.write_bytes(b"x")
        local.chmod(mode)
        adb("push", str(local), f"/data/local/tmp/m{mode:o}")
        assert adb("shell", f"stat -c %a /data/local/tmp/m{mode:o}").stdout.decode().strip() == expected


def test_pull_of_a_missing_file_fails_as_on_a_phone(adb):
    proc = adb("pull", "/sdcard/nope.jpg", os.devnull, check=False)
    assert proc.returncode != 0
    assert b"No such file or directory" in proc.stdout + proc.stderr


def test_push_cannot_escape_the_phone_folder(adb, phone, tmp_path):
    local = random_file(tmp_path / "evil.txt", 10)
    outside = Path(phone.storage.root).parent / "escaped.txt"
    # `..` stops at the phone's own root, which is read-only, as on a phone
    proc = adb("push", str(local), "/sdcard/../../../../../../escaped.txt", check=False)
    assert b"remote couldn't create file: Read-only file system" in proc.stdout + proc.stderr
    adb("push", str(local), "/sdcard/../../../../../../data/local/tmp/escaped.txt")
    assert not outside.exists()
    assert phone.storage.stat("/data/local/tmp/escaped.txt").st_size == 10


def test_storage_full_fails_push_with_no_space_left(adb, phone, tmp_path):
    local = random_file(tmp_path / "huge.mp4", 30_000_000)
    capacity = phone.storage.capacity
    phone.storage.capacity = phone.storage.used + 10_000_000
    try:
        proc = adb("push", str(local), "/sdcard/Movies/huge.mp4", check=False)
        used_after = phone.storage.used
    finally:
        phone.storage.capacity = capacity
    assert proc.returncode != 0
    assert b"No space left on device" in proc.stdout + proc.stderr
    assert not phone.storage.exists("/sdcard/Movies/huge.mp4")  # the partial file is removed
    assert used_after == phone.storage.recount()
    assert adb("shell", "echo still fine").stdout == b"still fine\n"


def test_eight_parallel_transfers(adb, phone, tmp_path):
    sources = [random_file(tmp_path / f"p{i}.bin", 4_000_000 + i) for i in range(8)]
    errors: list[BaseException] = []

    def round_trip(i: int) -> None:
        try:
            adb("push", str(sources[i]), f"/sdcard/Download/p{i}.bin")
            adb("pull", f"/sdcard/Download/p{i}.bin", str(tmp_path / f"back{i}.bin"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=round_trip, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for i, source in enumerate(sources):
        assert sha256_file(tmp_path / f"back{i}.bin") == sha256_file(source)


def raw_send(phone, remote: str, data: bytes) -> bytes:
    """One SEND/DATA/DONE straight to the phone's adbd (no adb client to rewrite the path);
    returns the reply bytes (OKAY or FAIL + text)."""
    def request(ident: bytes, body: bytes | int) -> bytes:
        if isinstance(body, int):
            return ident + struct.pack("<I", body)
        return ident + struct.pack("<I", len(body)) + body

    spec = f"{remote},{0o100644}".encode()
    payload = request(b"SEND", spec) + request(b"DATA", data) + request(b"DONE", JAN_2020) + request(b"QUIT", 0)
    with RawHost(phone.adb_port) as host:
        host.connect()
        command, device_id = host.open(1, "sync:")
        assert command == A_OKAY
        host.send(A_WRTE, 1, device_id, payload)
        return host.read_stream(1, device_id)


def test_push_to_a_missing_folder_named_with_a_slash_is_refused(adb, phone, tmp_path):
    # The adb client sends "/sdcard/Nowhere/" as it is (it appends the file's name only when the
    # folder exists); adbd's open(O_CREAT) refuses a name that ends in "/".
    local = random_file(tmp_path / "photo.jpg", 100)
    proc = adb("push", str(local), "/sdcard/Nowhere/", check=False)
    assert proc.returncode == 1
    assert (f"adb: error: failed to copy '{local}' to '/sdcard/Nowhere/': "
            "remote couldn't create file: Is a directory").encode() in proc.stderr
    assert not phone.storage.exists("/sdcard/Nowhere")


def test_raw_send_to_a_name_ending_in_a_slash_fails_as_adbd_does(phone):
    reply = raw_send(phone, "/sdcard/Missing/", b"jpeg")
    text = b"couldn't create file: Is a directory"
    assert reply == b"FAIL" + struct.pack("<I", len(text)) + text
    assert not phone.storage.exists("/sdcard/Missing")


def test_push_through_a_file_named_with_a_slash_reports_not_a_directory(adb, phone, tmp_path):
    phone.storage.write_bytes("/sdcard/Documents/plain.txt", b"plain")
    local = random_file(tmp_path / "photo.jpg", 100)
    proc = adb("push", str(local), "/sdcard/Documents/plain.txt/", check=False)
    assert proc.returncode == 1
    assert (b"adb: error: stat failed when trying to push to /sdcard/Documents/plain.txt/: Not a directory"
            in proc.stderr)
    assert phone.storage.open_read("/sdcard/Documents/plain.txt").read() == b"plain"

