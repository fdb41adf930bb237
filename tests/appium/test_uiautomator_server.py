"""The UiAutomator2 server of the virtual phone, spoken to over HTTP as the driver does: `am instrument`
starts it once the driver's APKs are installed, routes answer in the server's JSON envelope, and
mistakes get the server's W3C errors and HTTP statuses."""

from __future__ import annotations

import http.client
import json
import threading

import pytest

from pytest_phonebackup.nodetools import tools_dir
from pytest_phonebackup.virtual.uiautomator import RUNNER, W3C_ELEMENT

APKS = tools_dir() / "node_modules" / "appium-uiautomator2-driver" / "node_modules" / \
    "appium-uiautomator2-server" / "apks"
INSTRUMENT = f"am instrument -w -e disableAnalytics true {RUNNER}"


def request(address, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.fixture
def server(virtual_phone):
    if not APKS.is_dir():
        pytest.skip("the UiAutomator2 driver is not installed: run `phonebackup tools install`")
    packages = virtual_phone.system.packages
    for apk in ("appium-uiautomator2-server-v10.6.6.apk", "appium-uiautomator2-server-debug-androidTest.apk"):
        packages.install((APKS / apk).read_bytes())
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(result=virtual_phone.sh(INSTRUMENT)), daemon=True)
    thread.start()
    for _ in range(100):
        if virtual_phone.lookup_port("tcp:6790"):
            break
        thread.join(0.05)
    address = virtual_phone.lookup_port("tcp:6790")
    assert address is not None, outcome
    yield address, thread, outcome
    virtual_phone.sh("am force-stop io.appium.uiautomator2.server")
    thread.join(5)


def test_instrument_without_the_server_apks_fails_as_android_does(virtual_phone):
    status, out, _err = virtual_phone.sh(INSTRUMENT)
    assert status != 0
    assert b"Unable to find instrumentation info" in out
    assert virtual_phone.lookup_port("tcp:6790") is None


def test_status_sessions_and_errors_in_the_servers_envelope(server):
    address, thread, outcome = server
    assert request(address, "GET", "/status") == (200, {"sessionId": "None", "value": {
        "ready": True, "message": "UiAutomator2 Server is ready to accept commands",
        "build": {"version": "10.6.6", "versionCode": 278}}})
    assert request(address, "GET", "/sessions")[1]["value"] == []
    status, body = request(address, "POST", "/session", {"capabilities": {"firstMatch": [{"platformName": "Android"}],
                                                                           "alwaysMatch": {}}})
    sid = body["value"]["sessionId"]
    assert status == 200 and body["sessionId"] == sid
    assert request(address, "GET", "/sessions")[1]["value"][0]["id"] == sid

    status, body = request(address, "POST", f"/session/{sid}/element", {"strategy": "css selector", "selector": "a"})
    assert (status, body["value"]["error"]) == (400, "invalid selector")
    status, body = request(address, "POST", f"/session/{sid}/element",
                           {"strategy": "-android uiautomator", "selector": "new UiSelector().text(\"x\""})
    assert (status, body["value"]["error"]) == (400, "invalid selector")
    status, body = request(address, "POST", f"/session/{sid}/element", {"strategy": "id", "selector": "nothing"})
    assert (status, body["value"]["error"]) == (404, "no such element")
    assert request(address, "POST", f"/session/{sid}/elements", {"strategy": "id", "selector": "nothing"}) == \
        (200, {"sessionId": sid, "value": []})
    status, body = request(address, "GET", "/session/not-a-session/source")
    assert (status, body["value"]["error"]) == (404, "invalid session id")
    status, body = request(address, "GET", f"/session/{sid}/no/such/route")
    assert (status, body["value"]["error"]) == (404, "unknown command")
    assert set(body["value"]) == {"error", "message", "stacktrace"}

    request(address, "DELETE", f"/session/{sid}")
    thread.join(5)
    assert not thread.is_alive()
    status, out, _ = outcome["result"]
    assert status == 0 and b"OK (1 test)" in out


def test_an_element_of_a_screen_that_changed_is_stale(server, virtual_phone):
    address, _thread, _outcome = server
    sid = request(address, "POST", "/session", {"capabilities": {"firstMatch": [{}]}})[1]["value"]["sessionId"]
    found = request(address, "POST", f"/session/{sid}/element",
                    {"strategy": "xpath", "selector": "//*[@content-desc='Settings']", "context": ""})[1]["value"]
    element = found[W3C_ELEMENT]
    assert found["ELEMENT"] == element
    assert request(address, "GET", f"/session/{sid}/element/{element}/text")[1]["value"] == "Settings"
    assert request(address, "GET", f"/session/{sid}/element/{element}/attribute/clickable")[1]["value"] == "true"
    request(address, "POST", f"/session/{sid}/element/{element}/click", {"element": element})
    assert virtual_phone.system.activity.top.package == "com.android.settings"
    status, body = request(address, "GET", f"/session/{sid}/element/{element}/text")
    assert (status, body["value"]["error"]) == (404, "stale element reference")
    request(address, "POST", f"/session/{sid}/back", {})
    assert virtual_phone.system.activity.top.package == "com.google.android.apps.nexuslauncher"


def test_typing_into_an_element_taps_it_then_types_and_presses_enter(server, virtual_phone):
    address, _thread, _outcome = server
    sid = request(address, "POST", "/session", {"capabilities": {"firstMatch": [{}]}})[1]["value"]["sessionId"]
    search = request(address, "POST", f"/session/{sid}/element",
                     {"strategy": "accessibility id", "selector": "Search"})[1]["value"][W3C_ELEMENT]
    events = virtual_phone.system.screen.events
    before = len(events)
    status, body = request(address, "POST", f"/session/{sid}/element/{search}/value",
                           {"elementId": search, "text": "beach 2024\n", "replace": False})
    assert (status, body["value"]) == (200, None)
    typed = [(e.kind, e.args) for e in list(events)[before:]]
    assert typed[0][0] == "tap" and typed[1:] == [("text", ("beach 2024",)), ("keyevent", (66, False))]
