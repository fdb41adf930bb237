"""Fixtures for the Cloud Photos tests: one loopback cloud store per module (an account per test),
a Phone over the real adb for the test's virtual phone, the app from its scenario, and faults."""

from __future__ import annotations

from collections.abc import Iterator

import adbutils
import pytest

from pytest_phonebackup.apps import load_app
from pytest_phonebackup.apps.intent import IntentApp
from pytest_phonebackup.faults import PhoneFaults
from pytest_phonebackup.phone import Phone
from pytest_phonebackup.virtual.cloud import CloudStore


@pytest.fixture(scope="module")
def cloud() -> Iterator[CloudStore]:
    store = CloudStore().start()
    yield store
    store.stop()


@pytest.fixture
def phone(virtual_phone, adb_server) -> Phone:
    return Phone(virtual_phone.serial, adbutils.AdbClient(port=adb_server.port), "virtual")


@pytest.fixture
def app(cloud: CloudStore) -> Iterator[IntentApp]:
    """The scenario's app on the shared store, with short waits so paused or stopped steps end fast."""
    cloud.clear_faults()
    app = load_app("cloudphotos")
    assert isinstance(app, IntentApp)
    app.use_cloud(cloud)
    for step in (app.backup_step, app.restore_step):
        step.paused_after, step.stopped_after, step.timeout = 2.0, 2.0, 60.0
    yield app
    cloud.clear_faults()


@pytest.fixture
def faults(phone: Phone, app: IntentApp) -> Iterator[PhoneFaults]:
    made = PhoneFaults(phone, app)
    yield made
    made.undo_all()
