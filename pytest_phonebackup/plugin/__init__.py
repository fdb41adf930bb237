"""pytest-phonebackup's pytest plugin (the `pytest11` entry point): options, markers and the report
header (hooks), the fixtures (fixtures), the start-up check for a missing phone or app (preflight),
and round trips into Allure and the terminal summary (reporting). Wiring only: every fixture's work
is one call of the library, usable without pytest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fixtures import PhoneFactory, RoundTripRunner
    from .hooks import NO_PHONE, PROVISIONER_KEY, REPORTS_KEY, SETTINGS_KEY, USED_KEY

# Registered with this module, before options are parsed (pytest reads `pytest_plugins` of plugins).
pytest_plugins = ["pytest_phonebackup.plugin.hooks", "pytest_phonebackup.plugin.fixtures",
                  "pytest_phonebackup.plugin.preflight", "pytest_phonebackup.plugin.reporting"]

# What tests annotate with (`def test_x(phone_factory: PhoneFactory)`), and the keys of config.stash.
# Imported on first use, so that pytest imports the plugin modules itself and rewrites their asserts.
_EXPORTS = {"NO_PHONE": "hooks", "PROVISIONER_KEY": "hooks", "REPORTS_KEY": "hooks", "SETTINGS_KEY": "hooks",
            "USED_KEY": "hooks", "PhoneFactory": "fixtures", "RoundTripRunner": "fixtures"}
__all__ = ["NO_PHONE", "PROVISIONER_KEY", "REPORTS_KEY", "SETTINGS_KEY", "USED_KEY", "PhoneFactory", "RoundTripRunner"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
