"""Phone, the one device object every part of the harness uses, against a virtual phone through the
real adb server: shell, files (times kept, hostile names contained), listings, hashing, safety
rules, readiness, reboot and observation."""

from __future__ import annotations

import hashlib
import os
import time

import adbutils
import pytest

from pytest_phonebackup.errors import NotReadyError, PhoneError, SafetyError, ShellCommandError
from pytest_phonebackup.phone import Phone, _inside, detect_kind, parse_content_rows
from pytest_phonebackup.phonelike import PhoneLike
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.cli import start_phone


@pytest.fixture
def phone(virtual_phone, adb_server) -> Phone:
    client = adbutils.AdbClient(port=adb_server.port)
    phone = Phone(virtual_phone.serial, client, "virtual")
    yield phone
    phone.close()


def test_shell_reports_status_stdout_and_stderr_apart(phone):
    result = phone.shell("echo out; echo err >&2; exit 3", check=False)
    assert (result.status, result.stdout, result.stderr) == (3, "out\n", "err\n")


def test_shell_timeout_says_which_command_and_how_long(phone):
    started = time.monotonic()
    with pytest.raises(PhoneError, match=r"`sleep 30` did not finish within 1s"):
        phone.shell("sleep 30", timeout=1)
    assert time.monotonic() - started < 10
    assert phone.shell("echo alive").stdout == "alive\n"  # the phone is still usable


def test_shell_failure_raises_with_the_command_and_its_error(phone):
    with pytest.raises(ShellCommandError) as caught:
        phone.shell("ls /sdcard/no-such-folder")
    assert caught.value.status != 0
    assert "ls /sdcard/no-such-folder" in str(caught.value) and "No such file" in str(caught.value)


def test_push_and_pull_keep_mtime_and_bytes(phone, tmp_path):
    source = tmp_path / "photo.jpg"
    source.write_bytes(os.urandom(300_000))
    os.utime(source, (1_500_000_000, 1_500_000_000))
    phone.push(source, "/sdcard/DCIM/photo.jpg")
    assert phone.stat("/sdcard/DCIM/photo.jpg").mtime == 1_500_000_000
    back = phone.pull("/sdcard/DCIM/photo.jpg", tmp_path / "back.jpg")
    assert back.read_bytes() == source.read_bytes()
    assert back.stat().st_mtime == 1_500_000_000


def test_push_refuses_to_overwrite_a_file_it_did_not_create(phone, virtual_phone, tmp_path):
    virtual_phone.storage.makedirs("/sdcard/DCIM/Camera")
    virtual_phone.storage.write_bytes("/sdcard/DCIM/Camera/mine.jpg", b"someone's photo")
    (tmp_path / "seed").mkdir()
    source = tmp_path / "seed" / "mine.jpg"
    source.write_bytes(b"harness bytes")
    with pytest.raises(SafetyError, match="refusing to overwrite /sdcard/DCIM/Camera/mine.jpg"):
        phone.push(source, "/sdcard/DCIM/Camera/mine.jpg")
    with pytest.raises(SafetyError, match="refusing to overwrite"):
        phone.push_tree(tmp_path / "seed", "/sdcard/DCIM/Camera")
    with pytest.raises(SafetyError, match="refusing to delete"):
        phone.remove(["/sdcard/DCIM/Camera/mine.jpg"])
    assert virtual_phone.storage.open_read("/sdcard/DCIM/Camera/mine.jpg").read() == b"someone's photo"
    phone.push(source, "/sdcard/DCIM/Camera/other.jpg")
    phone.push(source, "/sdcard/DCIM/Camera/other.jpg")  # its own file: may be overwritten


def test_push_tree_and_pull_tree_round_trip_with_progress(phone, tmp_path):
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "empty").mkdir()
    files = {"one.jpg": os.urandom(70_000), "a/two.png": b"2" * 10, "a/b/three.mp4": os.urandom(200_000)}
    for rel, data in files.items():
        (tree / rel).write_bytes(data)
        os.utime(tree / rel, (1_600_000_000, 1_600_000_000))
    seen: list[tuple[int, int]] = []
    pushed = phone.push_tree(tree, "/sdcard/Pictures/T", progress=lambda done, total, _: seen.append((done, total)))
    assert sorted(pushed) == sorted(f"/sdcard/Pictures/T/{rel}" for rel in files)
    total = sum(len(data) for data in files.values())
    assert seen[-1] == (total, total) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))
    assert phone.stat("/sdcard/Pictures/T/empty").is_dir

    out = tmp_path / "out"
    phone.pull_tree("/sdcard/Pictures/T", out)
    for rel, data in files.items():
        assert (out / rel).read_bytes() == data
        assert (out / rel).stat().st_mtime == 1_600_000_000
    assert (out / "empty").is_dir()


def test_list_tree_reports_what_storage_holds(phone, virtual_phone):
    storage = virtual_phone.storage
    storage.makedirs("/sdcard/Music/x")
    storage.write_bytes("/sdcard/Music/x/song.mp3", b"m" * 1234)
    storage.write_bytes("/sdcard/Music/top.ogg", b"o")
    storage.symlink("/sdcard/Music/x", "/sdcard/Music/link")
    listed = {item.path: item for item in phone.list_tree("/sdcard/Music")}
    assert set(listed) == {"/sdcard/Music/x", "/sdcard/Music/x/song.mp3", "/sdcard/Music/top.ogg",
                           "/sdcard/Music/link"}
    assert listed["/sdcard/Music/x"].is_dir and listed["/sdcard/Music/x/song.mp3"].size == 1234
    assert listed["/sdcard/Music/link"].is_symlink and not listed["/sdcard/Music/link"].is_dir
    assert listed["/sdcard/Music/top.ogg"].mtime == pytest.approx(storage.stat("/sdcard/Music/top.ogg").st_mtime, abs=1)


@pytest.mark.parametrize("listing", ["LIS2", "LIST"])
def test_list_tree_of_many_folders_lists_each_once(phone, virtual_phone, listing):
    """Wider and deeper than the listings asked for ahead of their answers; LIST as old phones have it."""
    if listing == "LIST":
        phone._features = phone.features - {"ls_v2"}
    storage = virtual_phone.storage
    expected = set()
    for top in range(3):
        for sub in range(40):
            folder = f"/sdcard/Wide/t{top}/s{sub:02d}"
            storage.makedirs(folder + "/deep")
            storage.write_bytes(f"{folder}/deep/f.jpg", b"x" * sub)
            expected |= {f"/sdcard/Wide/t{top}", folder, folder + "/deep", folder + "/deep/f.jpg"}
    listed = phone.list_tree("/sdcard/Wide")
    assert [item.path for item in listed] == sorted(expected)  # each once, in order
    assert len(listed) == 3 + 3 * 40 * 3
    sizes = {item.path: item.size for item in listed if not item.is_dir}
    assert sizes["/sdcard/Wide/t2/s39/deep/f.jpg"] == 39 and sizes["/sdcard/Wide/t0/s00/deep/f.jpg"] == 0
    assert phone.hash_files(["/sdcard/Wide/t1/s07/deep/f.jpg"]) == {  # the session after it still works
        "/sdcard/Wide/t1/s07/deep/f.jpg": hashlib.sha256(b"x" * 7).hexdigest()}


HOSTILE_NAMES = ["it's a \"photo\".jpg", "-rf", "new\nline.jpg", "$(reboot).jpg", "back\\slash.png",
                 "spaces  two.jpg", "ünïcode 照片.heic", "*.jpg"]


def test_hash_files_in_batches_with_hostile_names(phone, virtual_phone):
    storage = virtual_phone.storage
    storage.makedirs("/sdcard/Odd")
    expected = {}
    for index, name in enumerate(HOSTILE_NAMES):
        data = f"content {index}".encode()
        storage.write_bytes(f"/sdcard/Odd/{name}", data)
        expected[f"/sdcard/Odd/{name}"] = hashlib.sha256(data).hexdigest()
    hashes = phone.hash_files(list(expected) + ["/sdcard/Odd/missing.jpg"])
    assert hashes == expected


def _path_lists(virtual_phone) -> list[str]:
    return [name for name in virtual_phone.storage.listdir("/data/local/tmp") if name.startswith("phonebackup-paths")]


def test_batched_commands_leave_no_path_list_on_the_phone(phone, virtual_phone):
    virtual_phone.storage.write_bytes("/sdcard/Odd/one.jpg", b"one", make_parents=True)
    assert phone.hash_files(["/sdcard/Odd/one.jpg", "/sdcard/Odd/missing.jpg"]) == {
        "/sdcard/Odd/one.jpg": hashlib.sha256(b"one").hexdigest()}
    assert _path_lists(virtual_phone) == []


def test_a_failing_batched_command_names_itself_and_its_status(phone, virtual_phone):
    virtual_phone.storage.write_bytes("/sdcard/Full/kept.jpg", b"kept", make_parents=True)
    with pytest.raises(ShellCommandError) as failed:
        phone._run_with_paths(["/sdcard/Full"], "rmdir --")  # not empty: rmdir fails, xargs exits 123
    assert failed.value.status == 123
    assert failed.value.command.startswith("xargs -0 rmdir -- < /data/local/tmp/phonebackup-paths-")
    assert "rm -f" not in str(failed.value)
    assert virtual_phone.storage.exists("/sdcard/Full/kept.jpg") and _path_lists(virtual_phone) == []


def test_pull_tree_keeps_hostile_names_inside_the_destination(phone, virtual_phone, tmp_path):
    storage = virtual_phone.storage
    storage.makedirs("/sdcard/Evil/sub")
    for name in HOSTILE_NAMES:
        storage.write_bytes(f"/sdcard/Evil/{name}", name.encode())
    storage.symlink("/", "/sdcard/Evil/root-link")  # must not be followed or recreated on the host
    out = tmp_path / "dest"
    written = phone.pull_tree("/sdcard/Evil", out)
    assert sorted(path.name for path in written) == sorted(HOSTILE_NAMES)
    for path in written:
        assert path.parent == out.resolve() and path.read_bytes() == path.name.encode()
    assert not (out / "root-link").exists()


def test_pulled_names_cannot_escape_the_destination(tmp_path):
    root = tmp_path / "dest"
    root.mkdir()
    for rel in ("../outside.jpg", "a/../../x", "/etc/passwd", "a//b", "."):
        with pytest.raises(SafetyError):
            _inside(root, rel, "/sdcard/" + rel)
    (tmp_path / "elsewhere").mkdir()
    (root / "DCIM").symlink_to(tmp_path / "elsewhere")  # planted on the host before the pull
    with pytest.raises(SafetyError, match="symlink"):
        _inside(root, "DCIM/photo.jpg", "/sdcard/DCIM/photo.jpg")


def test_pull_does_not_write_through_a_planted_symlink(phone, virtual_phone, tmp_path):
    virtual_phone.storage.write_bytes("/sdcard/a.jpg", b"phone bytes")
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest" / "a.jpg").symlink_to(victim)
    phone.pull("/sdcard/a.jpg", tmp_path / "dest")
    assert victim.read_bytes() == b"precious"
    assert (tmp_path / "dest" / "a.jpg").read_bytes() == b"phone bytes"


def test_cleanup_removes_only_what_was_created_after_the_checkpoint(phone, virtual_phone, tmp_path):
    storage = virtual_phone.storage
    storage.makedirs("/sdcard/DCIM")
    storage.write_bytes("/sdcard/DCIM/user.jpg", b"user")
    (tmp_path / "seed").mkdir()
    source = tmp_path / "seed" / "s.jpg"
    source.write_bytes(b"seed")
    phone.push(source, "/sdcard/DCIM/before.jpg")
    checkpoint = phone.checkpoint()
    phone.push(source, "/sdcard/DCIM/during.jpg")
    phone.push_tree(tmp_path / "seed", "/sdcard/Seeded")
    phone.shell("cp /sdcard/DCIM/user.jpg /sdcard/DCIM/copied.jpg")
    phone.cleanup(checkpoint)
    assert storage.exists("/sdcard/DCIM/user.jpg") and storage.exists("/sdcard/DCIM/before.jpg")
    assert not storage.exists("/sdcard/DCIM/during.jpg") and not storage.exists("/sdcard/Seeded")
    assert not storage.exists("/sdcard/DCIM/copied.jpg")  # made during the test on an emulator


def test_cleanup_on_hardware_deletes_only_what_the_harness_wrote(virtual_phone, adb_server, tmp_path):
    phone = Phone(virtual_phone.serial, adbutils.AdbClient(port=adb_server.port), "hardware")
    virtual_phone.storage.makedirs("/sdcard/DCIM")
    checkpoint = phone.checkpoint()
    assert checkpoint.shared_files is None  # no listing of someone's phone
    (tmp_path / "seed").mkdir()
    (tmp_path / "seed" / "s.jpg").write_bytes(b"seed")
    phone.push(tmp_path / "seed" / "s.jpg", "/sdcard/DCIM/seeded.jpg")
    phone.shell("echo camera > /sdcard/DCIM/IMG_new.jpg")  # as if the owner took a photo meanwhile
    phone.push(tmp_path / "seed" / "s.jpg", "/sdcard/Pictures/Seeded/deep/s.jpg")
    phone.cleanup(checkpoint)
    assert not virtual_phone.storage.exists("/sdcard/DCIM/seeded.jpg")
    assert not virtual_phone.storage.exists("/sdcard/Pictures/Seeded")  # the folders the push made go too
    assert virtual_phone.storage.exists("/sdcard/DCIM/IMG_new.jpg")


def test_hardware_keeps_a_harness_folder_the_owner_saved_photos_into(virtual_phone, adb_server, tmp_path):
    phone = Phone(virtual_phone.serial, adbutils.AdbClient(port=adb_server.port), "hardware")
    (tmp_path / "seed").mkdir()
    (tmp_path / "seed" / "s.jpg").write_bytes(b"seed")
    checkpoint = phone.checkpoint()
    phone.push(tmp_path / "seed" / "s.jpg", "/sdcard/DCIM/NewAlbum/s.jpg")
    phone.push_tree(tmp_path / "seed", "/sdcard/Tree")
    virtual_phone.storage.write_bytes("/sdcard/DCIM/NewAlbum/IMG_owner.jpg", b"owner's photo")
    phone.cleanup(checkpoint)
    assert virtual_phone.storage.open_read("/sdcard/DCIM/NewAlbum/IMG_owner.jpg").read() == b"owner's photo"
    assert not virtual_phone.storage.exists("/sdcard/DCIM/NewAlbum/s.jpg")
    assert not virtual_phone.storage.exists("/sdcard/Tree")  # empty once the harness's files went


def test_hardware_refuses_destructive_actions_unless_allowed(virtual_phone, adb_server):
    client = adbutils.AdbClient(port=adb_server.port)
    guarded = Phone(virtual_phone.serial, client, "hardware")
    with pytest.raises(SafetyError, match="--phone-allow-wipe"):
        guarded.clear_app_data("com.google.android.apps.photos")
    with pytest.raises(SafetyError, match="--phone-allow-wipe"):
        guarded.require_wipe_allowed("wipe the gallery")
    Phone(virtual_phone.serial, client, "hardware", allow_wipe=True).require_wipe_allowed("wipe the gallery")
    Phone(virtual_phone.serial, client, "emulator").require_wipe_allowed("wipe the gallery")


def test_info_getprop_and_settings(phone):
    info = phone.info()
    assert info["api"] == "34" and info["model"] and info["abi"] and info["kind"] == "virtual"
    assert info["serial"] == phone.serial
    assert phone.getprop("ro.kernel.qemu") == "1"
    phone.settings_put("global", "stay_on_while_plugged_in", 3)
    assert phone.settings_get("global", "stay_on_while_plugged_in") == "3"
    assert phone.settings_get("secure", "no_such_setting_here") is None


def test_wait_ready_names_the_phase_that_ran_out(adb_server, tmp_path):
    config = PhoneConfig(data_dir=tmp_path / "slow", storage_bytes=1024**3, boot_delay=30)
    with VirtualPhone(config) as slow:
        adb_server.wait_for(slow.serial)
        phone = Phone(slow.serial, adbutils.AdbClient(port=adb_server.port), "virtual")
        started = time.monotonic()
        with pytest.raises(NotReadyError) as caught:
            phone.wait_ready(timeout=0.5)
        assert caught.value.phase == "boot completed"
        assert time.monotonic() - started < 10


def test_reboot_comes_back_ready_with_files_intact(phone, virtual_phone, tmp_path):
    source = tmp_path / "keep.jpg"
    source.write_bytes(b"kept")
    phone.push(source, "/sdcard/keep.jpg")
    boots = virtual_phone.boot_count
    phone.reboot(wait=True, timeout=60)
    assert virtual_phone.boot_count == boots + 1
    assert phone.shell("cat /sdcard/keep.jpg").stdout == "kept"


def test_reboot_without_waiting_returns_once_the_phone_has_gone_down(phone, virtual_phone):
    """As `adb reboot` does: the next command must not reach the phone that is shutting down."""
    boots = virtual_phone.boot_count
    phone.reboot(wait=False, timeout=60)
    assert not virtual_phone.booted.is_set() or virtual_phone.boot_count == boots + 1
    phone.wait_ready(timeout=60)
    assert virtual_phone.boot_count == boots + 1


def test_screenshot_is_a_png_and_logcat_has_the_phones_events(phone):
    assert phone.screenshot().startswith(b"\x89PNG\r\n\x1a\n")
    since = phone.clock()
    assert "beginning of" in phone.logcat() or phone.logcat().strip()
    later = phone.logcat(since)
    assert all(line[:18] >= since for line in later.splitlines() if line[:2].isdigit())


def test_storage_usage_matches_the_phones_capacity(phone, virtual_phone):
    usage = phone.storage_usage()
    assert usage.total == pytest.approx(virtual_phone.storage.capacity, rel=0.01)
    assert usage.used + usage.free <= usage.total + 1024


def test_media_scan_then_query_lists_the_pushed_photo(phone, tmp_path):
    from PIL import Image

    source = tmp_path / "scan.jpg"
    Image.new("RGB", (320, 240), "red").save(source)
    phone.push(source, "/sdcard/DCIM/scan.jpg")
    phone.media_scan(["/sdcard/DCIM/scan.jpg"])
    rows = phone.query_media("content://media/external/images/media", ["_display_name", "width", "height"],
                             "_display_name='scan.jpg'")
    assert rows == [{"_display_name": "scan.jpg", "width": "320", "height": "240"}]


def test_content_rows_are_split_on_known_columns_only():
    out = "Row: 0 _id=1, _display_name=a, b.jpg, size=3\nRow: 1 _id=2, _display_name=c.jpg, size=NULL\n"
    assert parse_content_rows(out, ["_id", "_display_name", "size"]) == [
        {"_id": "1", "_display_name": "a, b.jpg", "size": "3"},
        {"_id": "2", "_display_name": "c.jpg", "size": "NULL"}]
    assert parse_content_rows("No result found.\n", []) == []


def test_forwards_are_removed_when_the_phone_is_closed(phone, adb_server):
    port = phone.forward("tcp:6790")
    assert f"tcp:{port}" in adb_server.run("forward", "--list").stdout.decode()
    phone.close()
    assert f"tcp:{port}" not in adb_server.run("forward", "--list").stdout.decode()


def test_unknown_serial_gives_a_clear_error(adb_server):
    ghost = Phone("emulator-5998", adbutils.AdbClient(port=adb_server.port), "emulator")
    with pytest.raises(PhoneError, match="emulator-5998"):
        ghost.shell("true")


def test_kind_is_checked():
    with pytest.raises(ValueError, match="virtual, emulator, hardware"):
        Phone("x", adbutils.AdbClient(), "tablet")


def test_install_start_stop_and_uninstall_an_app(phone, tmp_path):
    from pytest_phonebackup.virtual.apk import build_apk

    apk = tmp_path / "backup.apk"
    apk.write_bytes(build_apk("com.example.backup", activities=[".MainActivity"]))
    assert phone.install(apk) == "com.example.backup"
    assert "package:com.example.backup" in phone.shell("pm list packages com.example.backup").stdout
    phone.start_app("com.example.backup/.MainActivity")
    phone.start_app("com.example.backup")  # by package: its launcher activity
    phone.stop_app("com.example.backup")
    with pytest.raises(PhoneError, match="cannot start com.example.nothing"):
        phone.start_app("com.example.nothing/.Main")
    phone.uninstall("com.example.backup")
    assert "com.example.backup" not in phone.shell("pm list packages").stdout
    assert phone.shell("ls /data/local/tmp").stdout.count(".apk") == 0  # the pushed APK is gone


def test_hardware_refuses_to_uninstall_apps_the_harness_did_not_install(virtual_phone, adb_server):
    guarded = Phone(virtual_phone.serial, adbutils.AdbClient(port=adb_server.port), "hardware")
    with pytest.raises(SafetyError, match="uninstall com.android.chrome"):
        guarded.uninstall("com.android.chrome")


def test_network_switches_reach_the_phones_settings(phone):
    phone.set_wifi(False)
    phone.set_data(False)
    assert (phone.settings_get("global", "wifi_on"), phone.settings_get("global", "mobile_data")) == ("0", "0")
    phone.set_airplane(True)
    assert phone.settings_get("global", "airplane_mode_on") == "1"
    phone.set_airplane(False)
    phone.set_wifi(True)
    assert (phone.settings_get("global", "airplane_mode_on"), phone.settings_get("global", "wifi_on")) == ("0", "1")


def test_pushing_into_shared_storage_never_claims_the_storage_folder(phone, virtual_phone, tmp_path):
    (tmp_path / "tree" / "DCIM").mkdir(parents=True)
    (tmp_path / "tree" / "DCIM" / "a.jpg").write_bytes(b"x" * 10)
    checkpoint = phone.checkpoint()
    phone.push_tree(tmp_path / "tree", "/sdcard")
    assert "/sdcard" not in phone.created
    phone.cleanup(checkpoint)
    # The storage link is still a link into shared storage, and what was pushed is gone.
    assert virtual_phone.storage.readlink("/sdcard") == "/storage/self/primary"
    assert not virtual_phone.storage.exists("/sdcard/DCIM/a.jpg")


def _owner_photo_during_a_test(phone: Phone, tmp_path) -> None:
    (tmp_path / "seed").mkdir(exist_ok=True)
    (tmp_path / "seed" / "s.jpg").write_bytes(b"seed")
    phone.shell("mkdir -p /sdcard/DCIM/Camera")
    checkpoint = phone.checkpoint()
    phone.push(tmp_path / "seed" / "s.jpg", "/sdcard/DCIM/Camera/seeded.jpg")
    phone.shell("echo camera > /sdcard/DCIM/Camera/IMG_owner.jpg")  # the owner takes a photo meanwhile
    phone.cleanup(checkpoint)


def test_a_phone_made_without_a_kind_keeps_the_owners_new_photo(virtual_phone, adb_server, tmp_path):
    phone = Phone(virtual_phone.serial, adbutils.AdbClient(port=adb_server.port))
    assert phone.kind == "hardware" and not phone.is_emulator
    _owner_photo_during_a_test(phone, tmp_path)
    assert virtual_phone.storage.exists("/sdcard/DCIM/Camera/IMG_owner.jpg")
    assert not virtual_phone.storage.exists("/sdcard/DCIM/Camera/seeded.jpg")


def test_a_virtual_phone_removes_every_file_a_test_left(phone, virtual_phone, tmp_path):
    _owner_photo_during_a_test(phone, tmp_path)
    assert not virtual_phone.storage.exists("/sdcard/DCIM/Camera/IMG_owner.jpg")
    assert not virtual_phone.storage.exists("/sdcard/DCIM/Camera/seeded.jpg")


def test_attach_tells_the_virtual_phone_from_the_phone_itself(virtual_phone, adb_server):
    phone = Phone.attach(virtual_phone.serial, adbutils.AdbClient(port=adb_server.port))
    assert phone.kind == "virtual" and phone.is_emulator and not phone.allow_wipe
    assert isinstance(phone, PhoneLike)


def test_attach_tells_a_marked_virtual_phone_without_asking_its_console(adb_server, tmp_path):
    config = PhoneConfig(data_dir=tmp_path / "marked", storage_bytes=256 * 1024**2, avd_name="Pixel_7_API_34",
                         extra_props={"ro.phonebackup.virtual": "1"})
    marked = start_phone(config)  # a free port pair chosen under a lock, retried when raced
    try:
        adb_server.wait_for(marked.serial)
        assert Phone.attach(marked.serial, adbutils.AdbClient(port=adb_server.port)).kind == "virtual"
    finally:
        marked.close()


def test_kind_is_virtual_emulator_or_hardware_on_evidence_only():
    assert detect_kind("emulator-5554", {"ro.phonebackup.virtual": "1", "ro.kernel.qemu": "1"}) == "virtual"
    assert detect_kind("emulator-5554", {"ro.kernel.qemu": "1"}, avd_name="virtual_phone") == "virtual"
    assert detect_kind("emulator-5554", {"ro.kernel.qemu": "1", "ro.boot.qemu.avd_name": "virtual_phone"},
                       avd_name="virtual_phone") == "emulator"  # a real AVD of that name
    assert detect_kind("emulator-5554", {"ro.kernel.qemu": "1"}, avd_name="Pixel_7_API_34") == "emulator"
    assert detect_kind("R5CT1234", {"ro.hardware": "qcom"}, avd_name="virtual_phone") == "hardware"
    assert detect_kind("emulator-5554", {}) == "hardware"
