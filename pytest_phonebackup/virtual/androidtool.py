"""What an Android tool (pm, am, dumpsys, getprop...) reaches from its applet context: the whole
virtual phone, with its Android side, emulator state and writable properties. Toybox applets and
the shell see only `shell.device.Device`; not for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from .device import VirtualPhone
    from .shell.api import Context


def phone_of(ctx: Context) -> VirtualPhone:
    """The phone an Android tool runs on (the phone's own applets always run on a VirtualPhone)."""
    return cast("VirtualPhone", ctx.phone)
