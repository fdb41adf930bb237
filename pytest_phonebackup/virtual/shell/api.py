"""What an applet (a toybox command, or an Android tool such as `pm`) sees, and how it is
registered. Applets are plain functions `(ctx, argv) -> exit status`; output formats live in
the applet modules, not here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .streams import Input, Output

if TYPE_CHECKING:
    from ..storage import Storage

Applet = Callable[["Context", list[str]], int]

#: Every command the phone knows, by name. Filled by the @applet decorator at import time.
APPLETS: dict[str, Applet] = {}


def applet(*names: str) -> Callable[[Applet], Applet]:
    """Register a function as the command(s) `names`."""

    def register(func: Applet) -> Applet:
        for name in names:
            APPLETS[name] = func
        return func

    return register


@dataclass
class Context:
    """One command's view of the phone: its streams, environment, folder and the device."""

    phone: Any  # the VirtualPhone (typed loosely to keep this module free of import cycles)
    stdin: Input
    stdout: Output
    stderr: Output
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    argv0: str = ""
    shell: Any = None  # the Shell running this command (for `xargs`, `find -exec`, `sh -c`)
    #: Set when the client went away or the phone shuts down; long-running commands
    #: (logcat, am instrument -w, sleep) must return soon after it is set.
    cancelled: threading.Event = field(default_factory=threading.Event)

    @property
    def storage(self) -> Storage:
        return self.phone.storage

    def host(self, path: str, follow: bool = True) -> str:
        """Host path of a device path relative to this command's folder (stays inside the phone)."""
        return self.phone.storage.resolve(path, self.cwd, follow).host

    def out(self, text: str | bytes) -> None:
        self.stdout.write(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)

    def err(self, message: str) -> None:
        """Write `argv0: message` to stderr, the way toybox reports errors."""
        self.stderr.write(f"{self.argv0}: {message}\n".encode("utf-8", "surrogateescape"))

    def fail(self, message: str, status: int = 1) -> int:
        self.err(message)
        return status
