"""Cloud Photos on the virtual phone, through the real adb: installed like any package, a screen
that `input`, `uiautomator dump` and `screencap` see, the intent interface and status file, and
clean round trips (same phone, new phone, storage saver)."""

from __future__ import annotations

import json
import re

import pytest
from cloudapp_testing import cards

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.errors import ScenarioError
from pytest_phonebackup.media.gallery import Gallery
from pytest_phonebackup.policy import Policy
from pytest_phonebackup.roundtrip import RoundTrip
from pytest_phonebackup.virtual import PhoneConfig
from pytest_phonebackup.virtual.apps.cloudphotos import PACKAGE, STATUS_FILE
from pytest_phonebackup.virtual.cli import start_phone


def test_app_installs_like_any_package_with_name_and_version(phone, app):
    app.prepare(phone)
    assert f"package:{PACKAGE}" in phone.shell("pm list packages").stdout.split()
    dump = phone.shell(f"dumpsys package {PACKAGE}").stdout
    assert "versionName=3.2.0" in dump and "versionCode=320" in dump
    assert app.read_status(phone)["card"] == "Backup is off"  # prepare signs in, backup waits for the step


def test_screen_shows_status_card_and_input_drives_the_backup_switch(phone, app, gallery_smoke):
    app.prepare(phone)
    phone.start_app(f"{PACKAGE}/.MainActivity")
    xml = phone.shell("uiautomator dump /sdcard/window_dump.xml && cat /sdcard/window_dump.xml").stdout
    assert f'resource-id="{PACKAGE}:id/status_title"' in xml
    assert 'text="Backup is off"' in xml
    switch = re.search(rf'text="Backup" resource-id="{PACKAGE}:id/backup_switch"[^>]*checked="false"[^>]*'
                       r'bounds="\[(\d+),(\d+)\]\[(\d+),(\d+)\]"', xml)
    assert switch, xml
    x1, y1, x2, y2 = map(int, switch.groups())
    phone.shell(f"input tap {(x1 + x2) // 2} {(y1 + y2) // 2}")
    status = app.wait(phone, "backup", app.backup_step)
    assert status["card"] == "Backup complete" and status["done"] == status["total"] > 0
    xml = phone.shell("uiautomator dump /sdcard/window_dump.xml && cat /sdcard/window_dump.xml").stdout
    assert 'text="Backup complete"' in xml
    assert phone.screenshot().startswith(b"\x89PNG")


@pytest.fixture
def gallery_smoke(phone):
    gallery = Gallery(phone, progress=False)
    manifest = gallery.seed("smoke", 5)
    yield manifest
    gallery.wipe_seeded()


def test_status_file_is_json_a_harness_can_read_over_adb(phone, app, cloud, gallery_smoke):
    app.prepare(phone)
    app.backup(phone, None)
    status = json.loads(phone.shell(f"cat {STATUS_FILE}").stdout)
    assert status["card"] == "Backup complete"
    assert status["account"] == app.account
    assert status["uploaded"] == len(cloud.items(app.account)) == len(gallery_smoke.items)


def test_round_trip_on_the_same_phone_verifies_clean(phone, app, cloud, tmp_path):
    result = RoundTrip(phone, app, profile="smoke", seed=2, workdir=tmp_path).run()
    assert result.ok, result.report.summary()
    assert result.report.counts == {"intact": len(result.manifest.items)}
    assert {i.path for i in cloud.items(app.account)} == {i.path for i in result.manifest.items}
    assert cards(app)[-1] == "Backup complete"  # the backup card stays; the restore has its own line
    assert app.history[-1]["restore"]["card"] == "Restore complete"


def test_restore_to_a_new_phone_puts_items_back_in_their_folders(phone, app, adb_server, tmp_path):
    import adbutils

    from pytest_phonebackup.phone import Phone

    new = start_phone(PhoneConfig(data_dir=tmp_path / "new-phone", storage_bytes=1024**3))
    try:
        adb_server.wait_for(new.serial)
        target = Phone(new.serial, adbutils.AdbClient(port=adb_server.port), "virtual")
        result = RoundTrip(phone, app, profile="smoke", seed=3, workdir=tmp_path / "rt", restore_phone=target).run()
        assert result.ok, result.report.summary()
        indexed = target.query_media(projection=["_data"])
        assert len(indexed) >= len([i for i in result.manifest.items if i.kind == "photo"])  # scanned in
    finally:
        new.close()


def test_storage_saver_recompresses_which_a_bytes_policy_reports(phone, app, tmp_path):
    app.prepare_commands.append("am broadcast -p ${PACKAGE} -a ${PACKAGE}.action.SET --es quality saver")
    result = RoundTrip(phone, app, profile="smoke", seed=4, workdir=tmp_path / "bytes").run()
    assert not result.ok
    assert "recompressed" in result.report.counts  # JPEGs come back recompressed, others intact


def test_storage_saver_is_acceptable_under_a_pixels_policy(phone, app, tmp_path):
    app.prepare_commands.append("am broadcast -p ${PACKAGE} -a ${PACKAGE}.action.SET --es quality saver")
    app.policy = Policy.from_dict({"preserves": {"content": "pixels"}, "limits": {"scope": "mediastore"}})
    result = RoundTrip(phone, app, profile="smoke", seed=4, workdir=tmp_path / "pixels").run()
    assert result.ok, result.report.summary()
    assert result.report.counts.get("recompressed", 0) > 0


def test_intent_scenario_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nkind: intent\npackage: x.y\nstatus: cat /s\nbackup:\n  run: am start\n"
                   "  untill: Done\nrestore:\n  until: Done\n")
    with pytest.raises(ScenarioError, match=r"bad.yaml:7.*unknown key 'untill'"):
        load_app(bad)


def test_storage_saver_downsizes_big_photos_to_about_16_mp_and_keeps_exif():
    import io

    from PIL import Image

    from pytest_phonebackup.virtual.apps.cloudphotos import CloudPhotos

    exif = Image.Exif()
    exif[0x0110] = "Pixel 8"  # Model
    out = io.BytesIO()
    Image.new("RGB", (5000, 4000), (90, 140, 200)).save(out, "JPEG", quality=95, exif=exif.tobytes())
    saved = CloudPhotos._storage_saver(out.getvalue())
    with Image.open(io.BytesIO(saved)) as im:
        assert 15_000_000 <= im.width * im.height <= 16_000_000
        assert abs(im.width / im.height - 5000 / 4000) < 0.01
        assert im.getexif().get(0x0110) == "Pixel 8"
