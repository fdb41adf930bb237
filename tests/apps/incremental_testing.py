"""Running the incremental round trip with adb-mirror (or a variant of its command lines) on a
new virtual phone: the smoke gallery, seed 3, through the real adb server and the real tool."""

from __future__ import annotations

from pathlib import Path

import adbutils

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.apps.command import CommandApp
from pytest_phonebackup.incremental import IncrementalResult, IncrementalRoundTrip
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.policy import Policy
from pytest_phonebackup.virtual import PhoneConfig
from pytest_phonebackup.virtual.cli import start_phone

SEED = 3
# What the gallery change does to the smoke gallery of seed 3 (media/changes.py picks by path).
DELETED = ["Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Images/IMG-20240503-WA0001.jpg",
           "DCIM/Camera/VID_20240502_190012.mp4"]
EDITED = "Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Images/IMG-20240503-WA0002.jpg"
EDITED_KEEPING_TIME = "DCIM/Camera/VID_20240502_220015.mp4"
RESIZED = "DCIM/Camera/IMG_20231224_183000.jpg"
TOUCHED = "DCIM/Camera/IMG_20240501_100017.jpg"
RENAMED = {"DCIM/Camera/IMG_20240501_130004.jpg": "DCIM/Camera/IMG_20240501_130004_renamed.jpg"}
MOVED = {"DCIM/Camera/IMG_20240501_160049.jpg": "Pictures/Moved/IMG_20240501_160049.jpg"}
ADDED = ["DCIM/Camera/IMG_added_01.jpg", "DCIM/Camera/VID_added_02.mp4"]


def mirror_variant(backup_options: str = "", restore_options: str = "", policy: Policy | None = None) -> CommandApp:
    """adb-mirror with extra options on its backup or restore command line, and maybe another policy."""
    app = load_app("adb-mirror")
    assert isinstance(app, CommandApp)
    return CommandApp(app.name, policy or app.policy, app.commands["backup"] + backup_options,
                      app.commands["restore"] + restore_options, source=app.source)


def run_incremental(adb_server, tmp_path: Path, app: CommandApp, closing: list) -> tuple[Phone, IncrementalResult]:
    vp = start_phone(PhoneConfig(data_dir=tmp_path / "phone", storage_bytes=2 * 1024**3))
    closing.append(vp)
    adb_server.wait_for(vp.serial)
    phone = Phone(vp.serial, adbutils.AdbClient(port=adb_server.port), kind="virtual")
    result = IncrementalRoundTrip(phone, app, profile="smoke", seed=SEED, workdir=tmp_path / "work").run()
    return phone, result
