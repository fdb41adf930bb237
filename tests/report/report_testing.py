"""Helpers of the report tests: the round-trip session they run (a test file a QA engineer would
write), its results folder, and headless Chromium driven over the DevTools protocol (the system
browser, never a downloaded one). Fixtures are in conftest.py."""

from __future__ import annotations

import base64
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS_ENV = "PHONEBACKUP_TEST_ARTIFACTS"  # CI keeps screenshots there

# The session under test: what a QA engineer would write. Each fault breaks one file of the restore.
ROUND_TRIPS = '''
import pytest

from pytest_phonebackup.reporting import failure_message
from pytest_phonebackup.apps import load_app
from pytest_phonebackup.apps.command import CommandApp
from pytest_phonebackup.roundtrip import RoundTrip


WORST_VERDICT = {"drop": "missing", "truncate": "corrupted", "strip-datetime": "metadata-lost",
                 "recompress": "recompressed"}


def mirror(fault=None):
    base = load_app("adb-mirror")
    restore = base.commands["restore"] + (f" --fault {fault}" if fault else "")
    return CommandApp("adb-mirror" + (f" --fault {fault}" if fault else ""), base.policy, base.commands["backup"],
                      restore, source=base.source)


@pytest.mark.parametrize("fault", [None, "drop", "truncate", "strip-datetime", "recompress"])
def test_round_trip(phone_factory, tmp_path, fault):
    # A new phone each: a faulty restore leaves files behind that the gallery's wipe rightly keeps.
    result = RoundTrip(phone_factory(), mirror(fault), profile="smoke", seed=3, workdir=tmp_path).run()
    if fault:
        assert result.report.worst == WORST_VERDICT[fault], result.report.summary()
    assert result.ok, failure_message(result.report, result.manifest)


def test_backup_tool_fails(phone_factory, tmp_path):
    base = load_app("adb-mirror")
    broken = CommandApp("broken-tool", base.policy,
                        "{python} -c \\"import sys; print('backup: no space left on the backup drive'); sys.exit(4)\\"",
                        base.commands["restore"])
    RoundTrip(phone_factory(), broken, profile="smoke", seed=3, workdir=tmp_path).run()


def test_phone_command_fails(phone):
    phone.shell("echo about to fail; exit 3")


def test_scenario_file_is_wrong(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: bad\\nkind: telepathy\\n")
    load_app(tmp_path / "bad.yaml")
'''

FAULT_CATEGORY = {None: None, "drop": "Data loss", "truncate": "Corruption", "strip-datetime": "Metadata loss",
                  "recompress": "Altered on restore"}


@dataclass
class AllureRun:
    """The finished pytest session: its output and the Allure results folder."""

    results: Path
    stdout: str
    returncode: int
    folder: Path

    def test_results(self) -> dict[str, dict[str, Any]]:
        out = {}
        for path in self.results.glob("*-result.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            out[data["name"]] = data
        return out


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """Headless Chromium over the DevTools protocol: navigate, evaluate JavaScript, screenshot."""

    def __init__(self, binary: str):
        import websocket  # websocket-client

        self.profile = tempfile.mkdtemp(prefix="phonebackup-chromium-")
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "--window-size=1400,1000", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError(f"chromium did not open its DevTools port (exit {self.proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(p for p in pages if p.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self._id = 0
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Poll a JavaScript expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}; page text: "
                                     f"{self.evaluate('document.body && document.body.innerText.slice(0, 800)')!r}")
            time.sleep(0.25)

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def keep_artifact(path: Path) -> Path:
    """Copy a screenshot to $PHONEBACKUP_TEST_ARTIFACTS (in CI by default ./test-artifacts) as well as
    leaving it in the test's tmp folder."""
    folder = os.environ.get(ARTIFACTS_ENV) or (str(REPO / "test-artifacts") if os.environ.get("CI") else None)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, Path(folder) / path.name)
    return path
