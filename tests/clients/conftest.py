"""Fixtures for running real third-party clients (PyPI packages, installed by the `test` extra)
against the virtual phone: the clients find `adb` on PATH, as they do on a user's machine."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pytest_phonebackup.phone.adb import adb_path


@pytest.fixture(scope="session")
def adb_on_path(adb_server) -> Iterator[str]:
    """PATH with the session's adb first and this interpreter's scripts (the clients' commands) next."""
    before = os.environ["PATH"]
    scripts = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([str(Path(adb_path()).parent), scripts, before])
    assert shutil.which("adb") == adb_path()
    yield os.environ["PATH"]
    os.environ["PATH"] = before


@pytest.fixture(scope="session")
def installed_tool() -> Callable[[str], str]:
    """`installed_tool(name)`: the console script a client installs; a missing one skips the test
    (and fails it under CI)."""

    def find(name: str) -> str:
        found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
        if not found:
            pytest.skip(f"{name} is not installed: pip install -e '.[test]' installs it")
        return found

    return find
