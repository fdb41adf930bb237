"""pytest hooks of the phone side: options (each also an environment variable and an ini key), the
markers, the report header saying where each setting came from, the phones used, and the safety net
that releases phones of an interrupted session. Settings and provisioners do the work.
"""

from __future__ import annotations

import copy
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ..apps.appium_server import AppiumService
from ..errors import PhoneError
from ..provision import Provisioner, provisioner_for
from ..settings import SETTINGS, PhoneSettings, emulator_as_switch, resolve

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter

SETTINGS_KEY = pytest.StashKey[PhoneSettings]()
PROVISIONER_KEY = pytest.StashKey[Provisioner | None]()
REPORTS_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()
USED_KEY = pytest.StashKey[list[str]]()
APPIUM_KEY = pytest.StashKey[AppiumService]()  # the session's Appium server, started on first use
NO_PHONE = ("this test needs a phone: pass --phone-emulator (the embedded virtual phone), "
            "--phone-avd NAME (an Android SDK emulator) or --phone-serial SERIAL (an attached phone)")

METAVARS = {"avd": "NAME", "api": "LEVEL", "storage": "SIZE", "boot_timeout": "DURATION", "snapshot": "NAME",
            "artifacts": "WHEN", "output": "DIR", "backup_app": "NAME_OR_PATH", "media_profile": "PROFILES",
            "seed": "N", "missing": "error|skip"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("phonebackup", "phones for backup tests (pytest-phonebackup)")
    for setting in SETTINGS:
        has_default = setting.default not in (None, ()) and setting.default is not False
        default = f"; default {setting.default}" if has_default else ""
        help_text = f"{setting.help} [env {setting.env}, ini {setting.ini}{default}]"
        if setting.name == "emulator":
            # `=SPEC` only: pytest_load_initial_conftests below keeps a bare switch off the next argument
            group.addoption(setting.option, nargs="?", const="virtual", default=None, metavar="avd:NAME",
                            dest="phone_emulator", help=help_text)
        elif setting.name == "serial":
            group.addoption(setting.option, action="append", default=None, metavar="SERIAL",
                            dest="phone_serial", help=help_text)
        elif setting.flag:
            group.addoption(setting.option, action="store_true", default=None, dest=setting.ini, help=help_text)
        else:
            group.addoption(setting.option, default=None, dest=setting.ini, help=help_text,
                            metavar=METAVARS.get(setting.name, "VALUE"))
        parser.addini(setting.ini, setting.help, default=None)
    group.addoption("--appium-url", default=None, metavar="URL", dest="appium_url",
                    help="use this Appium server (device farm, Selenium Grid) for UI-driven apps instead of "
                         "starting one for the session [env PHONEBACKUP_APPIUM_URL]")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Make `--phone-emulator` a switch before pytest reads its arguments for good."""
    switched = emulator_as_switch(args)
    if switched == args:
        return
    args[:] = switched
    confcutdir = early_config.known_args_namespace.confcutdir
    early_config.known_args_namespace = parser.parse_known_args(args, namespace=copy.copy(early_config.option))
    early_config.known_args_namespace.confcutdir = confcutdir  # initial conftests now see the test paths


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backup_app(name_or_path): the backup app this test runs (a scenario "
                            "name from scenarios/ or a YAML path); overrides --phone-backup-app")
    config.addinivalue_line("markers", "phone(api=None, storage=None, count=1): what the test needs from its "
                            "phone(s): an API level, a storage size (e.g. '2GB' or '2GiB'), how many phones "
                            "(`phones` fixture)")
    options = {setting.name: config.getoption(setting.ini) for setting in SETTINGS}
    ini = {setting.ini: config.getini(setting.ini) for setting in SETTINGS}
    try:
        settings = resolve(options, ini=ini)
    except ValueError as exc:
        raise pytest.UsageError(f"pytest-phonebackup: {exc}") from None
    if not settings.output.is_absolute():
        settings.output = Path(config.rootpath) / settings.output
    config.stash[SETTINGS_KEY] = settings
    config.stash[APPIUM_KEY] = AppiumService.from_environment(config.getoption("appium_url"))
    config.stash[PROVISIONER_KEY] = None
    config.stash[REPORTS_KEY] = {}
    config.stash[USED_KEY] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    """Check the phones asked for (attached serials, the AVD and its SDK) before any test starts one."""
    if hasattr(session.config, "workerinput"):
        return  # xdist workers: the controller has checked
    provisioner = provisioner_for(session.config.stash[SETTINGS_KEY])
    if provisioner is None:
        return
    try:
        provisioner.check()
    except PhoneError as exc:
        raise pytest.UsageError(f"pytest-phonebackup: {exc}") from None


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash[SETTINGS_KEY]
    if not settings.wants_phones:
        lines = ["phonebackup: no phones (pass --phone-emulator or --phone-serial to run phone tests)"]
    else:
        lines = ["phonebackup: " + "; ".join(settings.describe())]
    if settings.missing == "skip":
        lines.append(f"phonebackup: phone missing: skip (from {settings.sources.get('missing', 'default')})")
    else:
        lines.append("phonebackup: phone missing: error (set phone_missing = skip to skip instead)")
    return lines


def pytest_terminal_summary(terminalreporter: TerminalReporter, config: pytest.Config) -> None:
    used = config.stash.get(USED_KEY, [])
    if used:
        terminalreporter.write_line("phonebackup: phones used: " + ", ".join(used))


def pytest_unconfigure(config: pytest.Config) -> None:
    appium_service = config.stash.get(APPIUM_KEY, None)
    if appium_service is not None:
        appium_service.close()  # stops only a server it started; an --appium-url server is left alone
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
