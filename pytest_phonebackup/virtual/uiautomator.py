"""The Appium UiAutomator2 server as the virtual phone runs it: `am instrument ... io.appium.uiautomator2
.server.test/androidx.test.runner.AndroidJUnitRunner` serves the server's HTTP API on device socket
tcp:6790 from the foreground app's view tree; plus the io.appium.settings helper app. Not for Appium
itself (the real server and driver run on the host) nor for what apps show (each app's `View` tree).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

from .activity import InstrumentationRun
from .androidtool import phone_of
from .apps.base import SCREEN_HEIGHT, SCREEN_WIDTH, STATUS_BAR_HEIGHT, Intent, View, VirtualApp, register_app

SERVER_PACKAGE = "io.appium.uiautomator2.server"
TEST_PACKAGE = "io.appium.uiautomator2.server.test"
RUNNER = f"{TEST_PACKAGE}/androidx.test.runner.AndroidJUnitRunner"
DEVICE_PORT = "tcp:6790"  # SRV: ServerConfig.DEFAULT_SERVER_PORT
SERVER_VERSION, SERVER_VERSION_CODE = "10.6.6", 278  # the server APK bundled with driver 8.7.0
W3C_ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # W3C WebDriver: the element reference key
STRATEGIES = ("id", "accessibility id", "class name", "xpath", "-android uiautomator")

# SRV common/exceptions: W3C error name -> HTTP status
ERROR_STATUS = {"no such element": 404, "stale element reference": 404, "invalid session id": 404,
                "unknown command": 404, "no such alert": 404, "invalid argument": 400,
                "invalid selector": 400, "invalid element state": 400, "unknown method": 405,
                "session not created": 500, "unable to capture screen": 500, "unknown error": 500}


class ServerError(Exception):
    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error
        self.message = message


# -- io.appium.settings: the driver's helper app --------------------------------------------------
@register_app
class AppiumSettingsApp(VirtualApp):
    """io.appium.settings: its launcher activity starts a foreground service and finishes at once,
    which is what the driver waits for (`dumpsys activity services` shows isForeground=true)."""

    package = "io.appium.settings"
    label = "Appium Settings"
    activities = (".Settings",)

    def on_start(self, intent: Intent) -> None:
        am = self.phone.system.activity
        am.start_service(self.package, ".ForegroundService", foreground=True)
        am.finish_top()


# -- the view tree as UiAutomator2 sees it ---------------------------------------------------------
@dataclass
class Node:
    """One view of a snapshot, with where it sits (its index path from the window root)."""

    view: View
    path: tuple[int, ...]
    package: str
    xml: Any  # the lxml element of the page source


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _tag(cls: str) -> str:
    return re.sub(r"[$@#&]", ".", cls) or "android.view.View"


def _displayed(view: View) -> bool:
    left, top, right, bottom = view.bounds
    return right > left and bottom > top and right > 0 and bottom > 0 and left < SCREEN_WIDTH and top < SCREEN_HEIGHT


class Snapshot:
    """The foreground window at one moment: page-source DOM and the views behind its elements."""

    def __init__(self, phone: Any):
        screen = phone.system.screen
        self.package, root = screen.current_tree()
        self.root = etree.Element("hierarchy", index="0", attrib={"class": "hierarchy", "rotation": "0",
                                  "width": str(screen.size[0]), "height": str(screen.size[1])})
        self.nodes: list[Node] = []
        self._by_xml: dict[Any, Node] = {}
        self._add(self.root, root, (), 0)

    def _add(self, parent: Any, view: View, path: tuple[int, ...], index: int) -> None:
        b = view.bounds
        attrs = [("index", str(index)), ("package", self.package), ("class", view.cls or "android.view.View"),
                 ("text", view.text or "")]
        if view.content_desc:
            attrs.append(("content-desc", view.content_desc))
        if view.resource_id:
            attrs.append(("resource-id", view.resource_id))
        attrs += [("checkable", _flag(view.checkable)), ("checked", _flag(view.checked)),
                  ("clickable", _flag(view.clickable)), ("enabled", _flag(view.enabled)),
                  ("focusable", _flag(view.focusable)), ("focused", _flag(view.focused)),
                  ("long-clickable", _flag(view.long_clickable)), ("password", _flag(view.password)),
                  ("scrollable", _flag(view.scrollable)), ("selection-start", "-1"), ("selection-end", "-1"),
                  ("selected", _flag(view.selected)), ("bounds", f"[{b[0]},{b[1]}][{b[2]},{b[3]}]"),
                  ("displayed", _flag(_displayed(view))), ("a11y-important", "true"),
                  ("screen-reader-focusable", "false"), ("input-type", "1" if "EditText" in view.cls else "0"),
                  ("drawing-order", str(index + 1)), ("showing-hint", "false"), ("text-entry-key", "false"),
                  ("multiline", "false"), ("dismissable", "false"), ("a11y-focused", "false"),
                  ("heading", "false"), ("live-region", "0"), ("context-clickable", "false"),
                  ("content-invalid", "false"), ("window-id", "42")]
        element = etree.SubElement(parent, _tag(view.cls))
        for key, value in attrs:
            element.set(key, value)
        node = Node(view, path, self.package, element)
        self.nodes.append(node)
        self._by_xml[element] = node
        for i, child in enumerate(view.children):
            self._add(element, child, path + (i,), i)

    def source(self) -> str:
        body = etree.tostring(self.root, pretty_print=True, encoding="unicode")
        return "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n" + body

    def at(self, path: tuple[int, ...]) -> Node | None:
        for node in self.nodes:
            if node.path == path:
                return node
        return None

    def under(self, scope: Node | None) -> list[Node]:
        if scope is None:
            return list(self.nodes)
        depth = len(scope.path)
        return [n for n in self.nodes if n.path[:depth] == scope.path and n.path != scope.path]

    def xpath(self, expression: str, scope: Node | None) -> list[Node]:
        try:
            found = (scope.xml if scope else self.root).xpath(expression)
        except etree.XPathError as exc:
            raise ServerError("invalid selector", f"Unable to evaluate the XPath {expression!r}: {exc}") from None
        if not isinstance(found, list):
            raise ServerError("invalid selector", f"The XPath {expression!r} does not select elements")
        return [self._by_xml[e] for e in found if e in self._by_xml]


# -- UiSelector expressions ------------------------------------------------------------------------
_CALL = re.compile(r"\s*\.?\s*(\w+)\s*\(")


def _parse_args(text: str, pos: int) -> tuple[list[Any], int]:
    """Arguments of one call up to its closing parenthesis: strings, numbers, booleans, selectors."""
    args: list[Any] = []
    while True:
        while pos < len(text) and text[pos] in " ,":
            pos += 1
        if pos >= len(text):
            raise ValueError("missing ')'")
        if text[pos] == ")":
            return args, pos + 1
        if text[pos] == '"':
            end, chars = pos + 1, []
            while end < len(text) and text[end] != '"':
                if text[end] == "\\" and end + 1 < len(text):
                    end += 1
                chars.append(text[end])
                end += 1
            args.append("".join(chars))
            pos = end + 1
        elif text.startswith("new ", pos):
            selector, pos = _parse_selector(text, pos)
            args.append(selector)
        else:
            match = re.compile(r"(true|false|-?\d+)").match(text, pos)
            if not match:
                raise ValueError(f"cannot read an argument at {text[pos:pos + 20]!r}")
            token = match.group(1)
            args.append(token == "true" if token in ("true", "false") else int(token))
            pos = match.end()


def _parse_selector(text: str, pos: int = 0) -> tuple[list[tuple[str, list[Any]]], int]:
    """`new UiSelector().text("A").index(2)` or `new UiScrollable(...).scrollIntoView(...)` ->
    a list of (method, args), the first being the constructor."""
    match = re.compile(r"\s*new\s+(UiSelector|UiScrollable)\s*\(").match(text, pos)
    if not match:
        raise ValueError("expected `new UiSelector()` or `new UiScrollable(...)`")
    args, pos = _parse_args(text, match.end())
    calls = [(match.group(1), args)]
    while True:
        call = _CALL.match(text, pos)
        if not call or not text[pos:].lstrip().startswith("."):
            return calls, pos
        args, pos = _parse_args(text, call.end())
        calls.append((call.group(1), args))


def _matches(node: Node, calls: list[tuple[str, list[Any]]]) -> bool:
    view = node.view
    for method, args in calls[1:]:
        value = args[0] if args else None
        checks = {
            "text": lambda v: view.text == v, "textContains": lambda v: v in view.text,
            "textStartsWith": lambda v: view.text.startswith(v), "textMatches": lambda v: re.fullmatch(v, view.text),
            "description": lambda v: view.content_desc == v, "descriptionContains": lambda v: v in view.content_desc,
            "descriptionStartsWith": lambda v: view.content_desc.startswith(v),
            "descriptionMatches": lambda v: re.fullmatch(v, view.content_desc),
            "resourceId": lambda v: view.resource_id == v, "resourceIdMatches": lambda v: re.fullmatch(v, view.resource_id),
            "className": lambda v: view.cls == v, "classNameMatches": lambda v: re.fullmatch(v, view.cls),
            "packageName": lambda v: node.package == v, "index": lambda v: (node.path or (0,))[-1] == v,
            "clickable": lambda v: view.clickable == v, "checkable": lambda v: view.checkable == v,
            "checked": lambda v: view.checked == v, "enabled": lambda v: view.enabled == v,
            "focusable": lambda v: view.focusable == v, "focused": lambda v: view.focused == v,
            "scrollable": lambda v: view.scrollable == v, "selected": lambda v: view.selected == v,
            "longClickable": lambda v: view.long_clickable == v,
        }
        if method in ("instance", "childSelector", "fromParent"):
            continue
        if method not in checks:
            raise ServerError("invalid selector", f"UiSelector method {method}() is not supported")
        if not checks[method](value):
            return False
    return True


def find_by_uiselector(snapshot: Snapshot, expression: str, scope: Node | None) -> list[Node]:
    try:
        calls, end = _parse_selector(expression)
    except ValueError as exc:
        raise ServerError("invalid selector", f"Could not parse the UiSelector {expression!r}: {exc}") from None
    if expression[end:].strip(" ;"):
        raise ServerError("invalid selector", f"Could not parse the UiSelector {expression!r} after {expression[:end]!r}")
    if calls[0][0] == "UiScrollable":
        # UiScrollable(container).scrollIntoView/getChildByText(selector): the target, once visible
        targets = [a for _m, args in calls[1:] for a in args if isinstance(a, list)]
        if not targets:
            raise ServerError("invalid selector", f"{expression!r}: UiScrollable needs a UiSelector to scroll to")
        return find_by_uiselector(snapshot, _unparse(targets[-1]), scope)
    found = [n for n in snapshot.under(scope) if _matches(n, calls)]
    for method, args in calls[1:]:
        if method in ("childSelector", "fromParent") and args and isinstance(args[0], list):
            inner: list[Node] = []
            for parent in found:
                base = parent if method == "childSelector" else snapshot.at(parent.path[:-1])
                inner += [n for n in snapshot.under(base) if _matches(n, args[0])]
            found = inner
    instance = next((args[0] for m, args in calls[1:] if m == "instance" and args), None)
    if instance is not None:
        found = found[instance:instance + 1]
    return found


def _unparse(calls: list[tuple[str, list[Any]]]) -> str:
    def arg(a: Any) -> str:
        if isinstance(a, list):
            return _unparse(a)
        if isinstance(a, bool):
            return "true" if a else "false"
        return json.dumps(a) if isinstance(a, str) else str(a)
    head, rest = calls[0], calls[1:]
    return f"new {head[0]}({', '.join(map(arg, head[1]))})" + "".join(
        f".{m}({', '.join(map(arg, args))})" for m, args in rest)


# -- the server --------------------------------------------------------------------------------
@dataclass
class ElementRef:
    path: tuple[int, ...]
    cls: str
    resource_id: str
    package: str


class UiAutomator2Server:
    """The HTTP API of appium-uiautomator2-server (SRV server/AppiumServlet.java) for one phone."""

    def __init__(self, phone: Any, target_package: str):
        self.phone = phone
        self.target_package = target_package
        self.session_id: str | None = None
        self.capabilities: dict[str, Any] = {}
        self.settings: dict[str, Any] = {"waitForIdleTimeout": 10000, "actionAcknowledgmentTimeout": 3000}
        self.elements: dict[str, ElementRef] = {}
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    # -- elements -------------------------------------------------------------------------------
    def _app_package(self) -> str:
        return str(self.capabilities.get("appPackage") or self.target_package)

    def find(self, strategy: str, selector: str, context: str) -> list[Node]:
        if strategy not in STRATEGIES:
            raise ServerError("invalid selector", f"Locator strategy '{strategy}' is not supported for this session")
        snapshot = Snapshot(self.phone)
        scope = self.resolve(snapshot, context) if context else None
        candidates = snapshot.under(scope)
        if strategy == "id":
            wanted = selector if ":id/" in selector else f"{self._app_package()}:id/{selector}"
            return [n for n in candidates if n.view.resource_id in (wanted, selector)]
        if strategy == "accessibility id":
            return [n for n in candidates if n.view.content_desc == selector]
        if strategy == "class name":
            return [n for n in candidates if n.view.cls == selector]
        if strategy == "xpath":
            return snapshot.xpath(selector, scope)
        return find_by_uiselector(snapshot, selector, scope)

    def remember(self, node: Node) -> dict[str, str]:
        element_id = str(uuid.uuid4())
        with self.lock:
            self.elements[element_id] = ElementRef(node.path, node.view.cls, node.view.resource_id, node.package)
        return {"ELEMENT": element_id, W3C_ELEMENT: element_id}

    def resolve(self, snapshot: Snapshot, element_id: str) -> Node:
        """The element's view in this snapshot; a view that is gone is a stale reference."""
        with self.lock:
            ref = self.elements.get(element_id)
        if ref is None:
            raise ServerError("no such element", f"The element identified by {element_id!r} is not present in the cache")
        node = snapshot.at(ref.path)
        if node is None or node.view.cls != ref.cls or node.view.resource_id != ref.resource_id \
                or node.package != ref.package:
            raise ServerError("stale element reference", f"The element {element_id!r} is no longer attached to the "
                              "view hierarchy; find it again")
        return node

    def element(self, element_id: str) -> Node:
        return self.resolve(Snapshot(self.phone), element_id)

    # -- input ----------------------------------------------------------------------------------
    def tap(self, x: int, y: int) -> None:
        self.phone.system.screen.tap(int(x), int(y))

    def type_text(self, text: str) -> None:
        screen = self.phone.system.screen
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if line:
                screen.text(line)
            if i < len(lines) - 1:
                screen.key(66)  # KEYCODE_ENTER

    def perform_actions(self, actions: list[dict[str, Any]]) -> None:
        """W3C pointer actions: a press and release in place is a tap, one that moved is a swipe."""
        for source in actions:
            if source.get("type") != "pointer":
                if source.get("type") == "key":
                    for action in source.get("actions", []):
                        if action.get("type") == "keyDown" and action.get("value"):
                            self.type_text(action["value"])
                continue
            x = y = 0
            down: tuple[int, int, float] | None = None
            for action in source.get("actions", []):
                kind = action.get("type")
                if kind == "pointerMove":
                    origin = action.get("origin", "viewport")
                    dx, dy = int(action.get("x", 0)), int(action.get("y", 0))
                    if isinstance(origin, dict):
                        ex, ey = self.element(_element_id(origin)).view.center
                        x, y = ex + dx, ey + dy
                    elif origin == "pointer":
                        x, y = x + dx, y + dy
                    else:
                        x, y = dx, dy
                elif kind == "pointerDown":
                    down = (x, y, time.monotonic())
                elif kind == "pointerUp" and down is not None:
                    if abs(x - down[0]) + abs(y - down[1]) > 10:
                        self.phone.system.screen.swipe(down[0], down[1], x, y, 300)
                    else:
                        self.tap(x, y)
                    down = None


def _element_id(value: dict[str, Any]) -> str:
    return str(value.get(W3C_ELEMENT) or value.get("ELEMENT") or value.get("elementId") or "")


def _bounds_rect(view: View) -> dict[str, int]:
    left, top, right, bottom = view.bounds
    return {"x": left, "y": top, "width": right - left, "height": bottom - top}


def attribute(node: Node, name: str) -> str | None:
    view = node.view
    flags = {"checkable": view.checkable, "checked": view.checked, "clickable": view.clickable,
             "enabled": view.enabled, "focusable": view.focusable, "focused": view.focused,
             "long-clickable": view.long_clickable, "longClickable": view.long_clickable,
             "password": view.password, "scrollable": view.scrollable, "selected": view.selected,
             "displayed": _displayed(view)}
    if name in flags:
        return _flag(flags[name])
    values = {"text": view.text, "name": view.content_desc or view.text, "content-desc": view.content_desc or None,
              "contentDescription": view.content_desc or None, "resource-id": view.resource_id or None,
              "resourceId": view.resource_id or None, "class": view.cls, "className": view.cls,
              "package": node.package, "bounds": "[{},{}][{},{}]".format(*view.bounds),
              "index": str((node.path or (0,))[-1])}
    if name in values:
        return values[name]
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the driver keeps connections alive
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        uia: UiAutomator2Server = self.server.uia
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0].removeprefix("/wd/hub").rstrip("/") or "/"
        stop_after = False
        session: str | None
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ServerError("invalid argument", "the request body must be a JSON object")
            # SRV AppiumResponse: "None" stands for "no session yet" (GET /status before POST /session)
            value = route(uia, method, path, body)
            status, session = 200, uia.session_id or "None"
            if method == "DELETE" and re.fullmatch(r"/session/[^/]+", path):
                session, stop_after = None, True
        except ServerError as exc:
            status, session = ERROR_STATUS.get(exc.error, 500), uia.session_id
            value = {"error": exc.error, "message": exc.message, "stacktrace": f"io.appium.uiautomator2.common."
                     f"exceptions.{exc.error.title().replace(' ', '')}Exception: {exc.message}"}
        except (ValueError, KeyError, TypeError) as exc:
            status, session = 400, uia.session_id
            value = {"error": "invalid argument", "message": f"{type(exc).__name__}: {exc}", "stacktrace": ""}
        except Exception as exc:  # noqa: BLE001 - the server answers 500 and lives on, as the real one does
            status, session = 500, uia.session_id
            value = {"error": "unknown error", "message": f"{type(exc).__name__}: {exc}", "stacktrace": ""}
        payload = json.dumps({"sessionId": session, "value": value}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()
        if stop_after:
            uia.stopped.set()  # DELETE /session: the server shuts down and `am instrument` ends


def route(uia: UiAutomator2Server, method: str, path: str, body: dict[str, Any]) -> Any:
    """Dispatch one request (SRV AppiumServlet routes); returns the response's `value`."""
    phone, screen = uia.phone, uia.phone.system.screen
    if path == "/status" and method == "GET":
        return {"ready": True, "message": "UiAutomator2 Server is ready to accept commands",
                "build": {"version": SERVER_VERSION, "versionCode": SERVER_VERSION_CODE}}
    if path == "/sessions" and method == "GET":
        return [] if uia.session_id is None else [{"id": uia.session_id, "sessionId": uia.session_id,
                                                  "capabilities": uia.capabilities}]
    if path == "/session" and method == "POST":
        caps = body.get("capabilities") or {}
        first = (caps.get("firstMatch") or [{}])[0]
        uia.session_id = str(uuid.uuid4())
        uia.capabilities = {**(caps.get("alwaysMatch") or {}), **first}
        uia.elements.clear()
        return {"sessionId": uia.session_id, "capabilities": caps}
    match = re.fullmatch(r"/session/([^/]+)(/.*)?", path)
    if not match:
        raise ServerError("unknown command", f"The requested resource could not be found, or a request was received "
                          f"using an HTTP method that is not supported by the mapped resource: {method} {path}")
    if match.group(1) != uia.session_id:
        raise ServerError("invalid session id", f"A session is either terminated or not started: {match.group(1)}")
    rest = match.group(2) or ""
    if rest == "":
        if method == "DELETE":
            uia.session_id = None
            return None
        return {"lastScrollData": None}
    if rest in ("/element", "/elements") and method == "POST":
        strategy, selector = body.get("strategy"), body.get("selector")
        if not isinstance(strategy, str) or not isinstance(selector, str):
            raise ServerError("invalid argument", "`strategy` and `selector` must be strings")
        found = uia.find(strategy, selector, str(body.get("context") or ""))
        if rest == "/elements":
            return [uia.remember(n) for n in found]
        if not found:
            raise ServerError("no such element", "An element could not be located on the page using the given "
                              "search parameters.")
        return uia.remember(found[0])
    element = re.fullmatch(r"/element/([^/]+)(/.*)", rest)
    if element:
        return element_route(uia, method, element.group(1), element.group(2), body)
    if rest == "/source" and method == "GET":
        return Snapshot(phone).source()
    if rest == "/screenshot" and method == "GET":
        return base64.b64encode(screen.png()).decode()
    if rest in ("/window/current/size", "/window/size") and method == "GET":
        return {"width": screen.size[0], "height": screen.size[1]}
    if rest == "/window/rect" and method == "GET":
        return {"x": 0, "y": 0, "width": screen.size[0], "height": screen.size[1]}
    if rest == "/back" and method == "POST":
        screen.key(4)  # KEYCODE_BACK, delivered by UiDevice.pressBack()
        return None
    if rest == "/keys" and method == "POST":
        text = body.get("text") or "".join(body.get("value") or [])
        uia.type_text(str(text))
        return None
    if rest in ("/appium/device/press_keycode", "/appium/device/long_press_keycode") and method == "POST":
        screen.key(int(body["keycode"]), longpress=rest.endswith("long_press_keycode"))
        return None
    if rest == "/actions" and method == "POST":
        uia.perform_actions(body.get("actions") or [])
        return None
    if rest == "/actions" and method == "DELETE":
        return None
    if rest == "/appium/gestures/click" and method == "POST":
        origin, offset = body.get("origin"), body.get("offset") or {}
        if origin:
            node = uia.element(_element_id(origin))
            x, y = (node.view.bounds[0] + offset["x"], node.view.bounds[1] + offset["y"]) if offset else node.view.center
        else:
            x, y = offset["x"], offset["y"]
        uia.tap(x, y)
        return None
    if rest in ("/appium/gestures/scroll", "/appium/gestures/swipe") and method == "POST":
        return gesture(uia, body, swipe=rest.endswith("swipe"))
    if rest == "/appium/settings":
        if method == "POST":
            uia.settings.update(body.get("settings") or {})
            return None
        return uia.settings
    if rest == "/appium/device/info" and method == "GET":
        props = phone.props
        width, height = screen.size
        return {"androidId": phone.system.settings.get("secure", "android_id") or "",
                "manufacturer": props.get("ro.product.manufacturer"), "model": props.get("ro.product.model"),
                "brand": props.get("ro.product.brand"), "apiVersion": props.get("ro.build.version.sdk"),
                "platformVersion": props.get("ro.build.version.release"), "carrierName": "Android",
                "realDisplaySize": f"{width}x{height}", "displayDensity": screen.density, "networks": [],
                "locale": "en_US", "timeZone": props.get("persist.sys.timezone") or "GMT",
                "bluetooth": {"state": "OFF"}}
    if rest == "/appium/device/pixel_ratio" and method == "GET":
        return screen.density / 160
    if rest == "/appium/device/display_density" and method == "GET":
        return screen.density
    if rest == "/appium/device/system_bars" and method == "GET":
        return {"statusBar": STATUS_BAR_HEIGHT}
    if rest == "/orientation" and method == "GET":
        return "PORTRAIT"
    if rest.startswith("/alert"):
        raise ServerError("no such alert", "An attempt was made to operate on a modal dialog when one was not open.")
    if rest == "/element/active" and method == "GET":
        snapshot = Snapshot(phone)
        focused = [n for n in snapshot.nodes if n.view.focused]
        if not focused:
            raise ServerError("no such element", "No element has the focus")
        return uia.remember(focused[0])
    raise ServerError("unknown command", f"The requested resource could not be found, or a request was received "
                      f"using an HTTP method that is not supported by the mapped resource: {method} {path}")


def element_route(uia: UiAutomator2Server, method: str, element_id: str, rest: str, body: dict[str, Any]) -> Any:
    node = uia.element(element_id)
    view = node.view
    if rest == "/text" and method == "GET":
        return view.text or ""
    if rest.startswith("/attribute/") and method == "GET":
        return attribute(node, rest.removeprefix("/attribute/"))
    if rest == "/rect" and method == "GET":
        return _bounds_rect(view)
    if rest == "/location" and method == "GET":
        return {"x": view.bounds[0], "y": view.bounds[1]}
    if rest == "/size" and method == "GET":
        rect = _bounds_rect(view)
        return {"width": rect["width"], "height": rect["height"]}
    if rest == "/name" and method == "GET":
        return view.cls
    if rest == "/click" and method == "POST":
        if not _displayed(view):
            raise ServerError("invalid element state", f"The element {element_id!r} is not on the screen")
        uia.tap(*view.center)
        return None
    if rest == "/value" and method == "POST":
        text = body.get("text")
        if text is None:
            text = "".join(body.get("value") or [])
        uia.tap(*view.center)  # focus the field first, as setText does through the accessibility node
        if body.get("replace") and view.text:
            _clear(uia, view)
        uia.type_text(str(text))
        return None
    if rest == "/clear" and method == "POST":
        uia.tap(*view.center)
        _clear(uia, view)
        return None
    if rest == "/screenshot" and method == "GET":
        import io

        image = uia.phone.system.screen.render().crop(view.bounds)
        out = io.BytesIO()
        image.save(out, "PNG")
        return base64.b64encode(out.getvalue()).decode()
    raise ServerError("unknown command", f"The requested resource could not be found: {method} /element/{element_id}{rest}")


def _clear(uia: UiAutomator2Server, view: View) -> None:
    screen = uia.phone.system.screen
    screen.key(123)  # KEYCODE_MOVE_END, then delete what is there
    for _ in view.text:
        screen.key(67)  # KEYCODE_DEL


def gesture(uia: UiAutomator2Server, body: dict[str, Any], swipe: bool) -> Any:
    """mobile: scrollGesture / swipeGesture over an area: a finger drag of `percent` of its size."""
    if body.get("origin"):
        rect = _bounds_rect(uia.element(_element_id(body["origin"])).view)
        area = (rect["x"], rect["y"], rect["width"], rect["height"])
    else:
        area_in = body.get("area") or body
        area = (int(area_in["left"]), int(area_in["top"]), int(area_in["width"]), int(area_in["height"]))
    left, top, width, height = area
    direction = str(body.get("direction", "down")).lower()
    percent = float(body.get("percent", 1.0))
    cx, cy = left + width // 2, top + height // 2
    dx, dy = int(width * percent * 0.4), int(height * percent * 0.4)
    # scrolling down moves the finger up; swiping follows the finger's own direction
    sign = -1 if not swipe else 1
    vector = {"down": (0, dy), "up": (0, -dy), "right": (dx, 0), "left": (-dx, 0)}.get(direction)
    if vector is None:
        raise ServerError("invalid argument", f"direction must be up, down, left or right, not {direction!r}")
    vx, vy = vector[0] * sign, vector[1] * sign
    uia.phone.system.screen.swipe(cx - vx, cy - vy, cx + vx, cy + vy, 300)
    return not swipe  # scrollGesture: "can scroll more"


# -- the instrumentation ------------------------------------------------------------------------
def run_server(run: InstrumentationRun) -> int:
    """`am instrument -w ... io.appium.uiautomator2.server.test/...`: serve until the session is
    deleted, the package is force-stopped or the adb client goes away."""
    phone = phone_of(run.ctx)
    if phone.system.packages.get(TEST_PACKAGE) is None or phone.system.packages.get(SERVER_PACKAGE) is None:
        run.ctx.out("INSTRUMENTATION_STATUS: id=ActivityManagerService\nINSTRUMENTATION_STATUS: Error=Unable to find "
                    f"instrumentation info for: ComponentInfo{{{RUNNER}}}\nINSTRUMENTATION_STATUS_CODE: -1\n")
        return 1
    uia = UiAutomator2Server(phone, run.target_package or SERVER_PACKAGE)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.uia = uia  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True, name=f"uia2-{phone.serial}")
    thread.start()
    started = time.monotonic()
    served = (str(httpd.server_address[0]), int(httpd.server_address[1]))
    phone.serve_port(DEVICE_PORT, served)
    phone.system.log("AppiumUiAutomator2Server", "[AppiumUiAutomator2Server] Server started at port 6790",
                     "I", phone.system.activity.pid_of(SERVER_PACKAGE) or 0)
    try:
        while not run.should_stop() and not uia.stopped.is_set():
            uia.stopped.wait(0.2)
    finally:
        if phone.lookup_port(DEVICE_PORT) == served:
            phone.unserve_port(DEVICE_PORT)
        httpd.shutdown()
        httpd.server_close()
    run.ctx.out(f"\nio.appium.uiautomator2.server.test.AdbCommandExecutor:.\n\nTime: {time.monotonic() - started:.3f}"
                "\n\nOK (1 test)\n\n\nINSTRUMENTATION_CODE: -1\n")
    return 0


def install(system: Any) -> None:
    """Make the phone's `am instrument` run the UiAutomator2 server (once its APKs are installed)."""
    system.activity.register_instrumentation(RUNNER, run_server)
