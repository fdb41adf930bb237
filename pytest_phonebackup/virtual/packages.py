"""Installed packages of the virtual phone (PackageManager): the package database, installs from
APK files and streams, and the `pm` / `cmd package` / `dumpsys package` commands.
Not for APK parsing (see `apk`) nor for running apps (see `apps`).
"""

from __future__ import annotations

from typing import Any


class PackageManager:
    """The phone's package database. One per phone, persisted in `phone.state_dir`."""

    def __init__(self, phone: Any):
        self.phone = phone
