"""Where the host-side programs the plugin runs are found: adb (from the adbutils wheel), and
the project-local npm tools (allure, appium). Not for running them: callers do that.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def adb_path() -> str:
    """The adb binary: $PHONEBACKUP_ADB, else the one shipped in the adbutils wheel, else PATH."""
    explicit = os.environ.get("PHONEBACKUP_ADB")
    if explicit:
        return explicit
    try:
        import adbutils

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


def project_tools_dir() -> Path:
    """The project-local folder where npm tools (allure, appium) are installed: $PHONEBACKUP_TOOLS or ./.phonebackup/tools."""
    return Path(os.environ.get("PHONEBACKUP_TOOLS", Path.cwd() / ".phonebackup" / "tools")).resolve()
