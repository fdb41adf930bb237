"""How a round trip and the apps it drives tell the outside world what happened, without knowing
who listens: the plugin's Allure adapter, a script's own logger, or nobody (the default).

A listener is installed for a block of code with `observing(listener)`; code that has something to
report asks for `current_observer()`. Nothing is kept in module globals: the listener lives in a
context variable, so two round trips in one process (or one per thread) never mix their notes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Literal, Protocol, runtime_checkable

AttachmentKind = Literal["text", "xml", "json", "png"]


@runtime_checkable
class RoundTripObserver(Protocol):
    """What a listener may be told. Every method must return quickly and never raise."""

    def attach(self, name: str, body: str | bytes, kind: AttachmentKind = "text") -> None:
        """Evidence worth keeping: a step log, a screenshot, a page source."""


class SilentObserver:
    """The default listener: hears everything, keeps nothing."""

    def attach(self, name: str, body: str | bytes, kind: AttachmentKind = "text") -> None:
        return None


_current: ContextVar[RoundTripObserver] = ContextVar("phonebackup_observer", default=SilentObserver())


def current_observer() -> RoundTripObserver:
    """The listener installed by the innermost `observing(...)` block, or a silent one."""
    return _current.get()


@contextlib.contextmanager
def observing(observer: RoundTripObserver) -> Iterator[RoundTripObserver]:
    """Send everything reported inside the block to `observer`."""
    token = _current.set(observer)
    try:
        yield observer
    finally:
        _current.reset(token)
