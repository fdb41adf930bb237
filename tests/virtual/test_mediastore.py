"""MediaStore on the virtual phone, driven through the real adb: files pushed with adb are indexed
only after a scan (broadcast, scan_volume, boot), with dimensions, size, MIME type, duration and
capture time read from real JPEG/PNG/MP4 files made here; stale rows, .nomedia, hidden files, and
`content query` with projection, where and sort in Android's output format."""

from __future__ import annotations

import datetime as dt
import io
import re

import av
import pytest
from PIL import Image

from pytest_phonebackup.virtual import PhoneConfig

IMAGES = "content://media/external/images/media"
FILES = "content://media/external/file"


@pytest.fixture(scope="module")
def shared_phone_config(tmp_path_factory) -> PhoneConfig:
    return PhoneConfig(data_dir=tmp_path_factory.mktemp("mediaphone"), storage_bytes=512 * 1024**2)


def jpeg(width: int, height: int, taken: str | None = None, offset: str | None = None,
         orientation: int | None = None, subsec: str | None = None) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[274] = orientation
    if taken:
        exif.get_ifd(0x8769)[36867] = taken
        if offset:
            exif.get_ifd(0x8769)[36881] = offset
        if subsec:
            exif.get_ifd(0x8769)[37521] = subsec  # SubSecTimeOriginal
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (180, 40, 40)).save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 90, 200, 255)).save(buf, "PNG")
    return buf.getvalue()


def mp4(width: int, height: int, seconds: int, created: str, rotation: int = 0) -> bytes:
    """`rotation` is FFmpeg's display-matrix angle (counterclockwise): a phone held upright
    records -90, which Android reports as orientation 90."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as container:
        container.metadata["creation_time"] = created
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        for i in range(seconds * 10):
            frame = av.VideoFrame.from_image(Image.new("RGB", (width, height), (i * 5 % 255, 0, 0)))
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buf.getvalue()


def shell(adb_server, phone, command: str) -> str:
    return adb_server.run("shell", command, serial=phone.serial, check=False).stdout.decode()


def push(adb_server, phone, tmp_path, data: bytes, device_path: str) -> None:
    local = tmp_path / device_path.rsplit("/", 1)[-1]
    local.write_bytes(data)
    adb_server.run("push", str(local), device_path, serial=phone.serial)


def rows(text: str) -> list[dict[str, str]]:
    """Parse `Row: N a=1, b=x` lines (values here never contain ', ')."""
    out = []
    for line in text.splitlines():
        match = re.fullmatch(r"Row: (\d+) (.*)", line)
        assert match, f"not a content row: {line!r}"
        assert int(match.group(1)) == len(out)
        out.append(dict(field.split("=", 1) for field in match.group(2).split(", ")))
    return out


def query(adb_server, phone, uri: str, projection: str, where: str | None = None,
          sort: str | None = None) -> str:
    command = f"content query --uri {uri} --projection {projection}"
    if where:
        command += f' --where "{where}"'
    if sort:
        command += f" --sort '{sort}'"
    return shell(adb_server, phone, command)


def test_pushed_photo_appears_only_after_the_scan_broadcast(adb_server, phone, tmp_path):
    photo = jpeg(640, 480, taken="2021:07:14 09:30:05", offset="+02:00", orientation=6)
    push(adb_server, phone, tmp_path, photo, "/sdcard/DCIM/Camera/IMG_0001.jpg")
    where = "_display_name='IMG_0001.jpg'"
    assert query(adb_server, phone, IMAGES, "_id", where) == "No result found.\n"
    out = shell(adb_server, phone, "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE "
                                   "-d file:///sdcard/DCIM/Camera/IMG_0001.jpg")
    assert out.endswith("Broadcast completed: result=0\n")
    (row,) = rows(query(adb_server, phone, IMAGES, "_data:_display_name:relative_path:mime_type:_size:width:"
                        "height:orientation:datetaken:bucket_display_name:volume_name:is_pending", where))
    taken = int(dt.datetime(2021, 7, 14, 7, 30, 5, tzinfo=dt.timezone.utc).timestamp() * 1000)
    assert row == {"_data": "/storage/emulated/0/DCIM/Camera/IMG_0001.jpg", "_display_name": "IMG_0001.jpg",
                   "relative_path": "DCIM/Camera/", "mime_type": "image/jpeg", "_size": str(len(photo)),
                   "width": "640", "height": "480", "orientation": "90", "datetaken": str(taken),
                   "bucket_display_name": "Camera", "volume_name": "external_primary", "is_pending": "0"}
    assert any("MediaProvider" == e.tag and "IMG_0001.jpg" in e.message for e in phone.system.logcat.entries())


@pytest.mark.parametrize(("subsec", "millis"), [("347", 347), ("5", 500), ("123456", 123)])
def test_datetaken_carries_the_milliseconds_of_subsectimeoriginal(adb_server, phone, tmp_path, subsec, millis):
    photo = jpeg(64, 48, taken="2021:07:14 09:30:05", offset="+02:00", subsec=subsec)
    name = f"IMG_subsec_{subsec}.jpg"
    push(adb_server, phone, tmp_path, photo, f"/sdcard/DCIM/Camera/{name}")
    shell(adb_server, phone, f"am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d file:///sdcard/DCIM/Camera/{name}")
    (row,) = rows(query(adb_server, phone, IMAGES, "datetaken", f"_display_name='{name}'"))
    assert row == {"datetaken": str(1626247805000 + millis)}  # 2021-07-14 07:30:05 UTC


def test_datetaken_of_a_jpeg_padded_past_the_quick_header_read_keeps_its_milliseconds(adb_server, phone, tmp_path):
    photo = jpeg(64, 48, taken="2021:07:14 09:30:05", offset="+02:00", subsec="347")
    after_exif = 2
    while photo[after_exif + 1] in range(0xE0, 0xF0):  # past JFIF and EXIF, where cameras put more APPn
        after_exif += 2 + int.from_bytes(photo[after_exif + 2:after_exif + 4], "big")
    padding = (b"\xff\xef" + (65535).to_bytes(2, "big") + bytes(65533)) * 6  # 384 KiB of APP15 segments
    push(adb_server, phone, tmp_path, photo[:after_exif] + padding + photo[after_exif:], "/sdcard/DCIM/Camera/IMG_padded.jpg")
    shell(adb_server, phone, "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d file:///sdcard/DCIM/Camera/IMG_padded.jpg")
    (row,) = rows(query(adb_server, phone, IMAGES, "width:datetaken", "_display_name='IMG_padded.jpg'"))
    assert row == {"width": "64", "datetaken": "1626247805347"}


def test_scan_volume_reads_png_and_mp4_content(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, png(300, 200), "/sdcard/Pictures/Screens/shot.png")
    clip = mp4(64, 48, 2, "2020-01-02T03:04:05.000000Z")
    push(adb_server, phone, tmp_path, clip, "/sdcard/Movies/clip.mp4")
    assert shell(adb_server, phone, "content call --uri content://media/none --method scan_volume "
                                    "--arg external_primary") == "Result: null\n"
    (image,) = rows(query(adb_server, phone, IMAGES, "mime_type:width:height:datetaken:relative_path",
                          "_display_name='shot.png'"))
    assert image == {"mime_type": "image/png", "width": "300", "height": "200", "datetaken": "NULL",
                     "relative_path": "Pictures/Screens/"}
    (video,) = rows(query(adb_server, phone, "content://media/external/video/media",
                          "mime_type:width:height:duration:datetaken:_size", "_display_name='clip.mp4'"))
    assert video["mime_type"] == "video/mp4" and (video["width"], video["height"]) == ("64", "48")
    assert 1900 <= int(video["duration"]) <= 2100
    assert video["datetaken"] == str(int(dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc).timestamp() * 1000))
    assert video["_size"] == str(len(clip))
    # a video is not an image
    assert query(adb_server, phone, IMAGES, "_id", "_display_name='clip.mp4'") == "No result found.\n"


def test_mime_type_follows_the_extension_like_android(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, jpeg(120, 90), "/sdcard/Pictures/really_a_jpeg.png")
    shell(adb_server, phone, "content call --uri content://media/external/file --method scan_file "
                             "--arg /sdcard/Pictures/really_a_jpeg.png")
    (row,) = rows(query(adb_server, phone, IMAGES, "mime_type:width:height", "_display_name='really_a_jpeg.png'"))
    assert row == {"mime_type": "image/png", "width": "120", "height": "90"}


def test_deleted_file_keeps_its_row_until_rescanned(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, jpeg(50, 50), "/sdcard/DCIM/old.jpg")
    shell(adb_server, phone, "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d file:///sdcard/DCIM/old.jpg")
    shell(adb_server, phone, "rm /sdcard/DCIM/old.jpg")
    stale = rows(query(adb_server, phone, IMAGES, "_data", "_display_name='old.jpg'"))
    assert stale == [{"_data": "/storage/emulated/0/DCIM/old.jpg"}]
    shell(adb_server, phone, "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d file:///sdcard/DCIM")
    assert query(adb_server, phone, IMAGES, "_data", "_display_name='old.jpg'") == "No result found.\n"


def test_nomedia_folders_and_hidden_files_are_not_indexed(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, b"", "/sdcard/Private/.nomedia")
    push(adb_server, phone, tmp_path, jpeg(10, 10), "/sdcard/Private/deep/secret.jpg")
    push(adb_server, phone, tmp_path, jpeg(10, 10), "/sdcard/Pictures/.hidden.jpg")
    push(adb_server, phone, tmp_path, jpeg(10, 10), "/sdcard/Pictures/.thumbs/t.jpg")
    push(adb_server, phone, tmp_path, jpeg(10, 10), "/sdcard/Pictures/visible.jpg")
    shell(adb_server, phone, "content call --uri content://media/none --method scan_volume --arg external_primary")
    names = [r["_display_name"] for r in rows(query(adb_server, phone, FILES, "_display_name",
                                                    "relative_path LIKE 'Pictures/%' OR relative_path LIKE 'Private/%'"))]
    assert "visible.jpg" in names
    assert not {"secret.jpg", ".hidden.jpg", "t.jpg", ".nomedia"} & set(names)
    # scanning the file directly does not index it either
    shell(adb_server, phone, "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE "
                             "-d file:///sdcard/Private/deep/secret.jpg")
    assert query(adb_server, phone, FILES, "_id", "_display_name='secret.jpg'") == "No result found.\n"


def test_query_where_projection_and_sort(adb_server, phone, tmp_path):
    for name, size in (("b_wide.jpg", (800, 100)), ("a_tall.jpg", (100, 800)), ("c_small.jpg", (20, 20))):
        push(adb_server, phone, tmp_path, jpeg(*size), f"/sdcard/Pictures/Sorted/{name}")
    shell(adb_server, phone, "content call --uri content://media/external/file --method scan_file "
                             "--arg /sdcard/Pictures/Sorted")
    out = query(adb_server, phone, IMAGES, "_display_name:width",
                "relative_path='Pictures/Sorted/' AND (width > 500 OR height > 500)", "_display_name DESC")
    assert out == "Row: 0 _display_name=b_wide.jpg, width=800\nRow: 1 _display_name=a_tall.jpg, width=100\n"
    out = query(adb_server, phone, IMAGES, "_display_name",
                "_display_name IN ('c_small.jpg', 'a_tall.jpg') AND datetaken IS NULL", "width ASC")
    assert out == "Row: 0 _display_name=c_small.jpg\nRow: 1 _display_name=a_tall.jpg\n"
    (one,) = rows(query(adb_server, phone, IMAGES, "_id", "_display_name='b_wide.jpg'"))
    by_id = query(adb_server, phone, f"{IMAGES}/{one['_id']}", "_display_name:height")
    assert by_id == "Row: 0 _display_name=b_wide.jpg, height=100\n"


def test_where_clause_cannot_run_arbitrary_sql(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, jpeg(10, 10), "/sdcard/Pictures/keep.jpg")
    shell(adb_server, phone, "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d file:///sdcard/Pictures/keep.jpg")
    for where in ("1=1; DROP TABLE files", "_id IN (SELECT _id FROM files)", "load_extension('x')",
                  "_id=1 -- comment"):
        proc = adb_server.run("shell", f'content query --uri {IMAGES} --where "{where}"', serial=phone.serial,
                              check=False)
        assert proc.returncode == 1
        assert proc.stderr.decode().startswith("Error while accessing provider:media\n")
    assert rows(query(adb_server, phone, IMAGES, "_display_name", "_display_name='keep.jpg'"))
    bad = adb_server.run("shell", f"content query --uri {IMAGES} --projection nope", serial=phone.serial, check=False)
    assert bad.stderr.decode() == ("Error while accessing provider:media\n"
                                   "java.lang.IllegalArgumentException: Invalid column nope\n")


def test_full_row_uses_androids_layout_with_null(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, b"plain text", "/sdcard/Documents/notes.txt")
    shell(adb_server, phone, "content call --uri content://media/external/file --method scan_file "
                             "--arg /sdcard/Documents/notes.txt")
    line = query(adb_server, phone, FILES, "_display_name:mime_type:media_type:width:duration:relative_path",
                 "_display_name='notes.txt'")
    assert line == ("Row: 0 _display_name=notes.txt, mime_type=text/plain, media_type=0, width=NULL, "
                    "duration=NULL, relative_path=Documents/\n")
    everything = shell(adb_server, phone, f"content query --uri {FILES} --where \"_display_name='notes.txt'\"")
    assert everything.startswith("Row: 0 _id=")
    for column in ("_data=/storage/emulated/0/Documents/notes.txt", "_size=10", "date_added=", "date_modified=",
                   "datetaken=NULL", "height=NULL", "orientation=NULL", "bucket_id=", "is_pending=0"):
        assert column in everything


def test_content_delete_removes_row_and_file(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, jpeg(30, 30), "/sdcard/Pictures/wipe_me.jpg")
    shell(adb_server, phone, "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE "
                             "-d file:///sdcard/Pictures/wipe_me.jpg")
    assert shell(adb_server, phone, f"content delete --uri {IMAGES} --where \"_display_name='wipe_me.jpg'\"") == ""
    assert query(adb_server, phone, IMAGES, "_id", "_display_name='wipe_me.jpg'") == "No result found.\n"
    assert "No such file" in adb_server.run("shell", "ls /sdcard/Pictures/wipe_me.jpg", serial=phone.serial,
                                            check=False).stderr.decode()


def test_a_thousand_files_are_indexed_by_one_scan(adb_server, phone, tmp_path):
    folder = tmp_path / "Burst"
    folder.mkdir()
    photo = jpeg(16, 12, taken="2022:02:02 02:02:02")
    for i in range(1000):
        (folder / f"burst_{i:04d}.jpg").write_bytes(photo)
    adb_server.run("push", str(folder), "/sdcard/DCIM/", serial=phone.serial)
    shell(adb_server, phone, "content call --uri content://media/none --method scan_volume --arg external_primary")
    out = query(adb_server, phone, IMAGES, "width:datetaken", "relative_path='DCIM/Burst/'")
    found = rows(out)
    assert len(found) == 1000
    assert {(r["width"], r["datetaken"]) for r in found} == {("16", "1643767322000")}


def test_boot_rescans_shared_storage(adb_server, virtual_phone, tmp_path):
    phone = virtual_phone
    push(adb_server, phone, tmp_path, jpeg(40, 30), "/sdcard/DCIM/before.jpg")
    shell(adb_server, phone, "content call --uri content://media/none --method scan_volume --arg external_primary")
    shell(adb_server, phone, "rm /sdcard/DCIM/before.jpg")
    push(adb_server, phone, tmp_path, jpeg(70, 60), "/sdcard/DCIM/after.jpg")
    assert query(adb_server, phone, IMAGES, "_id", "_display_name='after.jpg'") == "No result found.\n"
    adb_server.run("reboot", serial=phone.serial)
    adb_server.run("wait-for-device", serial=phone.serial, timeout=30)
    adb_server.run("shell", "while [ \"$(getprop sys.boot_completed)\" != 1 ]; do sleep 0.1; done",
                   serial=phone.serial, timeout=30)
    assert phone.boot_count == 2
    assert rows(query(adb_server, phone, IMAGES, "width:height", "_display_name='after.jpg'")) == [
        {"width": "70", "height": "60"}]
    assert query(adb_server, phone, IMAGES, "_id", "_display_name='before.jpg'") == "No result found.\n"


def test_insert_then_update_moves_the_file_and_bumps_the_generation(adb_server, phone):
    def generation() -> int:
        out = shell(adb_server, phone, f"content call --uri {FILES} --method get_generation")
        return int(re.fullmatch(r"Result: Bundle\[\{android\.intent\.extra\.INDEX=(\d+)\}\]\n", out).group(1))

    before = generation()
    shell(adb_server, phone, f"content insert --uri {IMAGES} --bind _display_name:s:made.jpg "
                             "--bind relative_path:s:Pictures/Maker/ --bind is_pending:i:1")
    (row,) = rows(query(adb_server, phone, IMAGES, "_data:is_pending", "_display_name='made.jpg'"))
    assert row == {"_data": "/storage/emulated/0/Pictures/Maker/made.jpg", "is_pending": "1"}
    assert phone.storage.exists("/sdcard/Pictures/Maker/made.jpg")
    shell(adb_server, phone, f"content update --uri {IMAGES} --bind is_pending:i:0 "
                             f"--bind relative_path:s:DCIM/Moved/ --where \"_display_name='made.jpg'\"")
    (row,) = rows(query(adb_server, phone, IMAGES, "_data:relative_path:bucket_display_name:is_pending",
                        "_display_name='made.jpg'"))
    assert row == {"_data": "/storage/emulated/0/DCIM/Moved/made.jpg", "relative_path": "DCIM/Moved/",
                   "bucket_display_name": "Moved", "is_pending": "0"}
    assert phone.storage.exists("/sdcard/DCIM/Moved/made.jpg")
    assert not phone.storage.exists("/sdcard/Pictures/Maker/made.jpg")
    assert generation() >= before + 2


def test_content_reaches_the_settings_provider(adb_server, phone):
    shell(adb_server, phone, "content insert --uri content://settings/global --bind name:s:backup_probe "
                             "--bind value:s:on")
    assert shell(adb_server, phone, "settings get global backup_probe") == "on\n"
    out = query(adb_server, phone, "content://settings/global", "name:value", "name='backup_probe'")
    assert out == "Row: 0 name=backup_probe, value=on\n"
    shell(adb_server, phone, "content delete --uri content://settings/global --where \"name='backup_probe'\"")
    assert shell(adb_server, phone, "settings get global backup_probe") == "null\n"
    missing = adb_server.run("shell", "content query --uri content://com.example.nothing/items",
                             serial=phone.serial, check=False)
    assert missing.returncode == 1
    assert missing.stderr.decode().endswith("Could not find provider: com.example.nothing\n")


def test_scan_reads_webp_gif_and_heic_from_their_content(adb_server, phone, tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2019:05:06 07:08:09"
    exif.get_ifd(0x8769)[36881] = "-05:00"
    made = {}
    for name, fmt, size in (("w.webp", "WEBP", (321, 123)), ("g.gif", "GIF", (77, 55)), ("h.heic", "HEIF", (96, 64))):
        buf = io.BytesIO()
        Image.new("RGB", size, (9, 99, 199)).save(buf, fmt, **({"exif": exif} if fmt != "GIF" else {}))
        push(adb_server, phone, tmp_path, buf.getvalue(), f"/sdcard/Pictures/Formats/{name}")
        made[name] = size
    shell(adb_server, phone, "content call --uri content://media/external/file --method scan_file "
                             "--arg /sdcard/Pictures/Formats")
    found = {r["_display_name"]: r for r in rows(query(
        adb_server, phone, IMAGES, "_display_name:mime_type:width:height:datetaken",
        "relative_path='Pictures/Formats/'"))}
    taken = str(int(dt.datetime(2019, 5, 6, 12, 8, 9, tzinfo=dt.timezone.utc).timestamp() * 1000))
    assert found == {
        "w.webp": {"_display_name": "w.webp", "mime_type": "image/webp", "width": "321", "height": "123",
                   "datetaken": taken},
        "g.gif": {"_display_name": "g.gif", "mime_type": "image/gif", "width": "77", "height": "55",
                  "datetaken": "NULL"},
        "h.heic": {"_display_name": "h.heic", "mime_type": "image/heic", "width": "96", "height": "64",
                   "datetaken": taken},
    }


def test_app_private_folders_are_not_indexed(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, jpeg(12, 12), "/sdcard/Android/data/com.example.app/files/cache.jpg")
    push(adb_server, phone, tmp_path, jpeg(12, 12), "/sdcard/Android/media/com.example.app/shared.jpg")
    shell(adb_server, phone, "content call --uri content://media/none --method scan_volume --arg external_primary")
    assert query(adb_server, phone, IMAGES, "_id", "_display_name='cache.jpg'") == "No result found.\n"
    assert rows(query(adb_server, phone, IMAGES, "relative_path", "_display_name='shared.jpg'")) == [
        {"relative_path": "Android/media/com.example.app/"}]


def test_favorite_flag_survives_a_rescan_of_the_changed_file(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, jpeg(20, 20), "/sdcard/Pictures/fav.jpg")
    scan = "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d file:///sdcard/Pictures/fav.jpg"
    shell(adb_server, phone, scan)
    shell(adb_server, phone, f"content update --uri {IMAGES} --bind is_favorite:i:1 --where \"_display_name='fav.jpg'\"")
    push(adb_server, phone, tmp_path, jpeg(40, 30), "/sdcard/Pictures/fav.jpg")  # edited in place
    shell(adb_server, phone, scan)
    assert rows(query(adb_server, phone, IMAGES, "width:height:is_favorite", "_display_name='fav.jpg'")) == [
        {"width": "40", "height": "30", "is_favorite": "1"}]


def m4a(seconds: int, rate: int = 8000) -> bytes:
    """Silent AAC audio in an MP4 container (.m4a)."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="ipod") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        for start in range(0, rate * seconds, 1024):
            frame = av.AudioFrame(format="s16", layout="mono", samples=1024)
            frame.planes[0].update(bytes(2048))
            frame.sample_rate, frame.pts = rate, start
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buf.getvalue()


def test_audio_is_indexed_with_its_duration(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, m4a(3), "/sdcard/Music/tone.m4a")
    shell(adb_server, phone, "content call --uri content://media/external/file --method scan_file "
                             "--arg /sdcard/Music/tone.m4a")
    (row,) = rows(query(adb_server, phone, "content://media/external/audio/media",
                        "mime_type:media_type:duration:width", "_display_name='tone.m4a'"))
    assert row["mime_type"] == "audio/mp4" and row["media_type"] == "2" and row["width"] == "NULL"
    assert 2900 <= int(row["duration"]) <= 3200


def test_portrait_video_reports_its_rotation(adb_server, phone, tmp_path):
    push(adb_server, phone, tmp_path, mp4(64, 48, 1, "2024-03-03T03:03:03Z", rotation=-90),
         "/sdcard/DCIM/Camera/portrait.mp4")
    shell(adb_server, phone, "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE "
                             "-d file:///sdcard/DCIM/Camera/portrait.mp4")
    assert rows(query(adb_server, phone, "content://media/external/video/media", "width:height:orientation",
                      "_display_name='portrait.mp4'")) == [{"width": "64", "height": "48", "orientation": "90"}]
