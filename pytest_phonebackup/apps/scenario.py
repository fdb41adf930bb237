"""UI-driven backup apps (`kind: appium`): the scenario language of scenarios/*.yaml — Maestro-like
steps (launchApp, tapOn, assertVisible, waitFor, scrollUntilVisible, runFlow, retry, runScript, ...)
checked against a schema at load time, then run through an Appium UiAutomator2 session, waiting on
conditions instead of pausing. Not for the Appium server or sessions themselves (see `appium.py`).
"""

from __future__ import annotations

import importlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import ScenarioError, ScenarioStepFailed
from ..units import parse_duration
from ..yamlfile import LocatedDict, LocatedList, load_yaml, where
from .base import BackupApp, Policy, StepResult

DEFAULT_TIMEOUT = 20.0  # seconds a condition may take before the step fails (scenario `timeout:` changes it)
POLL = 0.25  # seconds between looks at the screen while waiting on a condition
SELECTOR_KEYS = ("text", "id", "accessibilityId", "className", "index", "below", "above", "childOf",
                 "enabled", "checked", "selected", "optional")
KEYS = {"enter": 66, "home": 3, "back": 4, "backspace": 67, "delete": 67, "tab": 61, "space": 62,
        "volume up": 24, "volume down": 25, "power": 26, "search": 84, "menu": 82, "escape": 111}
TOP_KEYS = ("name", "kind", "description", "appId", "activity", "policy", "env", "timeout", "capabilities",
            "install", "cloud", "account", "prepare", "backup", "restore")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


# -- the schema ----------------------------------------------------------------------------------
@dataclass
class Step:
    """One command of a flow: its name, its (validated) arguments and where it was written."""

    command: str
    args: Any
    where: str
    number: int

    def label(self) -> str:
        shown = self.args if isinstance(self.args, (str, int, float)) else ""
        if isinstance(self.args, dict) and set(self.args) == {"text"}:
            shown = self.args["text"]  # `- tapOn: Back up now` reads back as written
        return f"step {self.number} ({self.command}{': ' + str(shown) if shown != '' else ''})"


Checker = Callable[[Any, str], Any]


def _fail(where_: str, message: str) -> ScenarioError:
    return ScenarioError(f"{where_}: {message}")


def _check_selector(value: Any, at: str, allow_string: bool = True) -> dict[str, Any]:
    if isinstance(value, str) and allow_string:
        return {"text": value}
    if not isinstance(value, dict):
        raise _fail(at, f"a selector is a text or a mapping with some of {', '.join(SELECTOR_KEYS)}; got {value!r}")
    unknown = sorted(set(map(str, value)) - set(SELECTOR_KEYS))
    if unknown:
        raise _fail(where(value, unknown[0]) or at, f"unknown selector key {unknown[0]!r}; allowed: {', '.join(SELECTOR_KEYS)}")
    if not set(value) & {"text", "id", "accessibilityId", "className"}:
        raise _fail(at, "a selector needs at least one of text, id, accessibilityId, className")
    out = dict(value)
    for rel in ("below", "above", "childOf"):
        if rel in out:
            out[rel] = _check_selector(out[rel], where(value, rel) or at)
    if "index" in out and (not isinstance(out["index"], int) or out["index"] < 0):
        raise _fail(where(value, "index") or at, "index must be a whole number from 0")
    return out


def _check_timeout(value: Any, at: str) -> float:
    try:
        seconds = parse_duration(value, "timeout")
    except ValueError as exc:
        raise _fail(at, str(exc)) from None
    if seconds <= 0:
        raise _fail(at, "timeout must be positive (a number of seconds, or '500ms', '2min')")
    return seconds


def _mapping(value: Any, at: str, allowed: dict[str, bool], command: str) -> dict[str, Any]:
    """A step's mapping form: keys in `allowed` (True = required)."""
    if not isinstance(value, dict):
        raise _fail(at, f"`{command}` takes a mapping with {', '.join(allowed)}; got {value!r}")
    unknown = sorted(set(map(str, value)) - set(allowed))
    if unknown:
        raise _fail(where(value, unknown[0]) or at, f"`{command}`: unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}")
    missing = [k for k, required in allowed.items() if required and k not in value]
    if missing:
        raise _fail(at, f"`{command}` needs `{missing[0]}`")
    return dict(value)


def _c_launch(value: Any, at: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"appId": value}
    return _mapping(value, at, {"appId": False, "activity": False, "stopApp": False, "clearState": False}, "launchApp")


def _c_selector_step(command: str) -> Checker:
    def check(value: Any, at: str) -> dict[str, Any]:
        if isinstance(value, dict) and "timeout" in value:
            rest = {k: v for k, v in value.items() if k != "timeout"}
            selector = _check_selector(_relocate(rest, value), at)
            selector["timeout"] = _check_timeout(value["timeout"], where(value, "timeout") or at)
            return selector
        return _check_selector(value, at)
    return check


def _relocate(data: dict[str, Any], like: Any) -> Any:
    """A copy of a located mapping that still knows its file and lines."""
    if isinstance(like, LocatedDict):
        copy = LocatedDict(data)
        copy.source, copy.line, copy.key_lines = like.source, like.line, like.key_lines
        return copy
    return data


def _c_wait(value: Any, at: str) -> dict[str, Any]:
    spec = _mapping(value, at, {"visible": False, "notVisible": False, "timeout": False}, "waitFor")
    if ("visible" in spec) == ("notVisible" in spec):
        raise _fail(at, "waitFor / extendedWaitUntil needs exactly one of `visible` or `notVisible`")
    key = "visible" if "visible" in spec else "notVisible"
    out: dict[str, Any] = {key: _check_selector(spec[key], where(value, key) or at)}
    out["timeout"] = _check_timeout(spec["timeout"], where(value, "timeout") or at) if "timeout" in spec else None
    return out


def _c_scroll(value: Any, at: str) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"element": value}
    spec = _mapping(value, at, {"element": True, "direction": False, "timeout": False}, "scrollUntilVisible")
    direction = str(spec.get("direction", "DOWN")).upper()
    if direction not in ("UP", "DOWN", "LEFT", "RIGHT"):
        raise _fail(where(value, "direction") or at, f"direction must be UP, DOWN, LEFT or RIGHT, not {direction!r}")
    return {"element": _check_selector(spec["element"], where(value, "element") or at), "direction": direction,
            "timeout": _check_timeout(spec["timeout"], at) if "timeout" in spec else None}


def _c_input(value: Any, at: str) -> dict[str, Any]:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return {"text": str(value)}
    spec = _mapping(value, at, {"text": True, "into": False}, "inputText")
    out: dict[str, Any] = {"text": str(spec["text"])}
    if "into" in spec:
        out["into"] = _check_selector(spec["into"], where(value, "into") or at)
    return out


def _c_none(command: str) -> Checker:
    def check(value: Any, at: str) -> None:
        if value is not None:
            raise _fail(at, f"`{command}` takes no arguments (write `- {command}`)")
    return check


def _c_key(value: Any, at: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in KEYS:
        return KEYS[value.strip().lower()]
    raise _fail(at, f"pressKey takes a key code or one of: {', '.join(k.title() for k in KEYS)}; got {value!r}")


def _c_flow(value: Any, at: str) -> dict[str, Any]:
    if isinstance(value, str):
        return {"file": value, "when": None, "commands": None}
    spec = _mapping(value, at, {"file": False, "commands": False, "when": False, "env": False}, "runFlow")
    if ("file" in spec) == ("commands" in spec):
        raise _fail(at, "runFlow needs either `file` (a flow YAML next to the scenario) or inline `commands`")
    out: dict[str, Any] = {"file": spec.get("file"), "env": dict(spec.get("env") or {}), "commands": None, "when": None}
    if "commands" in spec:
        out["commands"] = parse_steps(spec["commands"], where(value, "commands") or at)
    if "when" in spec:
        when = spec["when"]
        if isinstance(when, dict) and True in when:  # YAML reads the key `true:` as a boolean
            when = _relocate({("true" if k is True else k): v for k, v in when.items()}, when)
            if isinstance(when, LocatedDict):
                when.key_lines = {("true" if k == "True" else k): n for k, n in when.key_lines.items()}
        cond = _mapping(when, where(value, "when") or at, {"visible": False, "notVisible": False, "true": False},
                        "when")
        if len(cond) != 1:
            raise _fail(where(value, "when") or at, "`when` takes one of visible, notVisible or true")
        key, inner = next(iter(cond.items()))
        out["when"] = (key, inner if key == "true" else _check_selector(inner, where(value, "when") or at))
    return out


def _c_retry(value: Any, at: str) -> dict[str, Any]:
    spec = _mapping(value, at, {"maxRetries": False, "commands": True}, "retry")
    retries = spec.get("maxRetries", 3)
    if not isinstance(retries, int) or not 0 <= retries <= 10:
        raise _fail(where(value, "maxRetries") or at, "maxRetries must be a whole number from 0 to 10")
    return {"maxRetries": retries, "commands": parse_steps(spec["commands"], where(value, "commands") or at)}


def _c_screenshot(value: Any, at: str) -> str:
    if value is None:
        return "screenshot"
    if not isinstance(value, str) or not re.fullmatch(r"[\w.${}-]+", value):
        raise _fail(at, f"takeScreenshot takes a file name (letters, digits, . _ -); got {value!r}")
    return value


def _c_script(value: Any, at: str) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"function": value}
    spec = _mapping(value, at, {"function": True, "args": False}, "runScript")
    function = spec["function"]
    if not isinstance(function, str) or not re.fullmatch(r"[\w.]+:[\w]+", function):
        raise _fail(at, f"runScript takes a Python callable as 'package.module:function'; got {function!r}")
    args = spec.get("args") or {}
    if not isinstance(args, dict):
        raise _fail(where(value, "args") or at, "runScript args must be a mapping of keyword arguments")
    return {"function": function, "args": dict(args)}


def _c_shell(value: Any, at: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(at, "shell takes one command line for the phone's shell (adb shell), e.g. `am broadcast ...`")
    return value


COMMANDS: dict[str, Checker] = {
    "launchApp": _c_launch, "stopApp": lambda v, at: _c_launch(v, at),
    "tapOn": _c_selector_step("tapOn"), "assertVisible": _c_selector_step("assertVisible"),
    "assertNotVisible": _c_selector_step("assertNotVisible"), "waitFor": _c_wait, "extendedWaitUntil": _c_wait,
    "scrollUntilVisible": _c_scroll, "inputText": _c_input, "back": _c_none("back"),
    "hideKeyboard": _c_none("hideKeyboard"), "pressKey": _c_key, "runFlow": _c_flow, "retry": _c_retry,
    "takeScreenshot": _c_screenshot, "runScript": _c_script, "shell": _c_shell,
}


def parse_steps(value: Any, at: str) -> list[Step]:
    """Validate a list of steps (`- back`, `- tapOn: OK`, `- tapOn: {id: ok}`) into Steps."""
    if not isinstance(value, list) or not value:
        raise _fail(at, "a flow is a non-empty list of steps (`- tapOn: ...`)")
    steps = []
    for number, item in enumerate(value, 1):
        step_at = where(value, number - 1) or at
        if isinstance(item, str):
            command, args = item, None
        elif isinstance(item, dict) and len(item) == 1:
            command, args = next(iter(item.items()))
            command = str(command)
        else:
            raise _fail(step_at, f"step {number}: write one command per step, e.g. `- tapOn: Back up now`; got {item!r}")
        checker = COMMANDS.get(command)
        if checker is None:
            raise _fail(step_at, f"step {number}: unknown command {command!r}; known: {', '.join(COMMANDS)}")
        try:
            checked = checker(args, step_at)
        except ScenarioError as exc:
            text = str(exc)
            prefix, _, message = text.partition(": ")
            raise ScenarioError(f"{prefix}: step {number} ({command}): {message}") from None
        steps.append(Step(command, checked, step_at, number))
    return steps


@dataclass
class Scenario:
    """A validated `kind: appium` scenario."""

    name: str
    app_id: str
    activity: str | None
    policy: Policy
    flows: dict[str, list[Step]]
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT
    capabilities: dict[str, Any] = field(default_factory=dict)
    install: str | None = None  # builtin:NAME (an app of the virtual phone) or an APK path
    cloud: str | None = None  # `loopback`: a CloudStore for the run (${CLOUD_URL}, ${ACCOUNT}); or a URL
    account: str | None = None
    source: Path | None = None


def parse_scenario(name: str, policy: Policy, data: LocatedDict, path: Path) -> Scenario:
    unknown = sorted(set(map(str, data)) - set(TOP_KEYS))
    if unknown:
        raise _fail(where(data, unknown[0]) or str(path), f"unknown key {unknown[0]!r}; allowed: {', '.join(TOP_KEYS)}")
    app_id = data.get("appId")
    if not isinstance(app_id, str) or not re.fullmatch(r"[A-Za-z][\w]*(\.[A-Za-z][\w]*)+", app_id):
        raise _fail(where(data, "appId") or str(path), f"appId must be the app's package name (com.example.app); got {app_id!r}")
    flows = {}
    for key in ("prepare", "backup", "restore"):
        if key in data:
            flows[key] = parse_steps(data[key], where(data, key) or str(path))
        elif key != "prepare":
            raise _fail(str(path), f"a `kind: appium` scenario needs a `{key}:` flow (a list of steps)")
    env = data.get("env") or {}
    if not isinstance(env, dict):
        raise _fail(where(data, "env") or str(path), "env must be a mapping of NAME: value")
    caps = data.get("capabilities") or {}
    if not isinstance(caps, dict):
        raise _fail(where(data, "capabilities") or str(path), "capabilities must be a mapping")
    timeout = _check_timeout(data["timeout"], where(data, "timeout")) if "timeout" in data else DEFAULT_TIMEOUT
    activity = data.get("activity")
    for key in ("install", "cloud", "account"):
        if key in data and not isinstance(data[key], str):
            raise _fail(where(data, key), f"{key} must be a text")
    return Scenario(name, app_id, str(activity) if activity else None, policy, flows,
                    {str(k): str(v) for k, v in env.items()}, timeout, dict(caps), data.get("install"),
                    data.get("cloud"), data.get("account"), path)


def load_appium_app(name: str, policy: Policy, data: LocatedDict, path: Path) -> AppiumApp:
    """`kind: appium` branch of apps.load_app. Flow files named by runFlow are checked too."""
    app = AppiumApp(parse_scenario(name, policy, data, path))
    for steps in app.scenario.flows.values():
        app.check_flow_files(steps)
    return app


# -- running: the screen as a page-source DOM ------------------------------------------------------
@dataclass
class Found:
    """A node of the page source that a selector matched."""

    node: Any  # lxml element
    bounds: tuple[int, int, int, int]

    @property
    def xpath(self) -> str:
        return self.node.getroottree().getpath(self.node)


def _bounds(node: Any) -> tuple[int, int, int, int]:
    numbers = [int(n) for n in re.findall(r"-?\d+", node.get("bounds", "[0,0][0,0]"))]
    return (numbers + [0, 0, 0, 0])[:4]  # type: ignore[return-value]


def _text_matches(wanted: str, actual: str | None) -> bool:
    if actual is None:
        return False
    if wanted == actual:
        return True
    try:
        return re.fullmatch(wanted, actual, re.DOTALL) is not None
    except re.error:
        return False


def _visible(node: Any, size: tuple[int, int]) -> bool:
    left, top, right, bottom = _bounds(node)
    return (node.get("displayed", "true") == "true" and right > left and bottom > top
            and right > 0 and bottom > 0 and left < size[0] and top < size[1])


def match(root: Any, selector: dict[str, Any], app_id: str) -> list[Found]:
    """Visible nodes matching a selector, in screen order (the relative ones nearest first)."""
    size = (int(root.get("width", "1080")), int(root.get("height", "2400")))
    nodes = [n for n in root.iter() if n is not root and _visible(n, size)]
    out = []
    for node in nodes:
        if "text" in selector and not (_text_matches(str(selector["text"]), node.get("text"))
                                       or _text_matches(str(selector["text"]), node.get("content-desc"))):
            continue
        if "id" in selector:
            wanted = str(selector["id"])
            wanted = wanted if ":id/" in wanted else f"{app_id}:id/{wanted}"
            if node.get("resource-id") != wanted:
                continue
        if "accessibilityId" in selector and not _text_matches(str(selector["accessibilityId"]), node.get("content-desc")):
            continue
        if "className" in selector and node.get("class") != str(selector["className"]):
            continue
        if any(k in selector and (node.get(k) == "true") != bool(selector[k]) for k in ("enabled", "checked", "selected")):
            continue
        out.append(Found(node, _bounds(node)))
    for relation in ("childOf", "below", "above"):
        if relation not in selector:
            continue
        anchors = match(root, selector[relation], app_id)
        if not anchors:
            return []
        anchor = anchors[0]
        if relation == "childOf":
            out = [f for f in out if anchor.node in f.node.iterancestors()]
        elif relation == "below":
            out = sorted((f for f in out if f.bounds[1] >= anchor.bounds[3]), key=lambda f: f.bounds[1] - anchor.bounds[3])
        else:
            out = sorted((f for f in out if f.bounds[3] <= anchor.bounds[1]), key=lambda f: anchor.bounds[1] - f.bounds[3])
    if not any(r in selector for r in ("below", "above")):
        # The deepest match wins where a parent and its child both match (a card and its title).
        out = [f for f in out if not any(f.node in g.node.iterancestors() for g in out)] or out
    if "index" in selector:
        index = selector["index"]
        out = out[index:index + 1]
    return out


def describe(selector: dict[str, Any]) -> str:
    parts = []
    for key, value in selector.items():
        if key in ("optional", "timeout"):
            continue
        parts.append(f"{key}={describe(value) if isinstance(value, dict) else repr(value)}")
    return "{" + ", ".join(parts) + "}"


class FlowRunner:
    """Runs steps against one Appium session; everything waits on the screen, never on the clock."""

    def __init__(self, app: AppiumApp, driver: Any, phone: Any, workdir: Path, flow: str):
        self.app = app
        self.scenario = app.scenario
        self.driver = driver
        self.phone = phone
        self.workdir = workdir
        self.flow = flow
        self.variables = app.variables()
        self.log: list[str] = []
        self.screenshots: list[Path] = []

    # -- variables ---------------------------------------------------------------------------
    def expand(self, value: Any) -> Any:
        if isinstance(value, str):
            def sub(m: re.Match[str]) -> str:
                if m.group(1) not in self.variables:
                    raise ScenarioError(f"${{{m.group(1)}}} is not set: give it in the scenario's `env:`, the "
                                        "environment, or the app's variables")
                return self.variables[m.group(1)]
            return _VAR.sub(sub, value)
        if isinstance(value, dict):
            return {k: self.expand(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand(v) for v in value]
        return value

    # -- the screen ----------------------------------------------------------------------------
    def page(self) -> Any:
        source = self.driver.page_source
        return etree.fromstring(source.encode("utf-8"))

    def find(self, selector: dict[str, Any]) -> list[Found]:
        return match(self.page(), selector, self.scenario.app_id)

    def wait_until(self, check: Callable[[], Any], timeout: float | None) -> Any:
        """Poll `check` until it returns something truthy or the timeout passes (then its last value)."""
        deadline = time.monotonic() + (timeout or self.scenario.timeout)
        while True:
            result = check()
            if result or time.monotonic() >= deadline:
                return result
            time.sleep(POLL)

    def wait_visible(self, selector: dict[str, Any], timeout: float | None = None) -> Found | None:
        found = self.wait_until(lambda: self.find(selector), timeout)
        return found[0] if found else None

    def element(self, found: Found) -> Any:
        from appium.webdriver.common.appiumby import AppiumBy

        return self.driver.find_element(AppiumBy.XPATH, found.xpath)

    # -- running -------------------------------------------------------------------------------
    def run(self, steps: list[Step]) -> None:
        for step in steps:
            started = time.monotonic()
            try:
                getattr(self, "do_" + step.command)(step, step.args)
            except ScenarioStepFailed:
                raise
            except ScenarioError as exc:
                raise ScenarioError(f"{step.where}: {step.label()}: {exc}") from None
            except Exception as exc:  # noqa: BLE001 - anything from Appium becomes a located step failure
                raise ScenarioStepFailed(f"{step.where}: {step.label()} failed: {type(exc).__name__}: "
                                         f"{getattr(exc, 'msg', None) or exc}") from exc
            self.log.append(f"{step.where} {step.label()} ok in {time.monotonic() - started:.2f} s")

    def failed(self, step: Step, message: str) -> ScenarioStepFailed:
        return ScenarioStepFailed(f"{step.where}: {step.label()}: {message}")

    def do_launchApp(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802 - the YAML command's name
        args = self.expand(args)
        app_id = args.get("appId") or self.scenario.app_id
        if args.get("stopApp", True):
            self.driver.terminate_app(app_id)
        if args.get("clearState"):
            self.phone.clear_app_data(app_id)
        activity = args.get("activity") or (self.scenario.activity if app_id == self.scenario.app_id else None)
        if activity:
            self.phone.start_app(f"{app_id}/{activity}")
        else:
            self.driver.activate_app(app_id)
        current = self.wait_until(lambda: self.driver.current_package == app_id, None)
        if not current:
            raise self.failed(step, f"{app_id} is not in the foreground after launching it "
                                    f"(foreground: {self.driver.current_package})")

    def do_stopApp(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802
        self.driver.terminate_app(self.expand(args).get("appId") or self.scenario.app_id)

    def do_tapOn(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802
        selector = self.expand(args)
        found = self.wait_visible(selector, selector.get("timeout"))
        if found is None:
            if selector.get("optional"):
                return
            raise self.failed(step, f"no visible element matches {describe(selector)} within "
                                    f"{selector.get('timeout') or self.scenario.timeout:g} s")
        self.element(found).click()

    def do_assertVisible(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802
        selector = self.expand(args)
        if self.wait_visible(selector, selector.get("timeout")) is None and not selector.get("optional"):
            raise self.failed(step, f"expected {describe(selector)} on screen; it did not show within "
                                    f"{selector.get('timeout') or self.scenario.timeout:g} s")

    def do_assertNotVisible(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802
        selector = self.expand(args)
        gone = self.wait_until(lambda: not self.find(selector), selector.get("timeout"))
        if not gone and not selector.get("optional"):
            raise self.failed(step, f"expected {describe(selector)} to be gone; it was still on screen after "
                                    f"{selector.get('timeout') or self.scenario.timeout:g} s")

    def do_waitFor(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802
        args = self.expand(args)
        if "visible" in args:
            self.do_assertVisible(step, {**args["visible"], "timeout": args["timeout"]})
        else:
            self.do_assertNotVisible(step, {**args["notVisible"], "timeout": args["timeout"]})

    do_extendedWaitUntil = do_waitFor

    def do_scrollUntilVisible(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802
        args = self.expand(args)
        selector, direction = args["element"], args["direction"]
        deadline = time.monotonic() + (args["timeout"] or self.scenario.timeout)
        width, height = self.driver.get_window_size()["width"], self.driver.get_window_size()["height"]
        while not self.find(selector):
            if time.monotonic() >= deadline:
                raise self.failed(step, f"{describe(selector)} did not come into view scrolling {direction}")
            # scrolling DOWN moves the finger up
            cx, cy, dx, dy = width // 2, height // 2, width // 3, height // 3
            start, end = {"DOWN": ((cx, cy + dy), (cx, cy - dy)), "UP": ((cx, cy - dy), (cx, cy + dy)),
                          "RIGHT": ((cx + dx, cy), (cx - dx, cy)), "LEFT": ((cx - dx, cy), (cx + dx, cy))}[direction]
            self.driver.swipe(start[0], start[1], end[0], end[1], 300)

    def do_inputText(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802
        args = self.expand(args)
        if "into" in args:
            found = self.wait_visible(args["into"])
            if found is None:
                raise self.failed(step, f"no field matches {describe(args['into'])}")
            self.element(found).send_keys(args["text"])
            return
        self.driver.switch_to.active_element.send_keys(args["text"])  # the focused field

    def do_shell(self, step: Step, command: str) -> None:
        result = self.phone.shell(self.expand(command), check=False)
        if result.status != 0:
            raise self.failed(step, f"exited with status {result.status}: {(result.stdout + result.stderr).strip()}")

    def do_back(self, step: Step, args: None) -> None:
        self.driver.back()

    def do_hideKeyboard(self, step: Step, args: None) -> None:  # noqa: N802
        if self.driver.is_keyboard_shown():  # the driver reads `dumpsys input_method`
            self.driver.hide_keyboard()

    def do_pressKey(self, step: Step, code: int) -> None:  # noqa: N802
        self.driver.press_keycode(code)

    def _condition(self, when: tuple[str, Any] | None) -> bool:
        if when is None:
            return True
        key, value = when
        if key == "true":
            return str(self.expand(str(value))).strip().lower() in ("true", "1", "yes", "on")
        present = bool(self.find(self.expand(value)))
        return present if key == "visible" else not present

    def do_runFlow(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802
        if not self._condition(args["when"]):
            self.log.append(f"{step.where} {step.label()} skipped: `when` is false")
            return
        saved = dict(self.variables)
        self.variables.update({str(k): str(self.expand(v)) for k, v in (args.get("env") or {}).items()})
        try:
            self.run(args["commands"] if args["commands"] is not None else self.app.subflow(args["file"], step.where))
        finally:
            self.variables = saved

    def do_retry(self, step: Step, args: dict[str, Any]) -> None:
        for attempt in range(args["maxRetries"] + 1):
            try:
                self.run(args["commands"])
                return
            except ScenarioStepFailed as exc:
                if attempt == args["maxRetries"]:
                    raise self.failed(step, f"still failing after {attempt + 1} attempts; last: {exc}") from None
                self.log.append(f"{step.where} {step.label()} attempt {attempt + 1} failed: {exc}")

    def do_takeScreenshot(self, step: Step, name: str) -> None:  # noqa: N802
        folder = self.workdir / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.flow}-{len(self.screenshots) + 1:02d}-{self.expand(name)}.png"
        path.write_bytes(self.driver.get_screenshot_as_png())
        self.screenshots.append(path)
        from .. import report

        report.attach_png(path.stem, path.read_bytes())

    def do_runScript(self, step: Step, args: dict[str, Any]) -> None:  # noqa: N802
        module_name, _, function_name = args["function"].partition(":")
        try:
            function = getattr(importlib.import_module(module_name), function_name)
        except (ImportError, AttributeError) as exc:
            raise ScenarioError(f"cannot load {args['function']}: {exc}") from None
        result = function(ScriptContext(self), **self.expand(args["args"]))
        if isinstance(result, dict):
            self.variables.update({str(k): str(v) for k, v in result.items()})


@dataclass
class ScriptContext:
    """What a `runScript` function gets: the Appium driver, the Phone, the variables (writable:
    a returned dict also sets variables), the scenario and the working folder."""

    runner: FlowRunner

    @property
    def driver(self) -> Any:
        return self.runner.driver

    @property
    def phone(self) -> Any:
        return self.runner.phone

    @property
    def variables(self) -> dict[str, str]:
        return self.runner.variables

    @property
    def workdir(self) -> Path:
        return self.runner.workdir

    @property
    def app(self) -> AppiumApp:
        return self.runner.app


# -- the backup app --------------------------------------------------------------------------------
class AppiumApp(BackupApp):
    """A backup app driven through its UI by the scenario's flows, one Appium session per flow."""

    kind = "appium"

    def __init__(self, scenario: Scenario, server: Any = None, options: dict[str, str] | None = None):
        super().__init__(scenario.name, scenario.policy, scenario.source)
        self.scenario = scenario
        self.server = server  # an appium.AppiumServer; None = the shared one of this process
        self.options = dict(options or {})  # ${VAR} values given by the caller (win over env)
        self.results: list[StepResult] = []
        self._subflows: dict[str, list[Step]] = {}
        self.cloud: Any = None  # the CloudStore in use (`cloud: loopback`)
        self._own_cloud = False
        self.account = scenario.account

    def variables(self) -> dict[str, str]:
        """${VAR} values: APP_ID, CLOUD_URL, ACCOUNT, then the scenario's env, overridden by the
        environment, overridden by options."""
        values = {"APP_ID": self.scenario.app_id}
        if self.cloud is not None:
            values["CLOUD_URL"] = self.cloud.url_for_phone
        elif self.scenario.cloud and self.scenario.cloud != "loopback":
            values["CLOUD_URL"] = self.scenario.cloud
        if self.account:
            values["ACCOUNT"] = self.account
        values.update(self.scenario.env)
        values.update(os.environ)
        values.update(self.options)
        return values

    def use_cloud(self, store: Any) -> None:
        """Use a running CloudStore (tests share one and inspect it) instead of starting one."""
        self.cloud = store

    def close(self) -> None:
        """Stop the cloud store this app started."""
        if self.cloud is not None and self._own_cloud:
            self.cloud.stop()
            self.cloud, self._own_cloud = None, False

    def _ensure_cloud(self) -> None:
        if self.scenario.cloud == "loopback" and self.cloud is None:
            import weakref

            from ..virtual.cloud import CloudStore

            self.cloud, self._own_cloud = CloudStore().start(), True
            weakref.finalize(self, self.cloud.stop)
        if self.scenario.cloud and not self.account:
            self.account = self.cloud.new_account(self.name) if self.cloud is not None else f"{self.name}-tester"

    def install(self, phone: Any) -> None:
        spec = self.scenario.install
        if not spec:
            return
        if spec.startswith("builtin:"):
            from .intent import builtin_apk

            with tempfile.TemporaryDirectory(prefix="phonebackup-apk-") as tmp:
                path = Path(tmp) / f"{self.scenario.app_id}.apk"
                path.write_bytes(builtin_apk(spec.split(":", 1)[1]))
                phone.install(path)
            return
        path = Path(_VAR.sub(lambda m: self.variables().get(m.group(1), m.group(0)), spec))
        if not path.is_absolute() and self.scenario.source is not None:
            path = self.scenario.source.parent / path
        if not path.is_file():
            raise ScenarioError(f"{self.scenario.source}: install: no APK at {path}")
        phone.install(path)

    def subflow(self, file: str, at: str) -> list[Step]:
        base = self.scenario.source.parent if self.scenario.source else Path.cwd()
        path = (base / file).resolve()
        if str(path) not in self._subflows:
            if not path.is_file():
                raise ScenarioError(f"{at}: runFlow: no flow file {path}")
            data = load_yaml(path)
            if isinstance(data, LocatedDict):
                data = data.get("steps") or data.get("commands")
            if not isinstance(data, LocatedList):
                raise ScenarioError(f"{at}: runFlow file {path} must hold a list of steps (or `steps:`)")
            self._subflows[str(path)] = parse_steps(data, f"{path}")
        return self._subflows[str(path)]

    def check_flow_files(self, steps: list[Step], seen: frozenset[str] = frozenset()) -> None:
        """Load every runFlow file these steps name (recursively), so a typo fails at load time."""
        for step in steps:
            inner: list[Step] = []
            if step.command == "runFlow" and step.args["file"]:
                file = step.args["file"]
                if _VAR.search(file):
                    continue  # chosen at run time
                inner = self.subflow(file, step.where)
                key = str((self.scenario.source.parent if self.scenario.source else Path.cwd()) / file)
                if key in seen:
                    raise ScenarioError(f"{step.where}: runFlow {file} runs itself again (a loop)")
                self.check_flow_files(inner, seen | {key})
            elif step.command in ("runFlow", "retry"):
                self.check_flow_files(step.args["commands"] or [], seen)

    def _server(self) -> Any:
        if self.server is None:
            from ..appium import shared_server

            self.server = shared_server()
        return self.server

    def run_flow(self, flow: str, phone: Any, workdir: Path) -> StepResult:
        steps = self.scenario.flows.get(flow)
        if steps is None:
            return StepResult(flow, 0.0, "(no flow)")
        workdir = Path(workdir)
        started = time.monotonic()
        driver = self._server().session(phone.serial, extra=dict(self.scenario.capabilities))
        runner = FlowRunner(self, driver, phone, workdir, flow)
        try:
            runner.run(steps)
        except (ScenarioStepFailed, ScenarioError) as exc:
            from .. import report

            report.attach_text(f"{self.name}: {flow} steps", "\n".join(runner.log + [f"FAILED: {exc}"]))
            self._keep_evidence(driver, workdir, flow)
            raise
        finally:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001 - the session may be gone with the phone; the step's error matters
                pass
        result = StepResult(flow, time.monotonic() - started, "\n".join(runner.log))
        self.results.append(result)
        from .. import report

        report.attach_text(f"{self.name}: {flow} steps", result.output)
        return result

    def _keep_evidence(self, driver: Any, workdir: Path, flow: str) -> None:
        """Screenshot and page source of the moment a flow failed: in the workdir and in Allure."""
        from .. import report

        folder = workdir / "appium"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            png, source = driver.get_screenshot_as_png(), driver.page_source
        except Exception:  # noqa: BLE001 - a dead session has no evidence to give
            return
        (folder / f"{flow}-failure.png").write_bytes(png)
        (folder / f"{flow}-failure.xml").write_text(source, encoding="utf-8")
        report.attach_png(f"{flow} failed: screen", png)
        report.attach_text(f"{flow} failed: page source", source, "xml")

    def prepare(self, phone: Any) -> None:
        self._ensure_cloud()
        self.install(phone)
        if "prepare" in self.scenario.flows:
            self.run_flow("prepare", phone, Path(tempfile.mkdtemp(prefix=f"{self.name}-prepare-")))

    def backup(self, phone: Any, workdir: Path) -> StepResult:
        return self.run_flow("backup", phone, workdir)

    def restore(self, phone: Any, workdir: Path) -> StepResult:
        return self.run_flow("restore", phone, workdir)
