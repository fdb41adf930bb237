"""What an applet (a toybox command, or an Android tool such as `pm`) sees, and how it is
declared: applets are plain functions `(ctx, argv) -> exit status` marked with `@applet(names)`;
an `Applets` table collects them from their modules. Output formats live in the applet modules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .streams import Input, Output

if TYPE_CHECKING:
    from ..storage import Storage
    from .device import Device

Applet = Callable[["Context", list[str]], int]

#: The attribute `@applet` sets on a function: the command names it answers to.
NAMES_ATTRIBUTE = "applet_names"


def applet(*names: str) -> Callable[[Applet], Applet]:
    """Declare a function as the command(s) `names`. Nothing is registered anywhere: an
    `Applets` table built from the function's module picks the declaration up."""

    def declare(func: Applet) -> Applet:
        setattr(func, NAMES_ATTRIBUTE, (*getattr(func, NAMES_ATTRIBUTE, ()), *names))
        return func

    return declare


class Applets:
    """The commands one shell can run, by name. Built from the `@applet` declarations of modules
    (`collect`); every shell works on its own copy, so a command registered in one shell never
    shows up in another."""

    def __init__(self, table: dict[str, Applet] | None = None):
        self._table: dict[str, Applet] = dict(table or {})

    @classmethod
    def collect(cls, modules: Iterable[ModuleType]) -> Applets:
        """Every applet the modules hold (declared there or imported); a later module's wins."""
        table: dict[str, Applet] = {}
        for module in modules:
            for value in vars(module).values():
                if callable(value):
                    for name in getattr(value, NAMES_ATTRIBUTE, ()):
                        table[name] = value
        return cls(table)

    def copy(self) -> Applets:
        return Applets(self._table)

    def register(self, name: str, func: Applet) -> None:
        """Add or replace the command `name` in this table only."""
        self._table[name] = func

    def get(self, name: str) -> Applet | None:
        return self._table.get(name)

    def __getitem__(self, name: str) -> Applet:
        return self._table[name]

    def __contains__(self, name: object) -> bool:
        return name in self._table

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._table))

    def __len__(self) -> int:
        return len(self._table)

    def __or__(self, other: Applets) -> Applets:
        """Both tables in one; `other` wins where both name a command."""
        return Applets(self._table | other._table)


@dataclass
class Context:
    """One command's view of the phone: its streams, environment, folder and the device."""

    phone: Device  # what the shell uses of the phone it runs on
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
        """The phone's files as the running shell's user may use them (root, shell, or the app of
        `run-as`); an applet called without a shell is the system's and sees them all."""
        if self.shell is not None:
            return self.shell.storage
        return self.phone.storage

    @property
    def applets(self) -> Applets:
        """The commands the running shell knows (the phone's, for an applet called without one)."""
        return self.shell.applets if self.shell is not None else self.phone.applets

    def host(self, path: str, follow: bool = True) -> str:
        """Host path of a device path relative to this command's folder (stays inside the phone)."""
        return self.storage.resolve(path, self.cwd, follow).host

    def out(self, text: str | bytes) -> None:
        self.stdout.write(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)

    def err(self, message: str) -> None:
        """Write `argv0: message` to stderr, the way toybox reports errors."""
        self.stderr.write(f"{self.argv0}: {message}\n".encode("utf-8", "surrogateescape"))

    def fail(self, message: str, status: int = 1) -> int:
        self.err(message)
        return status
