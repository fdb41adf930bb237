"""The virtual provisioner: phones in their own processes, on ports chosen under a cross-process
lock (parallel workers never collide), with the settings asked for, and gone after release."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

import pytest_phonebackup.virtual.spawn as spawn
from pytest_phonebackup.errors import PhoneError
from pytest_phonebackup.phonelike import PhoneLike
from pytest_phonebackup.provision import choose_console_port, port_in_use, port_lock, worker_index
from pytest_phonebackup.provision.base import Provisioner as BaseProvisioner
from pytest_phonebackup.provision.virtual import VirtualProvisioner

REPO = Path(__file__).resolve().parents[2]


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_spawned_phone_has_the_asked_settings_and_is_gone_after_release(adb_server):
    provisioner = VirtualProvisioner(api=30, storage=512 * 1024**2, boot_timeout=30)
    phone = provisioner.acquire()
    running = provisioner.running(phone.serial)
    assert phone.kind == "virtual" and adb_server.devices()[phone.serial] == "device"
    assert phone.getprop("ro.build.version.sdk") == "30"
    assert phone.storage_usage().total == 512 * 1024**2
    assert running.pid != os.getpid() and psutil.Process(running.pid).is_running()
    provisioner.release()
    assert gone(running.pid)
    assert provisioner.phones == []


def test_keep_leaves_the_phone_running(adb_server):
    provisioner = VirtualProvisioner(keep=True, boot_timeout=30)
    phone = provisioner.acquire()
    running = provisioner.running(phone.serial)
    provisioner.release()
    try:
        assert running.alive() and phone.shell("echo still here").stdout == "still here\n"
    finally:
        running.stop()


def test_worker_index_spreads_default_ports(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    assert worker_index() == 3
    assert worker_index("gw0") == 0 and worker_index("master") == 0
    with port_lock():
        first = choose_console_port(5561)
        assert first % 2 == 0 and not port_in_use(first) and not port_in_use(first + 1)


RACER = """
import json, sys
from pytest_phonebackup.provision.virtual import VirtualProvisioner
provisioner = VirtualProvisioner(first_port=int(sys.argv[1]), boot_timeout=60)
phone = provisioner.acquire()
print(json.dumps({"serial": phone.serial}), flush=True)
sys.stdin.readline()
provisioner.release()
"""


def test_parallel_processes_starting_phones_on_the_same_ports_never_collide(adb_server, tmp_path):
    with port_lock():
        start = choose_console_port(5566)
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    racers = [subprocess.Popen([sys.executable, str(script), str(start)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(3)]
    try:
        serials = []
        for racer in racers:
            line = racer.stdout.readline()
            assert line, racer.stderr.read().decode(errors="replace")
            serials.append(json.loads(line)["serial"])
        assert len(set(serials)) == 3, serials
        devices = adb_server.devices()
        assert all(devices.get(serial) == "device" for serial in serials)
    finally:
        for racer in racers:
            racer.communicate(b"\n", timeout=30)
    assert all(racer.returncode == 0 for racer in racers)



def test_a_virtual_phone_that_fails_to_start_is_a_phone_error(adb_server, monkeypatch):
    class StartFailure(RuntimeError):  # as virtual/spawn.py reports a child that exits at start
        pass

    def fail(**settings: object) -> None:
        raise StartFailure("the virtual phone process exited with status 2: bad --api")

    monkeypatch.setattr(spawn, "spawn_phone", fail)
    provisioner = VirtualProvisioner(api=30, boot_timeout=5)
    with pytest.raises(PhoneError, match="did not start: .*exited with status 2") as caught:
        provisioner.acquire()
    assert isinstance(caught.value.__cause__, StartFailure)
    assert provisioner.phones == []


def test_phones_are_typed_for_the_rest_of_the_harness(adb_server):
    with VirtualProvisioner(boot_timeout=30) as provisioner:
        assert isinstance(provisioner, BaseProvisioner)
        phone = provisioner.acquire()
        assert isinstance(phone, PhoneLike) and phone.kind == "virtual"
