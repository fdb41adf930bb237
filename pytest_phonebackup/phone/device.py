"""`Phone`: one Android device over ADB, composed of its concerns (transport, ownership, sync,
packages, MediaStore, readiness, system).
Not for starting phones (see provision/).
"""

from __future__ import annotations

from adbutils import AdbClient

from .media import MediaStore
from .ownership import KINDS
from .packages import Packages
from .sync import FileSync
from .system import System


class Phone(FileSync, Packages, MediaStore, System):
    """One Android device, reached through the adb server `adb` talks to.

        phone = Phone("emulator-5554", adbutils.AdbClient())
        phone.push("cat.jpg", "/sdcard/DCIM/cat.jpg")
        assert phone.hash_files(["/sdcard/DCIM/cat.jpg"])

    Safety: the phone remembers what this harness wrote (`created`). It refuses to overwrite or
    delete anything else, and on real hardware refuses destructive actions unless `allow_wipe`.
    """

    def __init__(self, serial: str, adb: AdbClient | None = None, kind: str = "virtual", *,
                 allow_wipe: bool = False):
        if kind not in KINDS:
            raise ValueError(f"phone kind {kind!r} is not one of {', '.join(KINDS)}")
        super().__init__(serial, adb)
        self.kind = kind
        self.allow_wipe = allow_wipe
        self.created = set()
        self._folders = set()
        self.installed = set()

    def __repr__(self) -> str:
        return f"Phone({self.serial!r}, kind={self.kind!r})"
