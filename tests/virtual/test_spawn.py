"""`spawn_phone`: a virtual phone in its own process group, seen by the real adb, and `stop()` that
leaves no process behind — through the console first, by signals to its own pid when that fails."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from rawadb import free_console_port, refuses_connections

from pytest_phonebackup.virtual.console import TOKEN_FILE_NAME
from pytest_phonebackup.virtual.spawn import PhoneProcessError, spawn_phone


@pytest.fixture
def env(tmp_path: Path, adb_server) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    (home / TOKEN_FILE_NAME).write_text("spawn-test-token")
    return {**os.environ, "HOME": str(home), "ANDROID_ADB_SERVER_PORT": str(adb_server.port)}


@pytest.fixture
def spawned():
    """Phones a test spawns; stopped at the end even when the test fails half-way."""
    phones: list = []
    yield phones
    for phone in phones:
        phone.stop(timeout=5)


def group_members(pgid: int) -> list[psutil.Process]:
    members = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (ProcessLookupError, psutil.NoSuchProcess, PermissionError):
            continue
    return members


def test_spawned_phone_reports_itself_and_adb_lists_it(adb_server, env, tmp_path):
    port = free_console_port()
    with spawn_phone(port=port, api=33, storage="1G", data_dir=tmp_path / "files", avd_name="Spawned_33",
                     env=env) as phone:
        assert (phone.serial, phone.console_port, phone.adb_port) == (f"emulator-{port}", port, port + 1)
        assert phone.data_dir == tmp_path / "files" and phone.avd_name == "Spawned_33"
        assert phone.alive() and psutil.Process(phone.pid).cmdline()[1:3] == ["-m", "pytest_phonebackup.virtual"]
        assert os.getpgid(phone.pid) == phone.pid, "the phone leads its own process group"
        adb_server.wait_for(phone.serial)
        assert adb_server.run("shell", "getprop", "ro.build.version.sdk", serial=phone.serial).stdout.strip() == b"33"
        assert phone.serial in phone.output()
    assert not phone.alive()


def test_stop_leaves_no_process_and_frees_the_ports(env, spawned):
    phone = spawn_phone(port=free_console_port(), env=env)
    spawned.append(phone)
    pid = phone.pid
    assert group_members(pid), "the phone's process group exists while it runs"
    started = time.monotonic()
    assert phone.stop(timeout=10) == 0
    assert time.monotonic() - started < 5, "the console kill ends the phone without waiting for signals"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert group_members(pid) == []
    assert refuses_connections(phone.console_port) and refuses_connections(phone.adb_port)
    assert phone.stop() == 0, "stopping twice is harmless"


def test_stop_falls_back_to_sigterm_when_the_console_refuses(env, spawned):
    phone = spawn_phone(port=free_console_port(), env=env)
    spawned.append(phone)
    # With the token file gone, stop() sends no auth, the phone makes a new token for the
    # connection, and `kill` is refused before auth: only the signals are left.
    Path(env["HOME"], TOKEN_FILE_NAME).unlink()
    started = time.monotonic()
    assert phone.stop(timeout=0.5) == 0, "SIGTERM is a clean stop: exit status 0"
    assert time.monotonic() - started < 5
    assert group_members(phone.pid) == []


def test_spawn_reports_why_the_phone_could_not_start(env):
    port = free_console_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen(1)
        with pytest.raises(PhoneProcessError, match=f"console port {port} is already in use") as failure:
            spawn_phone(port=port, env=env, ready_timeout=20)
    assert "exited with status 1" in str(failure.value)


def test_a_spawned_phone_stops_when_the_process_that_spawned_it_dies(env, tmp_path):
    port = free_console_port()
    script = ("import sys, time\n"
              "from pytest_phonebackup.virtual.spawn import spawn_phone\n"
              f"phone = spawn_phone(port={port})\n"
              "print(phone.pid, flush=True)\n"
              "time.sleep(60)\n")
    runner_env = {**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    runner = subprocess.Popen([sys.executable, "-c", script], env=runner_env, stdout=subprocess.PIPE)
    try:
        phone_pid = int(runner.stdout.readline())
        assert psutil.Process(phone_pid).is_running()
    finally:
        runner.kill()  # a test run that crashes: no stop(), no cleanup
        runner.wait()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and running(phone_pid):
            time.sleep(0.1)
        assert not running(phone_pid), "the orphaned phone should have stopped by itself"
        assert refuses_connections(port) and refuses_connections(port + 1)
    finally:
        if running(phone_pid):
            os.kill(phone_pid, signal.SIGKILL)  # the phone this test started, never anything else


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _blocked_signals(native_id: int) -> int:
    """The signal mask of one of this process's threads, from the kernel (SigBlk in its status)."""
    for line in Path(f"/proc/self/task/{native_id}/status").read_text().splitlines():
        if line.startswith("SigBlk:"):
            return int(line.split()[1], 16)
    raise AssertionError("no SigBlk line")


def test_the_output_reader_leaves_ctrl_c_to_the_main_thread(env, spawned):
    # The kernel gives a process's SIGINT to any thread that does not block it; a reader thread that
    # took it would leave a test's main thread asleep through the user's Ctrl-C.
    import threading

    phone = spawn_phone(port=free_console_port(), env=env)
    spawned.append(phone)
    reader = next(t for t in threading.enumerate() if t.name == f"spawned-phone-{phone.pid}")
    assert reader.native_id is not None
    mask = _blocked_signals(reader.native_id)
    assert mask & (1 << (signal.SIGINT - 1)) and mask & (1 << (signal.SIGTERM - 1)), hex(mask)
    assert not _blocked_signals(threading.main_thread().native_id or 0) & (1 << (signal.SIGINT - 1))
