"""The scenario language of `kind: appium` scenarios (scenarios/*.yaml): Maestro-like steps
(launchApp, tapOn, assertVisible, waitFor, scrollUntilVisible, runFlow, retry, runScript, ...) checked
at load time into `Step`s, and the whole scenario into a `Scenario`. Not for running them (see `runner.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import ScenarioError, did_you_mean
from ...policy import Policy
from ...units import parse_duration
from ...yamlfile import LocatedDict, relocate, unknown_key, where

DEFAULT_TIMEOUT = 20.0  # seconds a condition may take before the step fails (scenario `timeout:` changes it)
SELECTOR_KEYS = ("text", "id", "accessibilityId", "className", "index", "below", "above", "childOf",
                 "enabled", "checked", "selected", "optional")
KEYS = {"enter": 66, "home": 3, "back": 4, "backspace": 67, "delete": 67, "tab": 61, "space": 62,
        "volume up": 24, "volume down": 25, "power": 26, "search": 84, "menu": 82, "escape": 111}
TOP_KEYS = ("name", "kind", "description", "appId", "activity", "policy", "env", "timeout", "capabilities",
            "install", "cloud", "account", "prepare", "backup", "restore")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


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
    error = unknown_key(value, SELECTOR_KEYS, at, noun="selector key")
    if error:
        raise error
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
    error = unknown_key(value, allowed, at, prefix=f"`{command}`: ")
    if error:
        raise error
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
            selector = _check_selector(relocate(rest, value), at)
            selector["timeout"] = _check_timeout(value["timeout"], where(value, "timeout") or at)
            return selector
        return _check_selector(value, at)
    return check


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
            when = relocate({("true" if k is True else k): v for k, v in when.items()}, when, {"True": "true"})
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
            raise _fail(step_at, f"step {number}: unknown command {command!r}; known: {', '.join(COMMANDS)}"
                                 f"{did_you_mean(command, COMMANDS)}")
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
    error = unknown_key(data, TOP_KEYS, str(path))
    if error:
        raise error
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
