"""Fixtures of the plugin tests: virtual phones on ports away from the ones other test areas start
at, and `run_pytest` — a pytest session in a subprocess (pytester) with this plugin loaded the way a
user's installation loads it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_phonebackup.provision import choose_console_port, port_lock, worker_index
from pytest_phonebackup.virtual import PhoneConfig

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def phone_config(tmp_path: Path) -> PhoneConfig:
    with port_lock():
        port = choose_console_port(5574 + 4 * worker_index())
    return PhoneConfig(data_dir=tmp_path / "phone", storage_bytes=2 * 1024**3, console_port=port)


@pytest.fixture
def run_pytest(pytester: pytest.Pytester, adb_server, monkeypatch: pytest.MonkeyPatch, plugin_args: list[str]):
    """`run_pytest(*args, timeout=...)` -> RunResult of a pytest subprocess in pytester's folder."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    for name in list(os.environ):
        if name.startswith("PHONEBACKUP_") and name not in ("PHONEBACKUP_LOCK_DIR", "PHONEBACKUP_ADB", "PHONEBACKUP_TOOLS"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)

    def run(*args: str, timeout: float = 120) -> pytest.RunResult:
        return pytester.runpytest_subprocess(*plugin_args, *args, timeout=timeout)

    return run
