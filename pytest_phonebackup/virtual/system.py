"""The Android side of the virtual phone: settings, packages, activities, MediaStore, network,
input, screen and logcat, and the commands that reach them (pm, am, cmd, content, svc, dumpsys...).
Not for toybox applets (see `shell/applets`) or for the ADB wire format.
"""

from __future__ import annotations

from typing import Any

from .shell.api import Context, applet


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


@applet("getprop")
def getprop(ctx: Context, argv: list[str]) -> int:
    props = ctx.phone.props
    if len(argv) > 1:
        ctx.out(props.get(argv[1], argv[2] if len(argv) > 2 else "") + "\n")
        return 0
    for key in sorted(props.keys()):
        ctx.out(f"[{key}]: [{props.get(key)}]\n")
    return 0
