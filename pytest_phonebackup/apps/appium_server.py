"""Appium for UI-driven backup apps: a real Appium 3 server (the project-local install, with the
UiAutomator2 driver) started on a free loopback port, or an existing one by URL, and one UiAutomator2
session per phone. `AppiumService` is what apps are given: it starts its server on first use and
stops only what it started. Not for what the sessions do (see `appium_app.py` and `flows/`).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import InfrastructureError
from ..nodetools import node_tool, tools_dir
from ..phone.adb import adb_path, adb_server_port
from ..phonelike import PhoneLike

if TYPE_CHECKING:
    from appium.options.android import UiAutomator2Options
    from appium.webdriver.webdriver import WebDriver

URL_VARIABLE = "PHONEBACKUP_APPIUM_URL"  # the environment's Appium server, when no URL is given
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
    root = Path(folder) if folder else tools_dir() / "android-sdk"
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
        port: int = sock.getsockname()[1]
        return port


def server_status(url: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """GET {url}/status as JSON, or None when nothing answers there."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/status", timeout=timeout) as response:
            status = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return status if isinstance(status, dict) else None


class AppiumServer:
    """One Appium server for a test session: started here (`start()`), or an existing one (`url=`).

    Only a server this object started is stopped by `stop()`."""

    def __init__(self, url: str | None = None, *, log_path: str | Path | None = None,
                 appium_home: str | Path | None = None):
        self.url = url.rstrip("/") if url else ""
        self.external = bool(url)
        self.log_path = Path(log_path) if log_path else None
        self.appium_home = Path(appium_home) if appium_home else tools_dir()
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

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
                extra: dict[str, Any] | None = None) -> UiAutomator2Options:
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

    def session(self, serial: str, **kwargs: Any) -> WebDriver:
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


class AppiumService:
    """The Appium server UI-driven apps use: the one at `url` (a device farm, a Grid, your own), or
    else one started on 127.0.0.1 at first use. `close()` stops only the server this object started.

    One service is meant to be shared by every app of a test session (the plugin keeps one); a script
    can make its own, or use it as a context manager."""

    def __init__(self, url: str | None = None, *, log_path: str | Path | None = None,
                 appium_home: str | Path | None = None, start_timeout: float = START_TIMEOUT):
        self.given_url = url.rstrip("/") if url else None
        self.log_path = Path(log_path) if log_path else None
        self.appium_home = appium_home
        self.start_timeout = start_timeout
        self._server: AppiumServer | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, url: str | None = None, **kwargs: Any) -> AppiumService:
        """A service for `url`, else for $PHONEBACKUP_APPIUM_URL, else one that starts its own server."""
        return cls(url or os.environ.get(URL_VARIABLE) or None, **kwargs)

    @property
    def started(self) -> bool:
        """True once the server is running (or the given one answered)."""
        return self._server is not None

    def server(self) -> AppiumServer:
        """The server, started (or, for a given URL, checked) on first use."""
        with self._lock:
            if self._server is None:
                server = AppiumServer(self.given_url, log_path=self.log_path, appium_home=self.appium_home)
                self._server = server.start(self.start_timeout)
            return self._server

    def url(self) -> str:
        """The server's base URL (starts the server if need be)."""
        return self.server().url

    def session_for(self, phone: PhoneLike, *, app_package: str | None = None, app_activity: str | None = None,
                    extra: dict[str, Any] | None = None) -> WebDriver:
        """A new UiAutomator2 session (an appium `webdriver.Remote`) on `phone`; quit() it when done."""
        return self.server().session(phone.serial, app_package=app_package, app_activity=app_activity, extra=extra)

    def close(self) -> None:
        """Stop the server if this service started it; a given URL's server is left alone."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> AppiumService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.given_url or ("own server at " + self._server.url if self._server else "own server, not started")
        return f"AppiumService({where})"
