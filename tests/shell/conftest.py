"""Fixtures for the shell tests: one virtual phone per module, and the same file tree built on the
phone and on the host for the toybox/mksh oracle (see oracle.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from oracle import Trees, make_trees, oracle_skip_reason

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone

_names = itertools.count()


@pytest.fixture(scope="module")
def shell_phone(adb_server, tmp_path_factory) -> VirtualPhone:
    """A started virtual phone shared by one test module (tests work in their own folders)."""
    config = PhoneConfig(data_dir=tmp_path_factory.mktemp("shell-phone"), storage_bytes=2 * 1024**3)
    with VirtualPhone(config) as phone:  # a free port pair, chosen under the cross-process lock
        adb_server.wait_for(phone.serial)
        yield phone


@pytest.fixture(scope="module")
def oracle_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("oracle")


@pytest.fixture
def trees(shell_phone, adb_server, oracle_dir) -> Trees:
    """A fresh standard tree on the phone (/data/local/tmp/t/N) and on the host, for one test."""
    reason = oracle_skip_reason()
    if reason:
        pytest.skip(reason)
    return make_trees(shell_phone, adb_server, oracle_dir, f"t{next(_names)}")


@pytest.fixture(scope="module")
def read_only_trees(shell_phone, adb_server, oracle_dir) -> Trees:
    """One standard tree per module for commands that only read (generated command lines)."""
    reason = oracle_skip_reason()
    if reason:
        pytest.skip(reason)
    return make_trees(shell_phone, adb_server, oracle_dir, "read-only")
