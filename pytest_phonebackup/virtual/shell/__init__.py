"""The virtual phone's `/system/bin/sh`: a mksh-like command language over toybox-like applets.

`Shell(phone).run(command, stdin, stdout, stderr)` is the one entry point the ADB services use.
Applets live in `applets/` (toybox) and in `..system` (Android tools) and register themselves.
"""

from __future__ import annotations

import shlex
import threading

from .api import APPLETS, Context, applet
from .streams import BytesInput, BytesOutput, EmptyInput, Input, NullOutput, Output, Pipe

__all__ = ["APPLETS", "Context", "applet", "Shell", "Pipe", "BytesInput", "BytesOutput",
           "EmptyInput", "NullOutput", "Input", "Output"]

NOT_FOUND_STATUS = 127


class Shell:
    """Runs command lines on a phone. One instance per shell session (it holds cwd and env)."""

    def __init__(self, phone, env: dict[str, str] | None = None, cwd: str = "/"):
        self.phone = phone
        self.env = dict(env if env is not None else phone.default_env())
        self.cwd = cwd

    def run(self, command: str, stdin: Input | None = None, stdout: Output | None = None,
            stderr: Output | None = None, cancelled: threading.Event | None = None) -> int:
        """Run one command line; returns its exit status."""
        from . import applets as _applets  # noqa: F401 - registers the applets

        stdin = stdin or EmptyInput()
        stdout = stdout or NullOutput()
        stderr = stderr or NullOutput()
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            stderr.write(f"/system/bin/sh: syntax error: {exc}\n".encode())
            return 1
        if not argv:
            return 0
        func = APPLETS.get(argv[0])
        if func is None:
            stderr.write(f"/system/bin/sh: {argv[0]}: inaccessible or not found\n".encode())
            return NOT_FOUND_STATUS
        ctx = Context(self.phone, stdin, stdout, stderr, self.env, self.cwd, argv[0], self,
                      cancelled or threading.Event())
        return func(ctx, argv)
