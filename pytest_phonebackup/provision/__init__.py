"""Where phones come from (virtual phone, SDK emulators, attached phones): each provisioner hands out
ready `Phone`s and cleans up what it started. Here: the base class, port choice under a cross-process
lock, and the choice of provisioner from settings. Not for talking to a phone (see `phone.py`).
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock

from ..errors import PhoneError
from ..phone import Phone
from ..virtual.device import FIRST_CONSOLE_PORT, LAST_CONSOLE_PORT

log = logging.getLogger(__name__)

PORT_ATTEMPTS = 3  # launches on successive ports when another program grabs the chosen one first


def lock_dir() -> Path:
    """Folder of the cross-process locks ($PHONEBACKUP_LOCK_DIR, else the system temp folder)."""
    path = Path(os.environ.get("PHONEBACKUP_LOCK_DIR") or Path(tempfile.gettempdir()) / "phonebackup-locks")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def port_lock(timeout: float = 120) -> Iterator[None]:
    """Held while a process chooses console ports and starts a phone on them, so parallel
    workers never pick the same pair."""
    lock = FileLock(str(lock_dir() / "emulator-ports.lock"), timeout=timeout)
    with lock:
        yield


def port_in_use(port: int) -> bool:
    """True when something listens on (or holds) `port` on loopback. SO_REUSEADDR, as emulators and
    the virtual phone bind with it: a port left in TIME_WAIT by a stopped phone is free again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            return False
        except OSError:
            return True


def worker_index(worker_id: str | None = None) -> int:
    """0 for `gw0` or no xdist, 1 for `gw1`, ... (from PYTEST_XDIST_WORKER when not given)."""
    worker_id = worker_id or os.environ.get("PYTEST_XDIST_WORKER", "")
    digits = worker_id.removeprefix("gw")
    return int(digits) if digits.isdigit() else 0


def choose_console_port(start: int | None = None, taken: set[int] | None = None) -> int:
    """First even console port from `start` (default 5554 + 2 * worker index) whose pair is free;
    wraps around the emulator range. Call it under `port_lock()`."""
    first = start if start is not None else FIRST_CONSOLE_PORT + 2 * worker_index()
    first -= first % 2
    span = list(range(FIRST_CONSOLE_PORT, LAST_CONSOLE_PORT + 1, 2))
    if first in span:
        order = span[span.index(first):] + span[:span.index(first)]
    else:  # outside the scan range: try upward from there, then the range itself
        order = list(range(first, first + 64, 2)) + span
    for port in order:
        if taken and port in taken:
            continue
        if not port_in_use(port) and not port_in_use(port + 1):
            return port
    raise PhoneError(f"no free emulator port pair from {first}: every console/adb pair in "
                     f"{FIRST_CONSOLE_PORT}..{LAST_CONSOLE_PORT + 1} is in use; stop some emulators "
                     "(`adb devices`) and try again")


class Provisioner:
    """Hands out ready phones and takes them back. Use as a context manager; `release()` with no
    argument releases every phone this provisioner handed out."""

    name = "base"

    def __init__(self) -> None:
        self.phones: list[Phone] = []

    def acquire(self, **options: Any) -> Phone:
        raise NotImplementedError

    def release(self, phone: Phone | None = None) -> None:
        for item in ([phone] if phone is not None else list(reversed(self.phones))):
            if item in self.phones:
                self.phones.remove(item)
            try:
                item.close()
            finally:
                self._release(item)

    def _release(self, phone: Phone) -> None:
        """Stop or detach one phone (subclasses)."""

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
