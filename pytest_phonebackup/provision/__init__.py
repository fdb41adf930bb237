"""Where phones come from (virtual phone, SDK emulators, attached phones): each provisioner hands out
ready `Phone`s and cleans up what it started. Here: the base class, port choice under a cross-process
lock, and the choice of provisioner from settings. Not for talking to a phone (see `phone.py`).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from ..errors import PhoneError
from ..phone import Phone
from ..virtual import ports
from ..virtual.ports import (  # noqa: F401 - the provisioners' port helpers, re-exported
    FIRST_CONSOLE_PORT,
    LAST_CONSOLE_PORT,
    lock_dir,
    port_lock,
    worker_index,
)

log = logging.getLogger(__name__)

PORT_ATTEMPTS = 3  # launches on successive ports when another program grabs the chosen one first


def port_in_use(port: int) -> bool:
    """True when something listens on (or holds) `port` on loopback."""
    return not ports.port_is_free(port)


def choose_console_port(start: int | None = None, taken: set[int] | None = None) -> int:
    """First free even console port pair from `start` (see virtual.ports); a PhoneError when none."""
    try:
        return ports.choose_console_port(start, taken)
    except OSError as exc:
        raise PhoneError(exc.strerror or str(exc)) from None


class Provisioner(ABC):
    """Hands out ready phones and takes them back. Use as a context manager; `release()` with no
    argument releases every phone this provisioner handed out."""

    name = "base"

    def __init__(self) -> None:
        self.phones: list[Phone] = []

    @abstractmethod
    def acquire(self, **options: Any) -> Phone:
        """A ready phone (options: api, storage, ... as the provisioner supports them)."""

    def release(self, phone: Phone | None = None) -> None:
        for item in ([phone] if phone is not None else list(reversed(self.phones))):
            if item in self.phones:
                self.phones.remove(item)
            try:
                item.close()
            finally:
                self._release(item)

    def _release(self, phone: Phone) -> None:  # noqa: B027 - a hook: nothing to stop by default
        """Stop or detach one phone (subclasses that started it)."""

    def describe(self) -> str:
        return self.name

    def __enter__(self) -> Provisioner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def provisioner_for(settings: Any, output_dir: Path | None = None) -> Provisioner | None:
    """The provisioner the settings ask for (a `PhoneSettings`), or None when they ask for none."""
    if settings.serial:
        from .attached import AttachedProvisioner

        return AttachedProvisioner(settings.serial, boot_timeout=settings.boot_timeout,
                                   allow_wipe=settings.allow_wipe)
    if settings.emulator is None:
        return None
    if settings.emulator.kind == "avd":
        from .avd import AvdProvisioner

        return AvdProvisioner(settings.emulator.name, boot_timeout=settings.boot_timeout,
                              snapshot=settings.snapshot, keep=settings.keep,
                              log_dir=output_dir or settings.output)
    from .virtual import VirtualProvisioner

    return VirtualProvisioner(api=settings.api, storage=settings.storage, boot_timeout=settings.boot_timeout,
                              keep=settings.keep)
