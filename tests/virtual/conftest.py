"""The phone of the tests/virtual modules that run commands on one phone through the real adb."""

from __future__ import annotations

import pytest

from pytest_phonebackup.virtual import VirtualPhone


@pytest.fixture(scope="module")
def phone(shared_phone: VirtualPhone) -> VirtualPhone:
    """The module's shared phone (`shared_phone`); a module overrides this for a phone of its own."""
    return shared_phone
