"""pytest-phonebackup's pytest plugin (the `pytest11` entry point): options, markers and the report
header (hooks), the fixtures (fixtures), the start-up check for a missing phone or app (preflight),
and round trips into Allure and the terminal summary (reporting). Wiring only: every fixture's work
is one call of the library, usable without pytest.
"""

from __future__ import annotations

from .fixtures import PhoneFactory, RoundTripRunner
from .hooks import NO_PHONE, PROVISIONER_KEY, REPORTS_KEY, SETTINGS_KEY, USED_KEY

# Registered with this module, before options are parsed (pytest reads `pytest_plugins` of plugins).
pytest_plugins = ["pytest_phonebackup.plugin.hooks", "pytest_phonebackup.plugin.fixtures",
                  "pytest_phonebackup.plugin.preflight", "pytest_phonebackup.plugin.reporting"]

# What tests annotate with (`def test_x(phone_factory: PhoneFactory)`), and the keys of config.stash.
__all__ = ["NO_PHONE", "PROVISIONER_KEY", "REPORTS_KEY", "SETTINGS_KEY", "USED_KEY", "PhoneFactory", "RoundTripRunner"]
