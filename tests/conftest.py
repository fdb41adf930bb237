"""Shared fixtures: a private adb server (the real binary from the adbutils wheel) and virtual
phones it can see. Every test talks to phones through real clients, never through mocks."""

from __future__ import annotations

import importlib.metadata
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import adbutils
import pytest

from pytest_phonebackup.phone.adb import adb_path
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.cli import start_phone

pytest_plugins = ["pytester", "ci_skips"]  # plugin tests run pytest sessions in subprocesses; CI fails skips



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AdbServer:
    """A private adb server for this test session (its own port, killed at the end)."""

    port: int
    binary: str

    def run(self, *args: str, serial: str | None = None, check: bool = True, input: bytes | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [self.binary, "-P", str(self.port)] + (["-s", serial] if serial else []) + list(args)
        proc = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout.decode(errors='replace')}"
                                 f"{proc.stderr.decode(errors='replace')}")
        return proc

    def service(self, serial: str, name: str) -> bytes:
        """Open a device service (`framebuffer:`, `abb_exec:...`) through this server, as
        host:transport:<serial> then the service; everything it sends until it closes."""
        conn = adbutils.AdbClient(port=self.port).device(serial).open_transport()
        try:
            conn.send_command(name)
            conn.check_okay()
            return conn.read_until_close(encoding=None)
        finally:
            conn.close()

    def devices(self) -> dict[str, str]:
        out = self.run("devices").stdout.decode()
        rows = [line.split("\t") for line in out.splitlines()[1:] if "\t" in line]
        return {serial: state for serial, state in rows}

    def wait_for(self, serial: str, state: str = "device", timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.devices().get(serial) == state:
                return
            time.sleep(0.1)
        raise AssertionError(f"{serial} never reached state {state!r}; adb devices: {self.devices()}")

    def switch_root(self, serial: str, root: bool, timeout: float = 15) -> None:
        """`adb root` or `adb unroot`, then wait until the restarted adbd's shell is that user."""
        self.run("root" if root else "unroot", serial=serial)
        user = b"root\n" if root else b"shell\n"
        deadline = time.monotonic() + timeout
        while self.run("shell", "echo $USER", serial=serial, check=False).stdout != user:
            assert time.monotonic() < deadline, "adbd never came back"
            time.sleep(0.2)


@pytest.fixture(scope="session")
def adb_server() -> AdbServer:
    port = free_port()
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)  # adbutils, adb and the phones' registration use it
    server = AdbServer(port, adb_path())
    server.run("start-server")
    yield server
    server.run("kill-server", check=False)


@contextmanager
def started_phone(adb_server: AdbServer, config: PhoneConfig) -> Iterator[VirtualPhone]:
    """A started virtual phone, listed by the private adb server in state `device`; closed on exit."""
    phone = start_phone(config)  # a free port pair chosen under a lock, retried when raced
    try:
        adb_server.wait_for(phone.serial)
        yield phone
    finally:
        phone.close()


@pytest.fixture
def phone_config(tmp_path: Path) -> PhoneConfig:
    """Override in a test module to change how `virtual_phone` is built."""
    return PhoneConfig(data_dir=tmp_path / "phone", storage_bytes=2 * 1024**3)


@pytest.fixture
def virtual_phone(adb_server: AdbServer, phone_config: PhoneConfig) -> VirtualPhone:
    """A started virtual phone, listed by the private adb server in state `device`."""
    with started_phone(adb_server, phone_config) as phone:
        yield phone


@pytest.fixture(scope="module")
def shared_phone_config(tmp_path_factory: pytest.TempPathFactory) -> PhoneConfig:
    """Override in a test module to change how `shared_phone` is built."""
    return PhoneConfig(data_dir=tmp_path_factory.mktemp("phone"))


@pytest.fixture(scope="module")
def shared_phone(adb_server: AdbServer, shared_phone_config: PhoneConfig) -> VirtualPhone:
    """One started virtual phone for all tests of a module (a fresh phone per test costs the adb
    server's reconnect delay, about a second): for tests that leave it as they found it."""
    with started_phone(adb_server, shared_phone_config) as phone:
        yield phone


def plugin_installed() -> bool:
    """True when the package is installed (tox): pytest then loads the plugin by its entry point."""
    return any(entry.value == "pytest_phonebackup.plugin"
               for entry in importlib.metadata.entry_points(group="pytest11"))


@pytest.fixture(scope="session")
def plugin_args() -> list[str]:
    """Arguments for a pytest subprocess: load the plugin by hand only when it is not installed."""
    return ([] if plugin_installed() else ["-p", "pytest_phonebackup.plugin"]) + ["-p", "no:cacheprovider"]
