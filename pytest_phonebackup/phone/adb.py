"""Where the adb binary and the adb server are: the binary shipped in the adbutils wheel (or $PHONEBACKUP_ADB,
or PATH) and the server port every adb client of this process uses. With `provision/`, the only place that
runs adb. Not for talking to one phone (see `Phone`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import adbutils
from adbutils import AdbClient, AdbError


def adb_path() -> str:
    """The adb binary: $PHONEBACKUP_ADB, else the one shipped in the adbutils wheel, else PATH."""
    explicit = os.environ.get("PHONEBACKUP_ADB")
    if explicit:
        return explicit
    try:
        path = adbutils.adb_path()
        if path and Path(path).exists():
            return str(path)
    except Exception:  # noqa: BLE001 - fall back to PATH below
        pass
    found = shutil.which("adb")
    if found:
        return found
    raise FileNotFoundError("no adb found: install adbutils (pip install adbutils) or put adb on PATH")


def adb_server_port() -> int:
    """The adb server port every adb client of this process uses (ANDROID_ADB_SERVER_PORT, default 5037)."""
    return int(os.environ.get("ANDROID_ADB_SERVER_PORT", "5037"))


def connect_client() -> AdbClient:
    """An adbutils client for the adb server this process uses (ANDROID_ADB_SERVER_PORT), started
    with the real adb binary when it is not running."""

    client = adbutils.AdbClient(port=adb_server_port())
    try:
        client.server_version()
    except (AdbError, OSError):
        import subprocess

        subprocess.run([adb_path(), "-P", str(adb_server_port()), "start-server"], capture_output=True,
                       timeout=60, check=False)
        client.server_version()
    return client
