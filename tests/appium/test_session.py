"""A real Appium server with the real UiAutomator2 driver opens a session on the virtual phone:
the driver installs its server APKs, runs `am instrument`, and talks to the server on tcp:6790."""

from __future__ import annotations

import base64
import io
import re

import pytest
from appium.webdriver.common.appiumby import AppiumBy
from lxml import etree
from PIL import Image
from selenium.common.exceptions import NoSuchElementException

from pytest_phonebackup.virtual import PhoneConfig

LAUNCHER = "com.google.android.apps.nexuslauncher"
SETTINGS = "com.android.settings"


@pytest.fixture(scope="module")
def shared_phone_config(tmp_path_factory: pytest.TempPathFactory) -> PhoneConfig:
    return PhoneConfig(data_dir=tmp_path_factory.mktemp("ui") / "phone", storage_bytes=1024**3)


@pytest.fixture(scope="module")
def phone(shared_phone):
    return shared_phone


@pytest.fixture(scope="module")
def driver(appium_server, phone):
    driver = appium_server.session(phone.serial)
    yield driver
    driver.quit()


@pytest.fixture
def home(driver, phone):
    phone.sh("input keyevent HOME")
    driver.implicitly_wait(0)
    return driver


def test_session_installs_the_driver_apks_and_runs_the_server(driver, phone):
    assert driver.session_id
    packages = phone.sh("pm list packages")[1].decode()
    for package in ("io.appium.settings", "io.appium.uiautomator2.server", "io.appium.uiautomator2.server.test"):
        assert f"package:{package}\n" in packages
    assert "io.appium.uiautomator2.server" in phone.sh("ps -A")[1].decode()
    assert phone.lookup_port("tcp:6790") is not None
    assert driver.current_package == LAUNCHER


def test_find_by_accessibility_id_text_xpath_and_uiselector(home):
    by_desc = home.find_element(AppiumBy.ACCESSIBILITY_ID, "Settings")
    by_xpath = home.find_element(AppiumBy.XPATH, "//android.widget.TextView[@text='Settings']")
    by_uiselector = home.find_element(AppiumBy.ANDROID_UIAUTOMATOR, 'new UiSelector().text("Settings").clickable(true)')
    assert by_desc.id == by_desc.id and by_desc.text == by_xpath.text == by_uiselector.text == "Settings"
    assert by_desc.rect == by_xpath.rect
    workspace = home.find_element(AppiumBy.ID, f"{LAUNCHER}:id/workspace")
    assert workspace.get_attribute("scrollable") == "true"
    icons = workspace.find_elements(AppiumBy.CLASS_NAME, "android.widget.TextView")
    assert "Settings" in [icon.text for icon in icons]


def test_missing_element_is_no_such_element(home):
    with pytest.raises(NoSuchElementException):
        home.find_element(AppiumBy.ACCESSIBILITY_ID, "No such icon")
    assert home.find_elements(AppiumBy.XPATH, "//*[@text='No such icon']") == []


def test_click_opens_the_app_and_back_returns_home(home, phone):
    home.find_element(AppiumBy.ACCESSIBILITY_ID, "Settings").click()
    assert home.current_package == SETTINGS
    wifi = home.find_element(AppiumBy.ID, f"{SETTINGS}:id/wifi_switch")
    before = wifi.get_attribute("checked")
    wifi.click()
    after = home.find_element(AppiumBy.ID, f"{SETTINGS}:id/wifi_switch").get_attribute("checked")
    assert after != before
    assert phone.system.network.wifi_enabled == (after == "true")
    home.back()
    assert home.current_package == LAUNCHER
    if after == "false":
        phone.system.network.set_wifi(True)


def test_page_source_is_the_servers_xml(home):
    source = home.page_source
    assert source.startswith("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>")
    root = etree.fromstring(source.encode())
    assert root.tag == "hierarchy" and root.get("rotation") == "0"
    icon = root.xpath("//*[@content-desc='Settings']")[0]
    assert icon.tag == icon.get("class") == "android.widget.TextView"
    assert icon.get("package") == LAUNCHER and icon.get("clickable") == "true" and icon.get("displayed") == "true"
    assert re.fullmatch(r"\[\d+,\d+\]\[\d+,\d+\]", icon.get("bounds"))
    keys = list(icon.attrib)
    assert keys[:4] == ["index", "package", "class", "text"]
    assert keys.index("bounds") < keys.index("displayed") < keys.index("window-id")


def test_screenshot_is_the_phone_screen(home, phone):
    png = base64.b64decode(home.get_screenshot_as_base64())
    image = Image.open(io.BytesIO(png))
    assert image.size == phone.system.screen.size
    assert home.get_window_size() == {"width": image.size[0], "height": image.size[1]}


def test_key_presses_and_taps_reach_the_foreground_app(home, phone):
    home.press_keycode(4)  # BACK on the home screen: recorded, nothing to leave
    assert phone.system.screen.events[-1].kind == "keyevent"
    icon = home.find_element(AppiumBy.ACCESSIBILITY_ID, "Settings")
    home.tap([(icon.rect["x"] + 20, icon.rect["y"] + 20)])
    assert home.current_package == SETTINGS
    home.back()


def test_quit_stops_the_server_and_a_new_session_starts_it_again(appium_server, virtual_phone):
    for _ in range(2):
        driver = appium_server.session(virtual_phone.serial)
        try:
            assert driver.find_element(AppiumBy.ACCESSIBILITY_ID, "Settings").text == "Settings"
            assert virtual_phone.lookup_port("tcp:6790") is not None
        finally:
            driver.quit()
        assert "io.appium.uiautomator2.server\n" not in virtual_phone.sh("ps -A")[1].decode()
        assert virtual_phone.lookup_port("tcp:6790") is None
