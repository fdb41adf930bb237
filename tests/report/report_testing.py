"""Helpers of the report tests: the round-trip session they run (a test file a QA engineer would
write), its results folder, and headless Chromium driven over the DevTools protocol (the system
browser, never a downloaded one). Fixtures are in conftest.py."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS_ENV = "PHONEBACKUP_TEST_ARTIFACTS"  # where screenshots are kept (CI uploads that folder)
DEFAULT_ARTIFACTS = REPO / ".phonebackup" / "artifacts"

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


@pytest.mark.backup_app("cloudphotos")
def test_backup_pauses_without_wifi(roundtrip, phone_faults, backup_app):
    # Not caught: the report must say what was seeded and what the app had done.
    backup_app.backup_step.paused_after = 1
    phone_faults.wifi_off()
    roundtrip("smoke")


def test_scenario_file_is_wrong(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: bad\\nkind: telepathy\\n")
    load_app(tmp_path / "bad.yaml")
'''

FAULT_CATEGORY = {None: None, "drop": "Product defect: Data loss", "truncate": "Product defect: Corruption",
                  "strip-datetime": "Product defect: Metadata loss", "recompress": "Product defect: Altered on restore"}


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

    def send(self, method: str, _session: str | None = None, **params: Any) -> dict[str, Any]:
        """One DevTools command (to the page, or to the target attached as session `_session`); its result."""
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if _session:
            message["sessionId"] = _session
        self.ws.send(json.dumps(message))
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

    def frames(self) -> list[dict[str, Any]]:
        """The page's frames below the top one (id, url), depth first."""
        found, todo = [], list(self.send("Page.getFrameTree")["frameTree"].get("childFrames", []))
        while todo:
            node = todo.pop(0)
            found.append(node["frame"])
            todo[:0] = node.get("childFrames", [])
        return found

    def evaluate_in_frames(self, expression: str) -> list[Any]:
        """Evaluate in each child frame, cross-origin ones too: a report opened over file:// shows its
        HTML attachments in sandboxed blob: frames that the page's JavaScript may not read and that
        Chromium runs as targets of their own (attached here). The values."""
        values = []
        contexts: list[tuple[str | None, dict[str, Any]]] = []
        for frame in self.frames():  # frames in the page's own process
            with contextlib.suppress(RuntimeError):  # the frame was replaced or went away meanwhile
                world = self.send("Page.createIsolatedWorld", frameId=frame["id"], worldName="report-test")
                contexts.append((None, {"contextId": world["executionContextId"]}))
        for target in self.send("Target.getTargets")["targetInfos"]:
            if target["type"] == "iframe":
                with contextlib.suppress(RuntimeError):
                    contexts.append((self.send("Target.attachToTarget", targetId=target["targetId"],
                                               flatten=True)["sessionId"], {}))
        for session, where in contexts:
            with contextlib.suppress(RuntimeError):
                result = self.send("Runtime.evaluate", session, expression=expression, returnByValue=True, **where)
                if "exceptionDetails" not in result:
                    values.append(result["result"].get("value"))
        return values

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


def artifacts_folder() -> Path:
    """$PHONEBACKUP_TEST_ARTIFACTS (tox sets it under its work dir), else .phonebackup/artifacts in the
    project folder."""
    return Path(os.environ.get(ARTIFACTS_ENV) or DEFAULT_ARTIFACTS)


def keep_artifact(path: Path, name: str | None = None) -> Path:
    """Copy a screenshot into the artifacts folder (as `name`, default its own name) as well as leaving
    it in the test's tmp folder; the copy's path."""
    folder = artifacts_folder()
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / (name or path.name)
    shutil.copy2(path, kept)
    return kept


_EMBEDDED = re.compile(r'd\("([^"]+)","([A-Za-z0-9+/=]*)"\)')


def embedded_files(page: Path) -> dict[str, bytes]:
    """The files Allure 3's single-file report carries inside its page (`d("widgets/x.json", "<base64>")`
    calls), by their path in the multi-file form."""
    text = page.read_text(encoding="utf-8")
    return {m.group(1): base64.b64decode(m.group(2)) for m in _EMBEDDED.finditer(text)}
