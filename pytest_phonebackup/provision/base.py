"""What every provisioner is: an object that hands out ready phones and takes them back, usable as a
context manager. Not for any one source of phones (see virtual.py, avd.py, attached.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ..phone import Phone


class Provisioner(ABC):
    """Hands out ready phones and takes them back. Use as a context manager; `release()` with no
    argument releases every phone this provisioner handed out."""

    name = "base"

    def __init__(self) -> None:
        self.phones: list[Phone] = []

    @abstractmethod
    def acquire(self, **options: Any) -> Phone:
        """A ready phone (options: api, storage, ... as the provisioner supports them)."""

    def check(self) -> None:  # noqa: B027 - a hook: nothing to check by default
        """Raise PhoneError, in seconds and before any phone starts, when the phones asked for cannot be had."""

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
