"""The display and input: `input` delivered to the foreground app and recorded, `screencap` (a PNG
drawn from the view tree), `uiautomator dump`, `wm`, and `dumpsys window|power` (focus, lock,
wakefulness as Appium reads them). Not for what apps show: each app builds its own `View` tree.
"""

from __future__ import annotations

import io
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .activity import record_line
from .androidtool import phone_of
from .apps.base import SCREEN_HEIGHT, SCREEN_WIDTH, STATUS_BAR_HEIGHT, View
from .dumpsys import ServiceCommands
from .shell.api import Context, applet
from .shell.streams import BrokenPipe

DENSITY = 420
KEYCODES = {  # android.view.KeyEvent
    "HOME": 3, "BACK": 4, "CALL": 5, "ENDCALL": 6, **{str(d): 7 + d for d in range(10)},
    "STAR": 17, "POUND": 18, "DPAD_UP": 19, "DPAD_DOWN": 20, "DPAD_LEFT": 21, "DPAD_RIGHT": 22,
    "DPAD_CENTER": 23, "VOLUME_UP": 24, "VOLUME_DOWN": 25, "POWER": 26, "CAMERA": 27, "CLEAR": 28,
    **{chr(ord("A") + i): 29 + i for i in range(26)}, "COMMA": 55, "PERIOD": 56, "TAB": 61,
    "SPACE": 62, "ENTER": 66, "DEL": 67, "MENU": 82, "SEARCH": 84, "ESCAPE": 111, "FORWARD_DEL": 112,
    "MOVE_HOME": 122, "MOVE_END": 123, "APP_SWITCH": 187, "SLEEP": 223, "WAKEUP": 224,
}
KEY_HOME, KEY_BACK, KEY_POWER, KEY_SLEEP, KEY_WAKEUP = 3, 4, 26, 223, 224

SCREENCAP_HEADER = struct.Struct("<4I")  # screencap.cpp raw output: width, height, format, dataspace
FORMAT_RGBA_8888 = 1  # PixelFormat.h: PIXEL_FORMAT_RGBA_8888
# daemon/framebuffer_service.cpp: struct fbinfo, version 2 (adds colorSpace after bpp)
FBINFO = struct.Struct("<14I")
DDMS_RAWIMAGE_VERSION = 2
# (offset, length) of red, blue, green, alpha in a little-endian RGBA_8888 pixel, in fbinfo's order
RGBA_8888_CHANNELS = (0, 8, 16, 8, 8, 8, 24, 8)


@dataclass(frozen=True)
class InputEvent:
    """One `input` command as the phone received it (tests and fault injection read these)."""

    kind: str  # tap, swipe, text, keyevent
    args: tuple
    time: float
    target: str | None  # package of the foreground app it went to


class Screen:
    """Display state (on/off, size, density) and the record of input events."""

    def __init__(self, system: Any):
        self.system = system
        self.is_on = True
        self.override_size: tuple[int, int] | None = None
        self.override_density: int | None = None
        self.events: deque[InputEvent] = deque(maxlen=10_000)  # the most recent input, oldest first
        self._lock = threading.Lock()

    def on_boot_completed(self) -> None:
        self.is_on = True  # a phone comes back from a reboot awake, showing the home screen

    @property
    def size(self) -> tuple[int, int]:
        return self.override_size or (SCREEN_WIDTH, SCREEN_HEIGHT)

    @property
    def density(self) -> int:
        return self.override_density or DENSITY

    def _record(self, kind: str, args: tuple) -> str | None:
        top = self.system.activity.top
        target = top.package if top else None
        with self._lock:
            self.events.append(InputEvent(kind, args, time.time(), target))
        return target

    def current_tree(self) -> tuple[str, View]:
        """(package, root view) of what the screen shows now."""
        app = self.system.activity.foreground_app
        if app is None:
            return "", View()
        with app.lock:
            return app.package, app.view_tree()

    # -- input -----------------------------------------------------------------------------------
    def tap(self, x: int, y: int) -> View | None:
        """Hit-test the foreground app's screen and deliver the tap; returns the view it hit."""
        self._record("tap", (x, y))
        if not self.is_on:
            return None
        app = self.system.activity.foreground_app
        if app is None:
            return None
        with app.lock:
            view = app.view_tree().hit(x, y)
            if view is not None:
                app.on_tap(view)
        return view

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        self._record("swipe", (x1, y1, x2, y2, duration_ms))
        app = self.system.activity.foreground_app
        if app is not None and self.is_on:
            with app.lock:
                app.on_swipe(x1, y1, x2, y2, duration_ms)

    def text(self, text: str) -> None:
        self._record("text", (text,))
        app = self.system.activity.foreground_app
        if app is not None and self.is_on:
            with app.lock:
                app.on_text(text)

    def key(self, code: int, longpress: bool = False) -> None:
        self._record("keyevent", (code, longpress))
        if code in (KEY_POWER, KEY_SLEEP, KEY_WAKEUP):
            self.is_on = (not self.is_on) if code == KEY_POWER else code == KEY_WAKEUP
            return
        if not self.is_on:
            return
        am = self.system.activity
        if code == KEY_HOME:
            am.go_home()
            return
        app = am.foreground_app
        consumed = False
        if app is not None:
            with app.lock:
                consumed = app.on_key(code)
        if code == KEY_BACK and not consumed:
            am.finish_top()

    # -- rendering -------------------------------------------------------------------------------
    def render(self) -> Image.Image:
        """The current screen as an RGB image (panel size, whatever `wm size` says)."""
        package, root = self.current_tree()
        image = Image.new("RGB", (SCREEN_WIDTH, SCREEN_HEIGHT), "white" if self.is_on else "black")
        if self.is_on:
            draw = ImageDraw.Draw(image)
            for view in root.walk():
                _draw_view(draw, view)
            draw.rectangle((0, 0, SCREEN_WIDTH, STATUS_BAR_HEIGHT - 1), fill="#202124")
            draw.text((40, 12), time.strftime("%H:%M", time.gmtime()), fill="white", font=_font(36))
        if self.size != (SCREEN_WIDTH, SCREEN_HEIGHT):
            image = image.resize(self.size)
        return image

    def png(self) -> bytes:
        out = io.BytesIO()
        self.render().save(out, "PNG", compress_level=1)  # speed over size: screenshots are frequent
        return out.getvalue()

    def raw(self) -> bytes:
        """screencap without -p: width, height, format (1 = RGBA_8888), colorspace (1 = sRGB), pixels."""
        image = self.render().convert("RGBA")
        return SCREENCAP_HEADER.pack(image.width, image.height, FORMAT_RGBA_8888, 1) + image.tobytes()

    def framebuffer(self) -> bytes:
        """What adbd's `framebuffer:` service sends: the raw screencap turned into a DDMS raw image
        header (struct fbinfo) and the same pixels, as daemon/framebuffer_service.cpp does."""
        raw = self.raw()
        width, height, fmt, color_space = SCREENCAP_HEADER.unpack_from(raw)
        if fmt != FORMAT_RGBA_8888:
            raise ValueError(f"screencap format {fmt}: the framebuffer service sends RGBA_8888 only")
        header = FBINFO.pack(DDMS_RAWIMAGE_VERSION, 32, color_space, width * height * 4, width, height,
                             *RGBA_8888_CHANNELS)
        return header + raw[SCREENCAP_HEADER.size:]

    def hierarchy_xml(self) -> str:
        """The screen as `uiautomator dump` writes it (one line, Android's attribute order)."""
        package, root = self.current_tree()
        parts = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">"]
        _xml_node(parts, root, 0, package)
        parts.append("</hierarchy>")
        return "".join(parts)


_FONTS: dict[int, ImageFont.ImageFont | ImageFont.FreeTypeFont] = {}


def _font(size: int):
    if size not in _FONTS:
        try:
            _FONTS[size] = ImageFont.load_default(size=size)
        except (TypeError, OSError):  # Pillow without FreeType: the fixed bitmap font
            _FONTS[size] = ImageFont.load_default()
    return _FONTS[size]


def _draw_view(draw: ImageDraw.ImageDraw, view: View) -> None:
    left, top, right, bottom = view.bounds
    if right <= left or bottom <= top:
        return
    box = (left, top, right - 1, bottom - 1)
    cls = view.cls.rsplit(".", 1)[-1]
    if "Button" in cls and "Radio" not in cls:
        draw.rounded_rectangle(box, radius=24, fill="#1a73e8" if view.enabled else "#dadce0")
        color = "white"
    elif view.checkable:
        track = (right - 150, (top + bottom) // 2 - 22, right - 40, (top + bottom) // 2 + 22)
        draw.rounded_rectangle(track, radius=22, fill="#8ab4f8" if view.checked else "#bdc1c6")
        knob_x = track[2] - 22 if view.checked else track[0] + 22
        draw.ellipse((knob_x - 26, track[1] - 4, knob_x + 26, track[3] + 4),
                     fill="#1a73e8" if view.checked else "#f1f3f4", outline="#5f6368")
        color = "#202124"
    elif cls == "TextView" and view.clickable and bottom - top >= 200 and right - left <= 400:
        # An icon with its label below (the launcher's BubbleTextView): a round badge with the
        # initial, so screenshots show which app is where.
        cx, radius = (left + right) // 2, min(right - left, bottom - top) // 4
        cy = top + radius + 20
        palette = ("#1a73e8", "#d93025", "#188038", "#f9ab00", "#9334e6", "#12b5cb")
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius),
                     fill=palette[sum(map(ord, view.text)) % len(palette)])
        draw.text((cx, cy), (view.text or "?")[:1].upper(), fill="white", font=_font(radius), anchor="mm")
        draw.text((cx, bottom - 40), view.text, fill="#202124", font=_font(34), anchor="ms")
        return
    elif "EditText" in cls:
        draw.rectangle(box, outline="#5f6368", width=3)
        color = "#202124"
    else:
        if view.clickable:
            draw.rectangle(box, outline="#dadce0", width=2)
        color = "#202124" if view.enabled else "#9aa0a6"
    label = view.text or ("" if view.children else view.content_desc)
    if label:
        size = max(18, min(44, (bottom - top) * 2 // 5))
        shown = "•" * len(label) if view.password else label
        draw.text((left + 24, (top + bottom) // 2), shown, fill=color, font=_font(size), anchor="lm")


def quoteattr(value: str) -> str:
    """An attribute value as Android's XmlSerializer writes it: always double quotes, escaped."""
    escaped = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               .replace('"', "&quot;"))
    escaped = "".join(f"&#{ord(c)};" if ord(c) < 32 else c for c in escaped)
    return f'"{escaped}"'


def _xml_node(parts: list[str], view: View, index: int, package: str) -> None:
    b = view.bounds

    def flag(value: bool) -> str:
        return "true" if value else "false"

    parts.append(
        f"<node index=\"{index}\" text={quoteattr(view.text)} resource-id={quoteattr(view.resource_id)} "
        f"class={quoteattr(view.cls)} package={quoteattr(package)} content-desc={quoteattr(view.content_desc)} "
        f"checkable=\"{flag(view.checkable)}\" checked=\"{flag(view.checked)}\" "
        f"clickable=\"{flag(view.clickable)}\" enabled=\"{flag(view.enabled)}\" "
        f"focusable=\"{flag(view.focusable)}\" focused=\"{flag(view.focused)}\" "
        f"scrollable=\"{flag(view.scrollable)}\" long-clickable=\"{flag(view.long_clickable)}\" "
        f"password=\"{flag(view.password)}\" selected=\"{flag(view.selected)}\" "
        f"bounds=\"[{b[0]},{b[1]}][{b[2]},{b[3]}]\"")
    if not view.children:
        parts.append(" />")
        return
    parts.append(">")
    for i, child in enumerate(view.children):
        _xml_node(parts, child, i, package)
    parts.append("</node>")


# -- commands --------------------------------------------------------------------------------------
def _screen(ctx: Context) -> Screen:
    return phone_of(ctx).system.screen


INPUT_USAGE = """Usage: input [<source>] [-d DISPLAY_ID] <command> [<arg>...]

The commands and default sources are:
      text <string> (Default: keyboard)
      keyevent [--longpress|--duration <duration to hold key down in ms>] [--doubletap] [--async] [--delay <duration between keycodes in ms>] <key code number or name> ... (Default: keyboard)
      tap <x> <y> (Default: touchscreen)
      swipe <x1> <y1> <x2> <y2> [duration(ms)] (Default: touchscreen)
      draganddrop <x1> <y1> <x2> <y2> [duration(ms)] (Default: touchscreen)
      press (Default: trackball)
      roll <dx> <dy> (Default: trackball)
"""
SOURCES = ("keyboard", "mouse", "joystick", "touchnavigation", "touchpad", "trackball", "stylus", "dpad",
           "gesture", "touchscreen", "gamepad", "rotaryencoder")


def keycode(name: str) -> int | None:
    if name.lstrip("-").isdigit():
        return int(name)
    return KEYCODES.get(name.upper().removeprefix("KEYCODE_"))


@applet("input")
def input_command(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if args and args[0] in SOURCES:
        args = args[1:]
    if args[:1] == ["-d"]:
        args = args[2:]
    if not args:
        ctx.out(INPUT_USAGE)
        return 1
    screen = _screen(ctx)
    verb, rest = args[0], args[1:]
    try:
        if verb == "tap" and len(rest) == 2:
            screen.tap(int(float(rest[0])), int(float(rest[1])))
            return 0
        if verb in ("swipe", "draganddrop") and len(rest) in (4, 5):
            x1, y1, x2, y2 = (int(float(v)) for v in rest[:4])
            screen.swipe(x1, y1, x2, y2, int(rest[4]) if len(rest) == 5 else 300)
            return 0
        if verb == "text" and rest:
            # `input text` takes %s for a space (the shell split on real spaces)
            screen.text(" ".join(rest).replace("%s", " "))
            return 0
        if verb == "keyevent" and rest:
            longpress = False
            for arg in rest:
                if arg in ("--longpress", "--doubletap", "--async"):
                    longpress = longpress or arg == "--longpress"
                    continue
                code = keycode(arg)
                if code is None:
                    ctx.stderr.write(f"Error: Unknown keycode: {arg}\n".encode())
                    return 1
                screen.key(code, longpress)
            return 0
    except ValueError as exc:
        ctx.stderr.write(f"Error: {exc}\n".encode())
        return 1
    ctx.stderr.write(f"Error: Unknown command: {verb}\n".encode())
    ctx.out(INPUT_USAGE)
    return 1


@applet("screencap")
def screencap(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    as_png = "-p" in args
    paths = [a for a in args if not a.startswith("-")]
    if "-h" in args:
        ctx.out("usage: screencap [-hp] [-d display-id] [FILENAME]\n   -h: this message\n"
                "   -p: save the file as a png.\n   -d: specify the display ID to capture\n"
                "If FILENAME ends with .png it will be saved as a png.\nIf FILENAME is not given, "
                "the results will be printed to stdout.\n")
        return 0
    screen = _screen(ctx)
    if paths and paths[0] != "-":
        data = screen.png() if as_png or paths[0].endswith(".png") else screen.raw()
        try:
            ctx.storage.write_bytes(paths[0], data, ctx.cwd)
        except OSError as exc:
            ctx.stderr.write(f"Error opening file: {paths[0]} ({exc.strerror})\n".encode())
            return 1
        return 0
    try:
        ctx.stdout.write(screen.png() if as_png else screen.raw())
    except BrokenPipe:
        return 141
    return 0


@applet("uiautomator")
def uiautomator(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    if args[:1] != ["dump"]:
        ctx.out("Usage: uiautomator <subcommand> [options]\n\nAvailable subcommands:\n\n"
                "help: displays help message\n\nruntest: executes UI automation tests\n\n"
                "dump: creates an XML dump of current UI hierarchy\n\nevents: prints out accessibility events\n")
        return 0 if not args or args[0] == "help" else 1
    paths = [a for a in args[1:] if not a.startswith("--")]
    path = paths[0] if paths else "/sdcard/window_dump.xml"
    xml = _screen(ctx).hierarchy_xml().encode()
    if path in ("/dev/tty", "/dev/stdout", "/proc/self/fd/1"):
        ctx.stdout.write(xml)
    else:
        try:
            ctx.storage.write_bytes(path, xml, ctx.cwd)
        except OSError as exc:
            ctx.stderr.write(f"ERROR: could not write to {path}: {exc.strerror}\n".encode())
            return 1
    # "hierchary" is Android's own spelling; scripts grep for it
    ctx.out(f"UI hierchary dumped to: {path}\n")
    return 0


# -- dumpsys window / power: what Appium's unlock and focus checks read ------------------------
def _dumpsys_window(ctx: Context, args: list[str]) -> int:
    am = phone_of(ctx).system.activity
    screen = _screen(ctx)
    on, top = screen.is_on, am.top
    width, height = screen.size
    density = screen.density
    ctx.out("WINDOW MANAGER DISPLAY CONTENTS (dumpsys window displays)\n"
            f"  Display: mDisplayId=0 rootTasks=1\n"
            f"    init={SCREEN_WIDTH}x{SCREEN_HEIGHT} {density}dpi cur={width}x{height} app={width}x{height} "
            f"rng={width}x{height}-{height}x{width}\n")
    if top is not None:
        focus = f"Window{{{top.token} u0 {top.component}}}"
        ctx.out(f"  mCurrentFocus={focus}\n  mFocusedApp={record_line(top)}\n")
    else:
        ctx.out("  mCurrentFocus=null\n  mFocusedApp=null\n")
    ctx.out("\nWINDOW MANAGER POLICY STATE (dumpsys window policy)\n"
            f"    mKeyguardDrawComplete=true mWindowManagerDrawComplete=true\n"
            f"    mShowingLockscreen=false mShowingDream=false mDreamingLockscreen=false\n"
            f"    mScreenOnEarly={str(on).lower()} mScreenOnFully={str(on).lower()}\n"
            f"    KeyguardServiceDelegate\n      showing=false\n      inputRestricted=false\n"
            f"      KeyguardStateMonitor\n        mIsShowing=false\n        mInputRestricted=false\n")
    return 0


def _dumpsys_power(ctx: Context, args: list[str]) -> int:
    on = _screen(ctx).is_on
    state = phone_of(ctx).emulator_state
    ctx.out("POWER MANAGER (dumpsys power)\n\nPower Manager State:\n"
            "  mDirty=0x0\n"
            f"  mWakefulness={'Awake' if on else 'Asleep'}\n"
            "  mWakefulnessChanging=false\n"
            f"  mIsPowered={str(state.ac_online).lower()}\n"
            f"  mPlugType={1 if state.ac_online else 0}\n"
            f"  mBatteryLevel={state.battery_capacity}\n"
            "  mStayOn=false\n"
            f"  mHoldingDisplaySuspendBlocker={str(on).lower()}\n"
            f"Display Power: state={'ON' if on else 'OFF'}\n")
    return 0


@applet("wm")
def wm(ctx: Context, argv: list[str]) -> int:
    args = argv[1:]
    screen = _screen(ctx)
    if args[:1] == ["size"]:
        if len(args) == 1:
            ctx.out(f"Physical size: {SCREEN_WIDTH}x{SCREEN_HEIGHT}\n")
            if screen.override_size:
                ctx.out(f"Override size: {screen.override_size[0]}x{screen.override_size[1]}\n")
            return 0
        if args[1] == "reset":
            screen.override_size = None
            return 0
        width, sep, height = args[1].partition("x")
        if not (sep and width.isdigit() and height.isdigit()):
            ctx.stderr.write(f"Error: bad size {args[1]}\n".encode())
            return 255
        screen.override_size = (int(width), int(height))
        return 0
    if args[:1] == ["density"]:
        if len(args) == 1:
            ctx.out(f"Physical density: {DENSITY}\n")
            if screen.override_density:
                ctx.out(f"Override density: {screen.override_density}\n")
            return 0
        if args[1] == "reset":
            screen.override_density = None
            return 0
        if not args[1].isdigit():
            ctx.stderr.write(f"Error: bad number {args[1]}\n".encode())
            return 255
        screen.override_density = int(args[1])
        return 0
    ctx.out("Window manager (window) commands:\n  help\n      Print this help text.\n"
            "  size [reset|WxH|WdpxHdp] [-d DISPLAY_ID]\n      Return or override display size.\n"
            "  density [reset|DENSITY] [-d DISPLAY_ID]\n      Return or override display density.\n")
    return 0 if not args or args[0] == "help" else 255


#: The `dumpsys NAME` and `cmd NAME` this module answers (the phone's table collects them).
SERVICE_COMMANDS = ServiceCommands(
    dumpsys={"window": _dumpsys_window, "power": _dumpsys_power},
    cmd={"input": lambda ctx, args: input_command(ctx, ["input", *args]),
         "window": lambda ctx, args: wm(ctx, ["wm", *args])},
)
