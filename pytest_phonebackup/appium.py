"""Compatibility names for the plugin while it moves to owning an `AppiumService` itself: the Appium
server and service live in `apps/appium_server.py`. This module keeps the one service of the
plugin's test session (set from --appium-url); nothing else should use it.
"""

from __future__ import annotations

from .apps.appium_server import (
    SESSION_DEFAULTS,
    START_TIMEOUT,
    AppiumServer,
    AppiumService,
    android_home,
    server_status,
)

__all__ = ["SESSION_DEFAULTS", "START_TIMEOUT", "AppiumServer", "AppiumService", "android_home", "server_status",
           "shared_server", "shared_service", "stop_shared_server", "use_url"]

_service: AppiumService | None = None


def use_url(url: str | None) -> None:
    """Use an existing Appium server (device farm, Selenium Grid) instead of starting one."""
    global _service
    stop_shared_server()
    _service = AppiumService.from_environment(url)


def shared_service() -> AppiumService:
    """The plugin's service: the --appium-url (or $PHONEBACKUP_APPIUM_URL) server, or one started on first use."""
    global _service
    if _service is None:
        _service = AppiumService.from_environment()
    return _service


def shared_server() -> AppiumServer:
    """The plugin's Appium server, started on first use."""
    return shared_service().server()


def stop_shared_server() -> None:
    """Stop the server the plugin's service started (a --appium-url server is left alone)."""
    if _service is not None:
        _service.close()
