"""What the shell and its toybox applets use of the phone they run on: its storage, its system
properties, whether adbd runs as root, the starting environment and the commands installed.
Not the phone itself (`..device.VirtualPhone` is one `Device`); the Android tools (pm, am) reach
the Android side through their own modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..procfs import KernelFiles
    from ..storage import Storage
    from .api import Applets


class Props(Protocol):
    """The system properties, as `getprop` reads them."""

    def get(self, key: str, default: str = "") -> str: ...


class Device(Protocol):
    """The phone a shell runs on."""

    @property
    def storage(self) -> Storage:
        """The phone's files; every path a command touches goes through it."""
        ...

    @property
    def props(self) -> Props: ...

    @property
    def kernel(self) -> KernelFiles:
        """/proc and /dev, and the tasks they show: each command runs as one of them."""
        ...

    @property
    def root(self) -> bool:
        """adbd runs as root (`adb root`): commands run as uid 0."""
        ...

    @property
    def applets(self) -> Applets:
        """The commands installed on the phone; each shell starts from a copy."""
        ...

    def default_env(self) -> dict[str, str]:
        """The environment a new shell session starts with."""
        ...
