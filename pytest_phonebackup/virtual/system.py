"""The Android side of the virtual phone: settings, packages, activities, MediaStore, network,
input, screen and logcat, and the commands that reach them (pm, am, cmd, content, svc, dumpsys...).
Not for toybox applets (see `shell/applets`) or for the ADB wire format.
"""

from __future__ import annotations

from typing import Any


class AndroidSystem:
    """Android's system services for one phone. Lives as long as the phone; reboots go through
    `on_shutdown` / `on_boot_started` / `on_boot_completed`."""

    def __init__(self, phone: Any):
        self.phone = phone

    def log(self, tag: str, message: str, priority: str = "I", pid: int = 0) -> None:
        """Append a line to the phone's logcat (the main buffer)."""

    def on_boot_started(self) -> None:
        """The kernel is up: services start, nothing is complete yet."""

    def on_boot_completed(self) -> None:
        """sys.boot_completed=1: the boot broadcast goes out, MediaStore rescans."""

    def on_shutdown(self) -> None:
        """Going down (reboot, kill): save state, stop apps."""
