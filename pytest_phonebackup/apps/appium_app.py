"""UI-driven backup apps (`kind: appium`): a scenario's flows (see `flows/`) run through one
Appium UiAutomator2 session per flow, on a server from an `AppiumService` (see `appium_server.py`).
"""

from __future__ import annotations

import os
import tempfile
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ScenarioError, ScenarioStepFailed
from ..observer import current_observer
from ..phonelike import PhoneLike
from ..policy import Policy
from ..yamlfile import LocatedDict, LocatedList, load_yaml
from .appium_server import AppiumService
from .base import BackupApp, StepResult
from .flows.runner import FlowRunner
from .flows.schema import VARIABLE, Scenario, Step, parse_scenario, parse_steps

if TYPE_CHECKING:
    from appium.webdriver.webdriver import WebDriver

    from ..virtual.cloud import CloudStore


def load_appium_app(name: str, policy: Policy, data: LocatedDict, path: Path, *,
                    appium: AppiumService | None = None) -> AppiumApp:
    """`kind: appium` branch of apps.load_app. Flow files named by runFlow are checked too."""
    app = AppiumApp(parse_scenario(name, policy, data, path), appium=appium)
    for steps in app.scenario.flows.values():
        app.check_flow_files(steps)
    return app


class AppiumApp(BackupApp):
    """A backup app driven through its UI by the scenario's flows, one Appium session per flow.

    `appium` is the service its sessions come from (share one between apps); without one the app
    makes its own on first use ($PHONEBACKUP_APPIUM_URL, or a server it starts) and `close()` stops it."""

    kind = "appium"

    def __init__(self, scenario: Scenario, appium: AppiumService | None = None,
                 options: dict[str, str] | None = None):
        super().__init__(scenario.name, scenario.policy, scenario.source)
        self.scenario = scenario
        self.appium = appium
        self._own_appium = False
        self.options = dict(options or {})  # ${VAR} values given by the caller (win over env)
        self.results: list[StepResult] = []
        self._subflows: dict[str, list[Step]] = {}
        self.cloud: CloudStore | None = None  # the CloudStore in use (`cloud: loopback`)
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

    def use_cloud(self, store: CloudStore) -> None:
        """Use a running CloudStore (tests share one and inspect it) instead of starting one."""
        self.cloud = store

    def close(self) -> None:
        """Stop the cloud store and the Appium server this app started."""
        if self.cloud is not None and self._own_cloud:
            self.cloud.stop()
            self.cloud, self._own_cloud = None, False
        if self.appium is not None and self._own_appium:
            self.appium.close()
            self.appium, self._own_appium = None, False

    def _ensure_cloud(self) -> None:
        if self.scenario.cloud == "loopback" and self.cloud is None:
            from ..virtual.cloud import CloudStore

            self.cloud, self._own_cloud = CloudStore().start(), True
            weakref.finalize(self, self.cloud.stop)
        if self.scenario.cloud and not self.account:
            self.account = self.cloud.new_account(self.name) if self.cloud is not None else f"{self.name}-tester"

    def install(self, phone: PhoneLike) -> None:
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
        path = Path(VARIABLE.sub(lambda m: self.variables().get(m.group(1), m.group(0)), spec))
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
                if VARIABLE.search(file):
                    continue  # chosen at run time
                inner = self.subflow(file, step.where)
                key = str((self.scenario.source.parent if self.scenario.source else Path.cwd()) / file)
                if key in seen:
                    raise ScenarioError(f"{step.where}: runFlow {file} runs itself again (a loop)")
                self.check_flow_files(inner, seen | {key})
            elif step.command in ("runFlow", "retry"):
                self.check_flow_files(step.args["commands"] or [], seen)

    def appium_service(self) -> AppiumService:
        """The service sessions come from: the one given, or this app's own (made on first use)."""
        if self.appium is None:
            self.appium, self._own_appium = AppiumService.from_environment(), True
            weakref.finalize(self, self.appium.close)
        return self.appium

    def run_flow(self, flow: str, phone: PhoneLike, workdir: Path) -> StepResult:
        steps = self.scenario.flows.get(flow)
        if steps is None:
            return StepResult(flow, 0.0, "(no flow)")
        workdir = Path(workdir)
        started = time.monotonic()
        driver = self.appium_service().session_for(phone, extra=dict(self.scenario.capabilities))
        runner = FlowRunner(self, driver, phone, workdir, flow)
        try:
            runner.run(steps)
        except (ScenarioStepFailed, ScenarioError) as exc:
            current_observer().attach(f"{self.name}: {flow} steps", "\n".join(runner.log + [f"FAILED: {exc}"]))
            self._keep_evidence(driver, workdir, flow)
            raise
        finally:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001 - the session may be gone with the phone; the step's error matters
                pass
        result = StepResult(flow, time.monotonic() - started, "\n".join(runner.log))
        self.results.append(result)
        current_observer().attach(f"{self.name}: {flow} steps", result.output)
        return result

    def _keep_evidence(self, driver: WebDriver, workdir: Path, flow: str) -> None:
        """Screenshot and page source of the moment a flow failed: in the workdir and in Allure."""
        folder = workdir / "appium"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            png, source = driver.get_screenshot_as_png(), driver.page_source
        except Exception:  # noqa: BLE001 - a dead session has no evidence to give
            return
        (folder / f"{flow}-failure.png").write_bytes(png)
        (folder / f"{flow}-failure.xml").write_text(source, encoding="utf-8")
        observer = current_observer()
        observer.attach(f"{flow} failed: screen", png, "png")
        observer.attach(f"{flow} failed: page source", source, "xml")

    def prepare(self, phone: PhoneLike) -> None:
        self._ensure_cloud()
        self.install(phone)
        if "prepare" in self.scenario.flows:
            # The flow's folder outlives it only when it holds evidence of a failure.
            workdir = Path(tempfile.mkdtemp(prefix=f"{self.name}-prepare-"))
            try:
                self.run_flow("prepare", phone, workdir)
            finally:
                if not any(workdir.iterdir()):
                    workdir.rmdir()

    def backup(self, phone: PhoneLike, workdir: Path) -> StepResult:
        return self.run_flow("backup", phone, workdir)

    def restore(self, phone: PhoneLike, workdir: Path) -> StepResult:
        return self.run_flow("restore", phone, workdir)
