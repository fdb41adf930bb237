"""What one test's round trips leave for the terminal summary and environment.properties: a
`RoundTripNote` each (plain data, so it crosses from xdist workers), and the phones they used. The
plugin keeps a `TestNotes` per test and fills it through a `NoteTaker` observer. Needs no Allure.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..observer import SilentObserver

if TYPE_CHECKING:
    from ..phonelike import PhoneLike
    from ..roundtrip import RoundTripResult


@dataclass
class RoundTripNote:
    """What the terminal summary and environment.properties need from one round trip (crosses xdist)."""

    app: str
    profile: str
    seed: int
    ok: bool
    worst: str
    counts: dict[str, int]
    seconds: float
    phone: dict[str, str] = field(default_factory=dict)
    app_version: str = ""

    @classmethod
    def of(cls, result: RoundTripResult, phone_info: dict[str, str] | None = None) -> RoundTripNote:
        rep = result.report
        app_version = str(getattr(getattr(result, "app", None), "version", "") or "")
        return cls(app=rep.app, profile=rep.profile, seed=rep.seed, ok=rep.ok, worst=rep.worst,
                   counts=rep.counts, seconds=round(sum(t.seconds for t in result.timings), 2),
                   phone=dict(phone_info or {}), app_version=app_version)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TestNotes:
    """One test's round trips (taken away as the test's reports are made) and the phones they used."""

    __test__ = False  # not a pytest test class, despite its name

    round_trips: list[RoundTripNote] = field(default_factory=list)
    phones: list[PhoneLike] = field(default_factory=list)

    def take_round_trips(self) -> list[RoundTripNote]:
        """Round trips noted since the last call (each test phase files its own)."""
        taken, self.round_trips = self.round_trips, []
        return taken


def phone_info(phone: PhoneLike) -> dict[str, str]:
    """The phone's description, or {} when it is gone (it must not hide the verdicts)."""
    with contextlib.suppress(Exception):
        return phone.info()
    return {}


class NoteTaker(SilentObserver):
    """The observer that fills a TestNotes; `with_phone_info` also asks each phone to describe itself."""

    def __init__(self, notes: TestNotes, with_phone_info: bool = False):
        self.notes = notes
        self.with_phone_info = with_phone_info

    def phone_used(self, phone: PhoneLike) -> None:
        if all(phone is not known for known in self.notes.phones):
            self.notes.phones.append(phone)

    def round_trip_finished(self, result: RoundTripResult, phone: PhoneLike) -> None:
        info = phone_info(phone) if self.with_phone_info else {}
        self.notes.round_trips.append(RoundTripNote.of(result, info))
