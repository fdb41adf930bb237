"""The fixtures: `phone_settings`, `phone_provisioner` (override it in a conftest to bring phones from
elsewhere), `session_phone`, `phone_factory`, `phone`, `phones`, `gallery`, `backup_app`, `roundtrip`
and `phone_faults`. Each is one call of the library (provisioners, Phone, Gallery, load_app, RoundTrip,
PhoneFaults) plus pytest's skip, fail and teardown; the protocols here are what tests annotate with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import pytest

from ..errors import PhoneError
from ..phone import Phone
from ..phonelike import PhoneLike
from ..provision import Provisioner, provisioner_for
from ..settings import PhoneSettings
from ..units import parse_size
from .hooks import APPIUM_KEY, NO_PHONE, PROVISIONER_KEY, REPORTS_KEY, SETTINGS_KEY, USED_KEY

if TYPE_CHECKING:
    from ..apps.base import BackupApp
    from ..faults import PhoneFaults
    from ..media.gallery import Gallery
    from ..roundtrip import RoundTrip, RoundTripResult

NO_APP = ("this test needs a backup app: pass --phone-backup-app NAME_OR_PATH (a scenario from scenarios/, "
          "e.g. adb-mirror, or a YAML file) or mark the test @pytest.mark.backup_app('NAME_OR_PATH')")


class PhoneFactory(Protocol):
    """`phone_factory(api=..., storage=...)`: one more ready phone, released after the test."""

    def __call__(self, **options: Any) -> Phone: ...


class RoundTripRunner(Protocol):
    """`roundtrip(profile, seed=None, new_phone=False, check=True, app=None, shape=None)`: one round
    trip; `shape` is a RoundTrip subclass for other round trips (SelectiveRoundTrip, ...)."""

    def __call__(self, profile: str = "smoke", seed: int | None = None, new_phone: bool = False,
                 check: bool = True, app: BackupApp | None = None,
                 shape: type[RoundTrip] | None = None) -> RoundTripResult: ...


@pytest.fixture(scope="session")
def phone_settings(pytestconfig: pytest.Config) -> PhoneSettings:
    """The resolved settings (option > environment > ini)."""
    return pytestconfig.stash[SETTINGS_KEY]


@pytest.fixture(scope="session")
def phone_provisioner(pytestconfig: pytest.Config, phone_settings: PhoneSettings) -> Iterator[Provisioner | None]:
    """Where this worker's phones come from; None when no phones were asked for."""
    provisioner = provisioner_for(phone_settings, phone_settings.output)
    pytestconfig.stash[PROVISIONER_KEY] = provisioner
    yield provisioner
    if provisioner is not None:
        pytestconfig.stash[PROVISIONER_KEY] = None
        provisioner.release()


@pytest.fixture(scope="session")
def session_phone(pytestconfig: pytest.Config, phone_settings: PhoneSettings,
                  phone_provisioner: Provisioner | None) -> Phone:
    """This worker's phone, started once and reused by every test."""
    if phone_provisioner is None:
        _refuse(phone_settings, NO_PHONE)
    phone = phone_provisioner.acquire()
    pytestconfig.stash[USED_KEY].append(f"{phone.serial} ({phone.kind}; {phone_provisioner.describe()})")
    return phone


@pytest.fixture
def phone_factory(phone_settings: PhoneSettings,
                  phone_provisioner: Provisioner | None) -> Iterator[PhoneFactory]:
    """`phone_factory(api=..., storage=...)` -> one more ready phone; all released after the test.
    A storage size may be text in the units grammar ('2GB' decimal, '2GiB' binary)."""
    if phone_provisioner is None:
        _refuse(phone_settings, NO_PHONE)
    provisioner = phone_provisioner
    made: list[Phone] = []

    def make(**options: Any) -> Phone:
        if isinstance(options.get("storage"), str):
            options["storage"] = parse_size(options["storage"], "storage")
        phone = provisioner.acquire(**options)
        made.append(phone)
        return phone

    yield make
    for phone in reversed(made):
        provisioner.release(phone)


@pytest.fixture
def phone(request: pytest.FixtureRequest, phone_settings: PhoneSettings,
          phone_provisioner: Provisioner | None, phone_factory: PhoneFactory) -> Iterator[Phone]:
    """A ready phone. Files and apps the test creates through it are removed afterwards; on
    failure a screenshot and the test's logcat are kept in the output folder."""
    wanted = _marker_needs(request)
    phone: Phone = request.getfixturevalue("session_phone")
    if wanted and not _fits(phone, wanted):
        if phone_provisioner is None or phone_provisioner.name != "virtual":
            pytest.skip(f"needs a phone with {wanted}; {phone.serial} does not have it")
        phone = phone_factory(**wanted)
    yield from _watched(request, phone_settings, phone)


@pytest.fixture
def phones(request: pytest.FixtureRequest, phone: Phone, phone_factory: PhoneFactory) -> list[Phone]:
    """`count` phones (from @pytest.mark.phone(count=N)); the first is `phone`."""
    marker = request.node.get_closest_marker("phone")
    count = int(marker.kwargs.get("count", 1)) if marker else 1
    wanted = _marker_needs(request)
    return [phone] + [phone_factory(**wanted) for _ in range(count - 1)]


@pytest.fixture
def gallery(phone: Phone) -> Iterator[Gallery]:
    """Generated media on `phone`: `gallery.seed("edge", seed=7)` -> Manifest. What it seeded is
    wiped after the test (files and MediaStore rows), unless it changed since seeding."""
    from ..media.gallery import Gallery

    seeding = Gallery(phone)
    yield seeding
    seeding.wipe_seeded()


@pytest.fixture
def backup_app(request: pytest.FixtureRequest, phone_settings: PhoneSettings) -> BackupApp:
    """The backup app under test, from @pytest.mark.backup_app(NAME_OR_PATH) or --phone-backup-app."""
    from ..apps import load_app

    marker = request.node.get_closest_marker("backup_app")
    name = marker.args[0] if marker is not None and marker.args else phone_settings.backup_app
    if not name:
        _refuse(phone_settings, NO_APP)
    return load_app(name, appium=request.config.stash[APPIUM_KEY])


@pytest.fixture
def roundtrip(phone: PhoneLike, backup_app: BackupApp, phone_settings: PhoneSettings,
              phone_factory: PhoneFactory, tmp_path: Path) -> RoundTripRunner:
    """`roundtrip(profile="smoke", seed=None, new_phone=False, check=True)` seeds, backs up, wipes
    the seeded items, restores (onto a new phone with `new_phone=True`) and verifies. With `check`
    a round trip that is not clean fails the test, naming the worst items and the seed."""
    from ..reporting.summary import failure_message
    from ..roundtrip import RoundTrip

    runs: list[RoundTripResult] = []

    def run(profile: str = "smoke", seed: int | None = None, new_phone: bool = False, check: bool = True,
            app: BackupApp | None = None, shape: type[RoundTrip] | None = None) -> RoundTripResult:
        target = phone_factory() if new_phone else None
        chosen = phone_settings.seed if seed is None else seed
        result = (shape or RoundTrip)(phone, app or backup_app, profile=profile, seed=chosen,
                           workdir=tmp_path / f"roundtrip-{len(runs) + 1}", restore_phone=target).run()
        runs.append(result)
        if check and not result.ok:
            pytest.fail(failure_message(result.report, result.manifest), pytrace=False)
        return result

    return run


@pytest.fixture
def phone_faults(phone: PhoneLike, request: pytest.FixtureRequest) -> Iterator[PhoneFaults]:
    """Faults for `phone` and, when the test uses `backup_app`, for that app and its cloud.
    Everything applied is undone after the test."""
    from ..faults import PhoneFaults

    app = request.getfixturevalue("backup_app") if "backup_app" in request.fixturenames else None
    faults = PhoneFaults(phone, app)
    yield faults
    faults.undo_all()


def _refuse(settings: PhoneSettings, reason: str) -> NoReturn:
    # The start-up check (preflight) stops most such runs; this covers phones asked for at run time.
    if settings.missing == "skip":
        pytest.skip(reason)
    pytest.fail(f"{reason}; or set phone_missing = skip to skip such tests", pytrace=False)


def _marker_needs(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("phone")
    if marker is None:
        return {}
    return {key: value for key, value in marker.kwargs.items() if key in ("api", "storage") and value is not None}


def _fits(phone: Phone, wanted: dict[str, Any]) -> bool:
    if "api" in wanted and phone.getprop("ro.build.version.sdk") != str(wanted["api"]):
        return False
    return not ("storage" in wanted and phone.storage_usage().total < parse_size(wanted["storage"], "storage") * 0.9)


def _watched(request: pytest.FixtureRequest, settings: PhoneSettings, phone: Phone) -> Iterator[Phone]:
    checkpoint = phone.checkpoint()
    started = phone.clock() if settings.artifacts != "off" else None
    yield phone
    reports = request.config.stash[REPORTS_KEY]
    failed = any(getattr(reports.get(f"{request.node.nodeid}::{when}"), "failed", False)
                 for when in ("setup", "call"))
    if settings.artifacts == "on" or (settings.artifacts == "only-on-failure" and failed):
        folder = settings.output / _slug(request.node.nodeid) / _slug(phone.serial)
        try:
            phone.save_artifacts(folder, since=started)
        except (PhoneError, OSError) as exc:
            (folder / "artifacts.error.txt").write_text(f"{exc}\n")
    phone.cleanup(checkpoint)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]
