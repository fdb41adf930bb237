"""Runs a flow's steps against one Appium session: every step waits on a condition of the screen
(polling its page source), never on the clock; failures name file, line and step.
Not for the schema (see `schema.py`) or for the app and its sessions (see `../appium_app.py`).
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from ...errors import ScenarioError, ScenarioStepFailed
from ...observer import current_observer
from ...phonelike import PhoneLike
from .schema import VARIABLE, Step
from .selectors import Found, describe, match

if TYPE_CHECKING:
    from appium.webdriver.webdriver import WebDriver
    from appium.webdriver.webelement import WebElement

    from ..appium_app import AppiumApp

POLL = 0.25  # seconds between looks at the screen while waiting on a condition


class FlowRunner:
    """Runs steps against one Appium session; everything waits on the screen, never on the clock."""

    def __init__(self, app: AppiumApp, driver: WebDriver, phone: PhoneLike, workdir: Path, flow: str):
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
            return VARIABLE.sub(sub, value)
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

    def element(self, found: Found) -> WebElement:
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
        current_observer().attach(path.stem, path.read_bytes(), "png")

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
    def driver(self) -> WebDriver:
        return self.runner.driver

    @property
    def phone(self) -> PhoneLike:
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
