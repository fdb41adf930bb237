"""Appium fixtures: one real Appium server (the project-local Appium 3 + UiAutomator2 driver) for the
test session, and virtual phones listed by the private adb server for it to drive."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_phonebackup.apps.appium_server import AppiumServer
from pytest_phonebackup.nodetools import node_tool


@pytest.fixture(scope="session")
def appium_server(adb_server, tmp_path_factory: pytest.TempPathFactory) -> AppiumServer:
    if not node_tool("appium").exists():
        pytest.skip("Appium is not installed: run `phonebackup tools install` (tox does it before the tests)")
    server = AppiumServer(log_path=tmp_path_factory.mktemp("appium") / "appium.log").start()
    yield server
    server.stop()


@pytest.fixture
def ui_phone_config(tmp_path: Path):
    from pytest_phonebackup.virtual import PhoneConfig

    return PhoneConfig(data_dir=tmp_path / "phone", storage_bytes=1024**3)
