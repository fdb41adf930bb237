"""The start-up check: when the backup apps or media profiles the run names do not load, or collected
tests need a phone or a backup app that is not configured, the run stops with one usage error before
any phone boots, so a run never goes green having checked nothing. Not the fixtures' own refusal,
which covers what collection cannot see (`phone_missing`).
"""

from __future__ import annotations

import inspect
import os

import pytest

from ..settings import PhoneSettings
from ..startup import Named, one_error, problems
from .hooks import SETTINGS_KEY

FIXTURES_MODULE = "pytest_phonebackup.plugin.fixtures"
PHONE_FIXTURES = ("session_phone", "phone_factory")  # every phone fixture of the plugin comes from these
SKIP_INSTEAD = "or set phone_missing = skip (ini) or PHONEBACKUP_PHONE_MISSING=skip to skip those tests"


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = config.stash[SETTINGS_KEY]
    if config.getoption("collectonly"):
        return  # listing tests checks nothing, so it needs nothing
    lines = problems(_named(settings, items))
    if settings.missing != "skip":
        need_phone = [] if settings.wants_phones else [item.nodeid for item in items if _needs_phone(item)]
        need_app = [] if settings.backup_app else [item.nodeid for item in items if _needs_app(item)]
        if need_phone or need_app:
            lines.append(missing_message(need_phone, need_app))
    if not lines:
        return
    message = one_error(lines)
    if hasattr(config, "workerinput"):
        # An xdist worker: a usage error here would crash it; the controller stops the run with the
        # message as an interruption (exit code 2, not 4).
        items.clear()
        session.shouldstop = message
        return
    raise pytest.UsageError(message)


def _named(settings: PhoneSettings, items: list[pytest.Item]) -> list[Named]:
    """The apps and profiles the options and the collected tests' markers name, with where each is named."""
    named = []
    if settings.backup_app:
        named.append(Named("app", settings.backup_app, settings.sources.get("backup_app", "--phone-backup-app")))
    for profile in settings.media_profile or ():
        named.append(Named("profile", profile, settings.sources.get("media_profile", "--phone-media-profile")))
    for item in items:
        for marker in item.iter_markers("backup_app"):
            if marker.args and isinstance(marker.args[0], (str, os.PathLike)):
                name = os.fspath(marker.args[0])
                named.append(Named("app", str(name), _marker_origin(item, str(name))))
    return named


def _marker_origin(item: pytest.Item, name: str) -> str:
    """'file:line:col' of the marker's argument above the test function, else the test's own line."""
    path, line, _ = item.location
    test_line = f"{path}:{line + 1}" if line is not None else path
    try:
        source, first = inspect.getsourcelines(getattr(item, "function", None))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return test_line
    for offset, text in enumerate(source):
        for quoted in (f'"{name}"', f"'{name}'"):
            if "backup_app" in text and quoted in text:
                return f"{path}:{first + offset}:{text.index(quoted) + 1}"
    return test_line


def missing_message(need_phone: list[str], need_app: list[str]) -> str:
    """One line: how many tests need what, the first of them, and the option that provides it."""
    parts = []
    if need_phone:
        parts.append(f"{_tests_need(need_phone)} a phone and none is configured (first: {need_phone[0]}): "
                        "pass --phone-emulator (the embedded virtual phone), --phone-emulator=avd:NAME or "
                        "--phone-serial SERIAL (an attached phone)")
    if need_app:
        parts.append(f"{_tests_need(need_app)} a backup app and none is configured (first: {need_app[0]}): "
                        "pass --phone-backup-app NAME_OR_PATH (a scenario name, e.g. adb-mirror, or a YAML file)")
    return "pytest-phonebackup: " + "; ".join(parts) + "; " + SKIP_INSTEAD


def _tests_need(nodeids: list[str]) -> str:
    return "1 test needs" if len(nodeids) == 1 else f"{len(nodeids)} tests need"


def _needs_phone(item: pytest.Item) -> bool:
    # A conftest's own `phone_provisioner` brings phones from elsewhere: only the fixtures can tell.
    return _uses_plugin_fixture(item, "phone_provisioner") and any(
        _uses_plugin_fixture(item, name) for name in PHONE_FIXTURES)


def _needs_app(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("backup_app")
    return _uses_plugin_fixture(item, "backup_app") and not (marker is not None and marker.args)


def _uses_plugin_fixture(item: pytest.Item, name: str) -> bool:
    """Whether the test's fixture closure resolves `name` to this plugin's fixture (not an override)."""
    if not isinstance(item, pytest.Function) or name not in item.fixturenames:
        return False
    definitions = item._fixtureinfo.name2fixturedefs.get(name, ())  # the definitions pytest resolved
    return bool(definitions) and definitions[-1].func.__module__ == FIXTURES_MODULE
