"""Emulator port pairs on loopback (even console port P, adb on P+1) and the cross-process lock
under which they are chosen and bound, shared by virtual phones and SDK emulators, so parallel
test workers never pick the same pair. Not for anything else about phones.
"""

from __future__ import annotations

import errno
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

FIRST_CONSOLE_PORT = 5554  # the adb server scans 5555..5585 (emulator.md); consoles are one below
LAST_CONSOLE_PORT = 5584


def lock_dir() -> Path:
    """Folder of the cross-process locks ($PHONEBACKUP_LOCK_DIR, else the system temp folder)."""
    path = Path(os.environ.get("PHONEBACKUP_LOCK_DIR") or Path(tempfile.gettempdir()) / "phonebackup-locks")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def port_lock(timeout: float = 120) -> Iterator[None]:
    """Held while a process chooses console ports and starts a phone on them."""
    with FileLock(str(lock_dir() / "emulator-ports.lock"), timeout=timeout):
        yield


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when `port` can be bound. SO_REUSEADDR, as the listeners do: connections of an earlier
    phone left in TIME_WAIT do not make a port busy."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            return True
        except OSError:
            return False


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
        if port_is_free(port) and port_is_free(port + 1):
            return port
    raise OSError(errno.EADDRINUSE, f"no free emulator port pair from {first}: every console/adb pair in "
                  f"{FIRST_CONSOLE_PORT}..{LAST_CONSOLE_PORT + 1} is in use; stop some emulators "
                  "(`adb devices`) and try again")


def find_free_console_port(start: int = FIRST_CONSOLE_PORT, stop: int = LAST_CONSOLE_PORT) -> int:
    """First even port P in [start, stop] with P and P+1 free (no wrap-around, no lock)."""
    for port in range(start + (start % 2), stop + 1, 2):
        if port_is_free(port) and port_is_free(port + 1):
            return port
    raise OSError(errno.EADDRINUSE, f"no free emulator port pair in {start}..{stop + 1}; stop some emulators "
                  "or pass another --port")
