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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .phonelike import PhoneLike
    from .roundtrip import RoundTripResult

AttachmentKind = Literal["text", "xml", "json", "csv", "html", "png"]


@dataclass
class PhaseTiming:
    """One timed phase of a round trip, with the figures found during it (items, bytes, ...)."""

    name: str
    seconds: float
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class RoundTripStart:
    """What a round trip is about to do: which app, gallery profile and seed, from which phone to which."""

    app: str
    profile: str
    seed: int
    phone: PhoneLike
    target: PhoneLike


@runtime_checkable
class RoundTripObserver(Protocol):
    """What a listener may be told. Every method must return quickly and never raise."""

    def attach(self, name: str, body: str | bytes, kind: AttachmentKind = "text") -> None:
        """Evidence worth keeping: a step log, a screenshot, a page source."""

    def phase_started(self, name: str) -> None:
        """A phase of a round trip began (seed, back up, wipe, restore, verify)."""

    def phase_finished(self, timing: PhaseTiming, error: BaseException | None = None) -> None:
        """The phase last started ended, after `timing.seconds`; `error` if it raised."""

    def phone_used(self, phone: PhoneLike) -> None:
        """A round trip is about to use this phone (its screenshot and log matter if the test fails)."""

    def round_trip_started(self, start: RoundTripStart) -> None:
        """A round trip begins: its app, profile, seed and phones (before anything is seeded)."""

    def round_trip_finished(self, result: RoundTripResult, phone: PhoneLike) -> None:
        """A round trip verified (or not) what came back on `phone`."""


class SilentObserver:
    """The default listener: hears everything, keeps nothing. Subclass it to hear only some things."""

    def attach(self, name: str, body: str | bytes, kind: AttachmentKind = "text") -> None:
        return None

    def phase_started(self, name: str) -> None:
        return None

    def phase_finished(self, timing: PhaseTiming, error: BaseException | None = None) -> None:
        return None

    def phone_used(self, phone: PhoneLike) -> None:
        return None

    def round_trip_started(self, start: RoundTripStart) -> None:
        return None

    def round_trip_finished(self, result: RoundTripResult, phone: PhoneLike) -> None:
        return None


class Observers:
    """Several listeners heard as one, in order (e.g. the terminal summary's notes and Allure)."""

    def __init__(self, *observers: RoundTripObserver):
        self.observers: tuple[RoundTripObserver, ...] = observers

    def __iter__(self) -> Iterator[RoundTripObserver]:
        return iter(self.observers)

    def attach(self, name: str, body: str | bytes, kind: AttachmentKind = "text") -> None:
        for observer in self.observers:
            observer.attach(name, body, kind)

    def phase_started(self, name: str) -> None:
        for observer in self.observers:
            observer.phase_started(name)

    def phase_finished(self, timing: PhaseTiming, error: BaseException | None = None) -> None:
        # Innermost first, so nested listeners close in the reverse order they opened.
        for observer in reversed(self.observers):
            observer.phase_finished(timing, error)

    def phone_used(self, phone: PhoneLike) -> None:
        for observer in self.observers:
            observer.phone_used(phone)

    def round_trip_started(self, start: RoundTripStart) -> None:
        for observer in self.observers:
            observer.round_trip_started(start)

    def round_trip_finished(self, result: RoundTripResult, phone: PhoneLike) -> None:
        for observer in self.observers:
            observer.round_trip_finished(result, phone)


_SILENT = SilentObserver()  # keeps nothing, so one instance serves every caller
_current: ContextVar[RoundTripObserver | None] = ContextVar("phonebackup_observer", default=None)


def current_observer() -> RoundTripObserver:
    """The listener installed by the innermost `observing(...)` block, or a silent one."""
    return _current.get() or _SILENT


@contextlib.contextmanager
def observing(observer: RoundTripObserver) -> Iterator[RoundTripObserver]:
    """Send everything reported inside the block to `observer`."""
    token = _current.set(observer)
    try:
        yield observer
    finally:
        _current.reset(token)
