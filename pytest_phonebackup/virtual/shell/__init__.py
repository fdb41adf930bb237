"""The virtual phone's `/system/bin/sh`: a mksh-like command language over toybox-like applets.

`Shell(phone).run(command, stdin, stdout, stderr)` is the one entry point the ADB services use.
Applets live in `applets/` (toybox) and in `..system` (Android tools), declared with `@applet`;
the phone collects them into its table (`Device.applets`) and every `Shell` runs on its own copy.
"""

from __future__ import annotations

import threading

from .api import Applet, Applets, Context, applet
from .device import Device, Props
from .interp import Interp
from .parser import ShellSyntaxError, parse
from .streams import BytesInput, BytesOutput, EmptyInput, Input, NullOutput, Output, Pipe

__all__ = ["Applet", "Applets", "Context", "Device", "Props", "applet", "Shell", "Pipe", "BytesInput",
           "BytesOutput", "EmptyInput", "NullOutput", "Input", "Output"]


class Shell:
    """Runs command lines on a phone. One instance per shell session (it holds cwd and variables)."""

    def __init__(self, phone: Device, env: dict[str, str] | None = None, cwd: str = "/"):
        self.phone = phone
        self._interp = Interp(phone, dict(env if env is not None else phone.default_env()), cwd)

    @property
    def applets(self) -> Applets:
        """This shell's commands: a copy of the phone's, so `register` here changes no other shell."""
        return self._interp.applets

    @property
    def env(self) -> dict[str, str]:
        """The exported variables (what a command started now would see)."""
        return self._interp.environment()

    @property
    def cwd(self) -> str:
        return self._interp.cwd

    @staticmethod
    def is_complete(text: str) -> bool:
        """False while `text` still needs more lines (an open quote, `if` without `fi`, a trailing
        `|`): an interactive session then reads another line before running it, as mksh does."""
        try:
            parse(text)
        except ShellSyntaxError as exc:
            message = str(exc)
            return not ("unmatched" in message or "unexpected EOF" in message or "closing quote" in message)
        return True

    def run(self, command: str, stdin: Input | None = None, stdout: Output | None = None,
            stderr: Output | None = None, cancelled: threading.Event | None = None) -> int:
        """Run one command line; returns its exit status."""
        return self._interp.run(command, stdin, stdout, stderr, cancelled)
