"""A virtual phone behind a private adb server, for benchmarks (not collected as a benchmark). By
default the phone runs in its own process, as the plugin runs it, so the harness and the phone do
not share one interpreter; `in_process=True` keeps it here (its `storage` is then at hand)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import adbutils

from pytest_phonebackup.phone import Phone
from pytest_phonebackup.phone.adb import adb_path
from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.spawn import SpawnedPhone, spawn_phone


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def private_phone(work: Path, storage_bytes: int = 8 * 1024**3,
                  in_process: bool = False) -> Iterator[tuple[VirtualPhone | SpawnedPhone, Phone]]:
    """A started virtual phone and its Phone, reached through an adb server of our own."""
    port = free_port()
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)  # the phone registers with this server
    adb = [adb_path(), "-P", str(port)]
    subprocess.run(adb + ["start-server"], check=True, capture_output=True)
    try:
        started: VirtualPhone | SpawnedPhone = (
            VirtualPhone(PhoneConfig(data_dir=work / "phone", storage_bytes=storage_bytes)) if in_process
            else spawn_phone(storage=storage_bytes, data_dir=work / "phone"))
        with started as phone:
            deadline = time.monotonic() + 30
            while f"{phone.serial}\tdevice" not in subprocess.run(adb + ["devices"], capture_output=True,
                                                                  text=True).stdout:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"adb never listed {phone.serial}")
                time.sleep(0.1)
            yield phone, Phone(phone.serial, adbutils.AdbClient(port=port), kind="virtual")
    finally:
        subprocess.run(adb + ["kill-server"], capture_output=True)
