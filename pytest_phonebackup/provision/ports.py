"""Console ports for the phones a session starts: the first free even pair, chosen under a
cross-process lock so parallel workers never pick the same one. The port rules themselves live in
virtual/ports.py (the virtual phone needs them standalone); here they speak PhoneError.
"""

from __future__ import annotations

from ..errors import PhoneError
from ..virtual import ports
from ..virtual.ports import FIRST_CONSOLE_PORT, LAST_CONSOLE_PORT, lock_dir, port_lock, worker_index

__all__ = ["FIRST_CONSOLE_PORT", "LAST_CONSOLE_PORT", "PORT_ATTEMPTS", "choose_console_port", "lock_dir",
           "port_in_use", "port_lock", "worker_index"]

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
