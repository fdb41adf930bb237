"""Appium for UI-driven backup apps: a real Appium 3 server (the project-local install, with the
UiAutomator2 driver) started on a free loopback port, or an existing one by URL, and one
UiAutomator2 session per phone. Not for what the sessions do (see `apps/appium_app.py`).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .errors import InfrastructureError
from .nodetools import node_tool, project_tools_dir
from .phone.adb import adb_path, adb_server_port

START_TIMEOUT = 60.0  # seconds for `appium` to answer /status (node loads the driver first)
#: Capabilities every session gets: no fixed sleeps in the driver, fast failure when the phone is gone.
SESSION_DEFAULTS: dict[str, Any] = {
    "appium:newCommandTimeout": 300,
    "appium:uiautomator2ServerLaunchTimeout": 30_000,
    "appium:adbExecTimeout": 60_000,
    "appium:autoGrantPermissions": False,
    "appium:skipLogcatCapture": True,
}


def android_home(folder: str | Path | None = None) -> Path:
    """A folder laid out as the driver expects an Android SDK: `platform-tools/adb` -> our adb.

    Uses $ANDROID_HOME when it already has an adb (a real SDK wins)."""
    for env in ("ANDROID_HOME", "ANDROID_SDK_ROOT"):
        existing = os.environ.get(env)
        if existing and (Path(existing) / "platform-tools" / "adb").exists():
            return Path(existing)
    root = Path(folder) if folder else project_tools_dir() / "android-sdk"
    tools = root / "platform-tools"
    tools.mkdir(parents=True, exist_ok=True)
    link = tools / "adb"
    target = Path(adb_path()).resolve()
    if not (link.is_symlink() and link.resolve() == target):
        # made beside and renamed over: parallel test workers may set the folder up at once
        temporary = tools / f".adb-{os.getpid()}"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(target)
        os.replace(temporary, link)
    return root


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_status(url: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """GET {url}/status as JSON, or None when nothing answers there."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/status", timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError, urllib.error.URLError):
        return None


class AppiumServer:
    """One Appium server for a test session: started here (`start()`), or an existing one (`url=`).

    Only a server this object started is stopped by `stop()`."""

    def __init__(self, url: str | None = None, *, log_path: str | Path | None = None,
                 appium_home: str | Path | None = None):
        self.url = url.rstrip("/") if url else ""
        self.external = bool(url)
        self.log_path = Path(log_path) if log_path else None
        self.appium_home = Path(appium_home) if appium_home else project_tools_dir()
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    def start(self, timeout: float = START_TIMEOUT) -> AppiumServer:
        if self.external:
            if server_status(self.url) is None:
                raise InfrastructureError(f"no Appium server answers at {self.url}/status; start it, or drop "
                                          "--appium-url to let the plugin start its own")
            return self
        binary = node_tool("appium")
        if not binary.exists():
            raise InfrastructureError(f"Appium is not installed in {self.appium_home}: run `phonebackup tools install` "
                                      "(npm ci of the pinned Appium 3 and UiAutomator2 driver), or pass --appium-url")
        port = _free_port()
        env = dict(os.environ, APPIUM_HOME=str(self.appium_home), ANDROID_HOME=str(android_home()),
                   ANDROID_ADB_SERVER_PORT=str(adb_server_port()))
        env.pop("ANDROID_SDK_ROOT", None)
        if self.log_path is None:
            self.log_path = Path(tempfile.mkdtemp(prefix="appium-")) / "appium.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "wb")  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            [str(binary), "server", "--address", "127.0.0.1", "--port", str(port), "--log-no-colors",
             "--log-timestamp", "--local-timezone"],
            env=env, stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise InfrastructureError(f"Appium exited with status {self.process.returncode} while starting; "
                                          f"its log: {self.log_path}\n{self.log_tail()}")
            status = server_status(self.url, timeout=1.0)
            if status and status.get("value", {}).get("ready", True):
                return self
            time.sleep(0.2)
        self.stop()
        raise InfrastructureError(f"Appium did not answer {self.url}/status within {timeout:g} s; its log: {self.log_path}")

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> AppiumServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- sessions ------------------------------------------------------------------------------
    def options(self, serial: str, *, app_package: str | None = None, app_activity: str | None = None,
                extra: dict[str, Any] | None = None) -> Any:
        """UiAutomator2Options for one phone (its serial), optionally launching an app."""
        from appium.options.android import UiAutomator2Options

        options = UiAutomator2Options()
        options.udid = serial
        options.device_name = serial
        options.set_capability("appium:adbPort", adb_server_port())
        # A free port from the OS for `adb forward`: the driver's default scan of 8200-8299 races with
        # other sessions and test runs on the same machine.
        options.set_capability("appium:systemPort", _free_port())
        for key, value in SESSION_DEFAULTS.items():
            options.set_capability(key, value)
        if app_package:
            options.app_package = app_package
            options.set_capability("appium:noReset", True)  # the app's data is the test's business
            if app_activity:
                options.app_activity = app_activity
        for key, value in (extra or {}).items():
            options.set_capability(key if ":" in key or key.startswith("platform") else f"appium:{key}", value)
        return options

    def session(self, serial: str, **kwargs: Any) -> Any:
        """A new UiAutomator2 session (an appium `webdriver.Remote`) on the phone `serial`; quit() it."""
        from appium import webdriver
        from selenium.common.exceptions import WebDriverException

        if not self.url:
            raise InfrastructureError("the Appium server is not started: call start() first")
        try:
            return webdriver.Remote(self.url, options=self.options(serial, **kwargs))
        except WebDriverException as exc:
            tail = "" if self.external else f"\nAppium log ({self.log_path}):\n{self.log_tail()}"
            raise InfrastructureError(f"Appium could not open a UiAutomator2 session on {serial}: "
                                      f"{(exc.msg or str(exc)).strip()}{tail}") from None


# -- the one server of this process (the plugin sets the URL from --appium-url) ------------------
_shared: AppiumServer | None = None
_shared_url: str | None = None


def use_url(url: str | None) -> None:
    """Use an existing Appium server (device farm, Selenium Grid) instead of starting one."""
    global _shared_url
    _shared_url = url or None


def shared_server() -> AppiumServer:
    """This process's Appium server: started on first use (or the --appium-url one), stopped at exit."""
    global _shared
    if _shared is None:
        import atexit

        url = _shared_url or os.environ.get("PHONEBACKUP_APPIUM_URL") or None
        server = AppiumServer(url).start()
        atexit.register(server.stop)
        _shared = server
    return _shared


def stop_shared_server() -> None:
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None
