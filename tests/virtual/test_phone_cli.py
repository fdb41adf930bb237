"""`phonebackup phone up` / `python -m pytest_phonebackup.virtual` as real processes: they print the
serial, the real adb lists the phone, and Ctrl-C, SIGTERM or `adb emu kill` end them cleanly."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rawadb import free_console_port, refuses_connections

from pytest_phonebackup.virtual.console import TOKEN_FILE_NAME

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path, adb_server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment of the phone and of the adb clients: private HOME (console token) and adb server."""
    home = tmp_path / "home"
    home.mkdir()
    (home / TOKEN_FILE_NAME).write_text("cli-test-token")
    monkeypatch.setenv("HOME", str(home))  # `adb emu` (adb_server.run) reads the token from here too
    return {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO),
            "ANDROID_ADB_SERVER_PORT": str(adb_server.port)}


class PhoneUp:
    """A `phone up` process and what it printed."""

    def __init__(self, args: list[str], env: dict[str, str], module: str = "pytest_phonebackup.cli"):
        prefix = ["phone", "up"] if module == "pytest_phonebackup.cli" else []
        self.proc = subprocess.Popen([sys.executable, "-m", module, *prefix, *args], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: list[str] = []

    def read_until_ready(self, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        buffer = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for line in complete:
                self.lines.append(line.decode())
                if line.startswith(b"ready "):
                    return json.loads(line[len(b"ready "):])
        self.proc.kill()
        raise AssertionError(f"phone up never got ready; stdout {self.lines}, stderr {self.proc.stderr.read()!r}")

    def wait(self, timeout: float = 15) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def phone_up(env):
    """Factory: start `phone up` processes; any still running at the end of the test are killed."""
    started: list[PhoneUp] = []

    def start(args: list[str], module: str = "pytest_phonebackup.cli") -> PhoneUp:
        started.append(PhoneUp(args, env, module))
        return started[-1]

    yield start
    for up in started:
        if up.proc.poll() is None:
            up.proc.kill()
            up.proc.wait()


def test_phone_up_prints_the_serial_adb_lists_it_and_ctrl_c_exits_0_and_frees_its_ports(adb_server, env, phone_up,
                                                                                       tmp_path):
    port = free_console_port()
    up = phone_up(["--port", str(port), "--api", "30", "--storage", "1G", "--data", str(tmp_path / "files"),
                   "--avd-name", "Pixel_API_30"])
    info = up.read_until_ready()
    serial = f"emulator-{port}"
    assert up.lines[0] == serial, "the first line is the serial alone, for scripts"
    assert info == {"serial": serial, "console_port": port, "adb_port": port + 1, "pid": up.proc.pid,
                    "data_dir": str(tmp_path / "files"), "avd_name": "Pixel_API_30", "api": 30}
    adb_server.wait_for(serial)
    assert adb_server.run("emu", "avd", "name", serial=serial).stdout == b"Pixel_API_30\r\nOK\r\n"
    listed = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "phone", "list", "--json"],
                            env=env, capture_output=True, timeout=30, check=True).stdout.decode()
    assert serial in [json.loads(line)["serial"] for line in listed.splitlines()]

    up.proc.send_signal(signal.SIGINT)
    assert up.wait() == 0
    assert refuses_connections(port) and refuses_connections(port + 1)
    assert (tmp_path / "files" / "root" / "storage" / "emulated" / "0" / "DCIM").is_dir(), "--data files are kept"
    listed = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "phone", "list", "--json"],
                            env=env, capture_output=True, timeout=30, check=True).stdout.decode()
    assert serial not in listed


def test_adb_emu_kill_ends_python_m_virtual(adb_server, phone_up):
    port = free_console_port()
    up = phone_up(["--port", str(port)], module="pytest_phonebackup.virtual")
    info = up.read_until_ready()
    adb_server.wait_for(info["serial"])
    data_dir = Path(info["data_dir"])
    assert data_dir.is_dir()
    answer = adb_server.run("emu", "kill", serial=info["serial"]).stdout
    assert answer.startswith(b"OK: killing emulator, bye bye\r\n")
    assert up.wait() == 0
    assert refuses_connections(port + 1)
    assert not data_dir.exists(), "the temporary files of a phone without --data are removed"


def test_sigterm_stops_phone_up_with_status_0(phone_up):
    up = phone_up(["--port", str(free_console_port())])
    info = up.read_until_ready()
    up.proc.terminate()
    assert up.wait() == 0
    assert refuses_connections(info["console_port"])


def test_phone_up_refuses_an_odd_port_and_says_why(env):
    result = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "phone", "up", "--port", "5555"],
                            env=env, capture_output=True, timeout=30)
    assert result.returncode != 0
    assert b"not an even port" in result.stderr


def test_phone_up_reports_a_busy_port(env):
    port = free_console_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen(1)
        result = subprocess.run([sys.executable, "-m", "pytest_phonebackup.cli", "phone", "up", "--port", str(port)],
                                env=env, capture_output=True, timeout=30)
    assert result.returncode == 1
    assert f"console port {port} is already in use".encode() in result.stderr


def test_phones_started_together_without_a_port_get_different_port_pairs(adb_server, phone_up):
    ups = [phone_up([]) for _ in range(3)]
    infos = [up.read_until_ready() for up in ups]
    ports = [info["console_port"] for info in infos]
    assert len(set(ports)) == 3 and all(port % 2 == 0 for port in ports)
    assert all(info["adb_port"] == info["console_port"] + 1 for info in infos)
    for info in infos:
        adb_server.wait_for(info["serial"])
    for up in ups:
        up.proc.send_signal(signal.SIGINT)
    assert [up.wait() for up in ups] == [0, 0, 0]
