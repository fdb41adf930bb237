"""pytest wiring of pytest-phonebackup: options (each also an environment variable and an ini key),
the report header, the `phone` marker and the fixtures `phone`, `phones`, `phone_factory` and `gallery`.
Hooks only: settings, provisioners and Phone do the work and are usable without pytest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import appium
from .errors import PhoneError
from .phone import Phone
from .provision import Provisioner, provisioner_for
from .settings import SETTINGS, PhoneSettings, resolve

if TYPE_CHECKING:
    from .roundtrip import RoundTripResult

SETTINGS_KEY = pytest.StashKey[PhoneSettings]()
PROVISIONER_KEY = pytest.StashKey[Provisioner | None]()
REPORTS_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()
USED_KEY = pytest.StashKey[list[str]]()
NO_PHONE = ("this test needs a phone: pass --phone-emulator (the embedded virtual phone), "
            "--phone-emulator=avd:NAME (an Android SDK emulator) or --phone-serial SERIAL (an attached phone)")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("phonebackup", "phones for backup tests (pytest-phonebackup)")
    for setting in SETTINGS:
        help_text = f"{setting.help} [env {setting.env}, ini {setting.ini}]"
        if setting.name == "emulator":
            group.addoption(setting.option, nargs="?", const="virtual", default=None, metavar="SPEC",
                            dest="phone_emulator", help=help_text)
        elif setting.name == "serial":
            group.addoption(setting.option, action="append", default=None, metavar="SERIAL",
                            dest="phone_serial", help=help_text)
        elif setting.flag:
            group.addoption(setting.option, action="store_true", default=None, dest=setting.ini, help=help_text)
        else:
            group.addoption(setting.option, default=None, dest=setting.ini, help=help_text)
        parser.addini(setting.ini, setting.help, default=None)
    group.addoption("--appium-url", default=None, metavar="URL", dest="appium_url",
                    help="use this Appium server (device farm, Selenium Grid) for UI-driven apps instead of "
                         "starting one for the session [env PHONEBACKUP_APPIUM_URL]")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backup_app(name_or_path): the backup app this test runs (a scenario "
                            "name from scenarios/ or a YAML path); overrides --phone-backup-app")
    config.addinivalue_line("markers", "phone(api=None, storage=None, count=1): what the test needs from its "
                            "phone(s): an API level, a storage size (e.g. '2G'), how many phones (`phones` fixture)")
    options = {setting.name: config.getoption(setting.ini) for setting in SETTINGS}
    ini = {setting.ini: config.getini(setting.ini) for setting in SETTINGS}
    try:
        settings = resolve(options, ini=ini)
    except ValueError as exc:
        raise pytest.UsageError(f"pytest-phonebackup: {exc}") from None
    if not settings.output.is_absolute():
        settings.output = Path(config.rootpath) / settings.output
    config.stash[SETTINGS_KEY] = settings
    appium.use_url(config.getoption("appium_url"))  # UI-driven apps start their server on first use
    config.stash[PROVISIONER_KEY] = None
    config.stash[REPORTS_KEY] = {}
    config.stash[USED_KEY] = []
    config.pluginmanager.import_plugin("pytest_phonebackup.report_plugin")  # Allure and the summary
    config.pluginmanager.import_plugin("pytest_phonebackup.faults")  # the phone_faults fixture


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash[SETTINGS_KEY]
    if not settings.wants_phones:
        return ["phonebackup: no phones (pass --phone-emulator or --phone-serial to run phone tests)"]
    return ["phonebackup: " + "; ".join(settings.describe())]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    used = config.stash.get(USED_KEY, [])
    if used:
        terminalreporter.write_line("phonebackup: phones used: " + ", ".join(used))


def pytest_unconfigure(config: pytest.Config) -> None:
    appium.stop_shared_server()
    # A safety net for interrupted sessions: fixtures normally released everything already.
    provisioner = config.stash.get(PROVISIONER_KEY, None)
    if provisioner is not None:
        config.stash[PROVISIONER_KEY] = None
        provisioner.release()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                                          pytest.TestReport]:
    # the `phone` fixture's teardown reads these to keep artifacts only for failed tests
    report = yield
    item.config.stash[REPORTS_KEY][f"{item.nodeid}::{report.when}"] = report
    return report


# -- fixtures (override `phone_provisioner` in a conftest to bring phones from elsewhere) ----------
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
def session_phone(pytestconfig: pytest.Config, phone_provisioner: Provisioner | None) -> Phone:
    """This worker's phone, started once and reused by every test."""
    if phone_provisioner is None:
        pytest.skip(NO_PHONE)
    phone = phone_provisioner.acquire()
    pytestconfig.stash[USED_KEY].append(f"{phone.serial} ({phone.kind}; {phone_provisioner.describe()})")
    return phone


@pytest.fixture
def phone_factory(phone_provisioner: Provisioner | None) -> Iterator[Callable[..., Phone]]:
    """`phone_factory(api=..., storage=...)` -> one more ready phone; all released after the test."""
    if phone_provisioner is None:
        pytest.skip(NO_PHONE)
    made: list[Phone] = []

    def make(**options: Any) -> Phone:
        if "storage" in options and isinstance(options["storage"], str):
            from .virtual.device import parse_size

            options["storage"] = parse_size(options["storage"])
        phone = phone_provisioner.acquire(**options)
        made.append(phone)
        return phone

    yield make
    for phone in reversed(made):
        phone_provisioner.release(phone)


@pytest.fixture
def phone(request: pytest.FixtureRequest, phone_settings: PhoneSettings,
          phone_provisioner: Provisioner | None, phone_factory: Callable[..., Phone]) -> Iterator[Phone]:
    """A ready phone. Files and apps the test creates through it are removed afterwards; on
    failure a screenshot and the test's logcat are kept in the output folder."""
    wanted = _marker_needs(request)
    phone = request.getfixturevalue("session_phone")
    if wanted and not _fits(phone, wanted):
        if phone_provisioner is None or phone_provisioner.name != "virtual":
            pytest.skip(f"needs a phone with {wanted}; {phone.serial} does not have it")
        phone = phone_factory(**wanted)
    yield from _watched(request, phone_settings, phone)


@pytest.fixture
def phones(request: pytest.FixtureRequest, phone: Phone, phone_factory: Callable[..., Phone]) -> list[Phone]:
    """`count` phones (from @pytest.mark.phone(count=N)); the first is `phone`."""
    marker = request.node.get_closest_marker("phone")
    count = int(marker.kwargs.get("count", 1)) if marker else 1
    wanted = _marker_needs(request)
    return [phone] + [phone_factory(**wanted) for _ in range(count - 1)]


@pytest.fixture
def gallery(phone: Phone) -> Iterator[Any]:
    """Generated media on `phone`: `gallery.seed("edge", seed=7)` -> Manifest. What it seeded is
    wiped after the test (files and MediaStore rows), unless it changed since seeding."""
    from .media.gallery import Gallery

    seeding = Gallery(phone)
    yield seeding
    seeding.wipe_seeded()


NO_APP = ("this test needs a backup app: pass --phone-backup-app NAME_OR_PATH (a scenario from scenarios/, "
          "e.g. adb-mirror, or a YAML file) or mark the test @pytest.mark.backup_app('NAME_OR_PATH')")


@pytest.fixture
def backup_app(request: pytest.FixtureRequest, phone_settings: PhoneSettings) -> Any:
    """The backup app under test, from @pytest.mark.backup_app(NAME_OR_PATH) or --phone-backup-app."""
    from .apps import load_app

    marker = request.node.get_closest_marker("backup_app")
    name = marker.args[0] if marker is not None and marker.args else phone_settings.backup_app
    if not name:
        pytest.skip(NO_APP)
    return load_app(name, appium=appium.shared_service())


@pytest.fixture
def roundtrip(request: pytest.FixtureRequest, phone: Phone, backup_app: Any, phone_settings: PhoneSettings,
              phone_factory: Callable[..., Phone], tmp_path: Path) -> Callable[..., Any]:
    """`roundtrip(profile="smoke", seed=None, new_phone=False, check=True)` seeds, backs up, wipes
    the seeded items, restores (onto a new phone with `new_phone=True`) and verifies. With `check`
    a round trip that is not clean fails the test, naming the worst items and the seed."""
    from . import report as allure_report
    from .roundtrip import RoundTrip

    runs: list[RoundTripResult] = []

    def run(profile: str = "smoke", seed: int | None = None, new_phone: bool = False, check: bool = True,
            app: Any = None) -> Any:
        target = phone_factory() if new_phone else None
        chosen = phone_settings.seed if seed is None else seed
        result = RoundTrip(phone, app or backup_app, profile=profile, seed=chosen,
                           workdir=tmp_path / f"roundtrip-{len(runs) + 1}", restore_phone=target).run()
        runs.append(result)
        if check and not result.ok:
            pytest.fail(allure_report.failure_message(result.report, result.manifest), pytrace=False)
        return result

    return run


def _marker_needs(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("phone")
    if marker is None:
        return {}
    return {key: value for key, value in marker.kwargs.items() if key in ("api", "storage") and value is not None}


def _fits(phone: Phone, wanted: dict[str, Any]) -> bool:
    if "api" in wanted and phone.getprop("ro.build.version.sdk") != str(wanted["api"]):
        return False
    if "storage" in wanted:
        from .virtual.device import parse_size

        if phone.storage_usage().total < parse_size(wanted["storage"]) * 0.9:
            return False
    return True


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
