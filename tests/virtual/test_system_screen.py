"""The screen through the real adb: input tap/keyevent/text reach the foreground app, screencap
is a real PNG of the view tree, the framebuffer service sends the same pixels as a DDMS raw image,
uiautomator dump writes Android's XML, wm reports the panel."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from pytest_phonebackup.virtual.apps import View, VirtualApp

LAUNCHER = "com.google.android.apps.nexuslauncher"
NODE_ATTRIBUTES = ["index", "text", "resource-id", "class", "package", "content-desc", "checkable", "checked",
                   "clickable", "enabled", "focusable", "focused", "scrollable", "long-clickable", "password",
                   "selected", "bounds"]


@pytest.fixture(autouse=True)
def home_screen(adb_server, phone):
    yield
    adb_server.run("shell", "am force-stop com.android.settings; input keyevent KEYCODE_WAKEUP; "
                   "input keyevent KEYCODE_HOME; wm size reset", serial=phone.serial)


def sh(adb_server, phone, command: str):
    return adb_server.run("shell", command, serial=phone.serial)


def dump(adb_server, phone) -> ET.Element:
    assert sh(adb_server, phone, "uiautomator dump").stdout == b"UI hierchary dumped to: /sdcard/window_dump.xml\n"
    return ET.fromstring(adb_server.run("exec-out", "cat /sdcard/window_dump.xml", serial=phone.serial).stdout)


def center(node: ET.Element) -> tuple[int, int]:
    left_top, right_bottom = node.get("bounds")[1:-1].split("][")
    (left, top), (right, bottom) = (map(int, left_top.split(",")), map(int, right_bottom.split(",")))
    return (left + right) // 2, (top + bottom) // 2


def test_uiautomator_dump_is_androids_xml(adb_server, phone):
    root = dump(adb_server, phone)
    assert root.tag == "hierarchy" and root.get("rotation") == "0"
    nodes = list(root.iter("node"))
    assert nodes and all(list(node.attrib) == NODE_ATTRIBUTES for node in nodes)
    assert {node.get("package") for node in nodes} == {LAUNCHER}
    assert nodes[0].get("bounds") == "[0,0][1080,2400]"
    labels = [node.get("text") for node in nodes if node.get("clickable") == "true"]
    assert "Settings" in labels


def test_uiautomator_dump_to_tty_prints_the_xml(adb_server, phone):
    text = sh(adb_server, phone, "uiautomator dump /dev/tty").stdout.decode()
    xml, _, last = text.rpartition("UI hierchary dumped to: /dev/tty\n")
    assert last == "" and xml.startswith("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy")


def test_tapping_a_launcher_icon_starts_the_app(adb_server, phone):
    icon = next(n for n in dump(adb_server, phone).iter("node") if n.get("text") == "Settings")
    x, y = center(icon)
    sh(adb_server, phone, f"input tap {x} {y}")
    assert phone.system.activity.top.short == "com.android.settings/.Settings"
    assert "mCurrentFocus=Window{" in sh(adb_server, phone, "dumpsys window").stdout.decode()
    assert phone.system.screen.events[-1].kind == "tap" and phone.system.screen.events[-1].args == (x, y)
    # The Settings screen's Wi-Fi switch is wired to the phone's network state
    switch = next(n for n in dump(adb_server, phone).iter("node")
                  if n.get("resource-id") == "com.android.settings:id/wifi_switch")
    assert switch.get("checked") == "true" and switch.get("package") == "com.android.settings"
    sh(adb_server, phone, "input tap {} {}".format(*center(switch)))
    assert sh(adb_server, phone, "settings get global wifi_on").stdout == b"0\n"
    sh(adb_server, phone, "svc wifi enable")


def test_a_tap_on_empty_space_does_nothing(adb_server, phone):
    sh(adb_server, phone, "input tap 5 2300")
    assert phone.system.activity.top.package == LAUNCHER


class TypingApp(VirtualApp):
    package = "com.android.settings"
    activities = (".Settings",)

    def __init__(self, phone):
        super().__init__(phone)
        self.typed: list[str] = []
        self.keys: list[int] = []

    def view_tree(self) -> View:
        return View(children=[View(cls="android.widget.EditText", text="".join(self.typed), focused=True,
                                   resource_id="com.android.settings:id/field", bounds=(40, 200, 1040, 340))])

    def on_text(self, text: str) -> None:
        self.typed.append(text)

    def on_key(self, code: int) -> bool:
        self.keys.append(code)
        return code != 4


def test_text_and_keys_reach_the_foreground_app(adb_server, phone):
    from pytest_phonebackup.virtual.apps import SettingsApp

    phone.system.activity.builtin["com.android.settings"] = TypingApp
    try:
        sh(adb_server, phone, "am start -W -n com.android.settings/.Settings")
        sh(adb_server, phone, "input text hello%sphone; input keyevent KEYCODE_ENTER 82")
        app = phone.system.activity.foreground_app
        assert app.typed == ["hello phone"] and app.keys == [66, 82]
        sh(adb_server, phone, "input text '<&\"quoted\">'")
        field = next(n for n in dump(adb_server, phone).iter("node") if n.get("class") == "android.widget.EditText")
        assert field.get("text") == 'hello phone<&"quoted">' and field.get("focused") == "true"
        raw = sh(adb_server, phone, "uiautomator dump /dev/tty").stdout.decode()
        assert 'text="hello phone&lt;&amp;&quot;quoted&quot;&gt;"' in raw
    finally:
        phone.system.activity.builtin["com.android.settings"] = SettingsApp


def test_screencap_png_is_a_real_picture_of_the_screen(adb_server, phone):
    data = adb_server.run("exec-out", "screencap -p", serial=phone.serial).stdout
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (1080, 2400)
    assert sum(1 for count in image.convert("L").histogram() if count) > 2  # icons and text drawn, not a blank frame
    sh(adb_server, phone, "am start -W -n com.android.settings/.Settings")
    other = Image.open(io.BytesIO(adb_server.run("exec-out", "screencap -p", serial=phone.serial).stdout))
    assert other.tobytes() != image.tobytes()


def test_screencap_to_a_file_and_raw(adb_server, phone, tmp_path):
    sh(adb_server, phone, "screencap -p /sdcard/shot.png")
    adb_server.run("pull", "/sdcard/shot.png", str(tmp_path / "shot.png"), serial=phone.serial)
    assert Image.open(tmp_path / "shot.png").size == (1080, 2400)
    raw = adb_server.run("exec-out", "screencap", serial=phone.serial).stdout
    width, height, fmt, _space = struct.unpack("<4I", raw[:16])
    assert (width, height, fmt) == (1080, 2400, 1) and len(raw) == 16 + width * height * 4


# daemon/framebuffer_service.cpp, struct fbinfo version 2: fourteen little-endian uint32
FBINFO_FIELDS = ("version", "bpp", "colorSpace", "size", "width", "height", "red_offset", "red_length",
                 "blue_offset", "blue_length", "green_offset", "green_length", "alpha_offset", "alpha_length")


def framebuffer(adb_server, phone) -> tuple[dict[str, int], bytes]:
    """OPEN `framebuffer:` on the phone through the adb server; the header as a dict, and the pixels."""
    data = adb_server.service(phone.serial, "framebuffer:")
    header = dict(zip(FBINFO_FIELDS, struct.unpack_from("<14I", data), strict=True))
    return header, data[14 * 4:]


def screencap_rgba(adb_server, phone) -> bytes:
    png = adb_server.run("exec-out", "screencap -p", serial=phone.serial).stdout
    return Image.open(io.BytesIO(png)).convert("RGBA").tobytes()


@pytest.mark.parametrize("size", [None, "720x1600"])
def test_framebuffer_service_sends_the_screencap_pixels(adb_server, phone, size):
    if size:
        sh(adb_server, phone, f"wm size {size}")
    width, height = (1080, 2400) if size is None else (720, 1600)
    before = screencap_rgba(adb_server, phone)
    header, pixels = framebuffer(adb_server, phone)
    after = screencap_rgba(adb_server, phone)  # the status bar clock may turn a minute meanwhile
    assert header == {"version": 2, "bpp": 32, "colorSpace": 1, "size": width * height * 4,
                      "width": width, "height": height,
                      "red_offset": 0, "red_length": 8, "blue_offset": 16, "blue_length": 8,
                      "green_offset": 8, "green_length": 8, "alpha_offset": 24, "alpha_length": 8}
    assert len(pixels) == width * height * 4
    assert pixels in (before, after)
    assert len(set(pixels[i:i + 4] for i in range(0, len(pixels), 4 * 997))) > 2  # a drawn screen


def test_framebuffer_follows_what_the_screen_shows(adb_server, phone):
    _, home = framebuffer(adb_server, phone)
    sh(adb_server, phone, "am start -W -n com.android.settings/.Settings")
    _, settings = framebuffer(adb_server, phone)
    assert settings != home
    sh(adb_server, phone, "input keyevent KEYCODE_SLEEP")
    _, dark = framebuffer(adb_server, phone)
    assert dark == bytes([0, 0, 0, 255]) * (1080 * 2400)


def test_power_key_turns_the_screen_off(adb_server, phone):
    sh(adb_server, phone, "input keyevent 26")
    assert "mScreenOnFully=false" in sh(adb_server, phone, "dumpsys window").stdout.decode()
    assert "mWakefulness=Asleep" in sh(adb_server, phone, "dumpsys power").stdout.decode()
    sh(adb_server, phone, "input keyevent KEYCODE_WAKEUP")
    assert "mScreenOnFully=true" in sh(adb_server, phone, "dumpsys window").stdout.decode()


def test_wm_size_and_density(adb_server, phone):
    assert sh(adb_server, phone, "wm size").stdout == b"Physical size: 1080x2400\n"
    assert sh(adb_server, phone, "wm density").stdout == b"Physical density: 420\n"
    sh(adb_server, phone, "wm size 720x1600")
    assert sh(adb_server, phone, "wm size").stdout == b"Physical size: 1080x2400\nOverride size: 720x1600\n"
    data = adb_server.run("exec-out", "screencap -p", serial=phone.serial).stdout
    assert Image.open(io.BytesIO(data)).size == (720, 1600)


def test_unknown_keycode_is_an_error(adb_server, phone):
    proc = adb_server.run("shell", "input keyevent KEYCODE_NOPE", serial=phone.serial, check=False)
    assert proc.returncode == 1 and b"Unknown keycode" in proc.stderr
