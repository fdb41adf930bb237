"""`Phone`: one Android device over ADB, composed of its concerns (transport, ownership, sync,
packages, MediaStore, readiness, system), and how a phone's kind is told from the phone itself.
Not for starting phones (see provision/).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from adbutils import AdbClient

from ..errors import PhoneError
from ..phonelike import PhoneLike
from .media import MediaStore
from .ownership import KINDS
from .packages import Packages
from .sync import FileSync
from .system import System

VIRTUAL_MARK = "ro.phonebackup.virtual"  # set to 1 by the embedded virtual phone
VIRTUAL_AVD_NAME = "virtual_phone"  # the virtual phone's console `avd name` (virtual/device.py PhoneConfig)
EMULATOR_HARDWARE = ("ranchu", "goldfish")  # ro.hardware of the Android Emulator's boards


def detect_kind(serial: str, props: Mapping[str, str], avd_name: str | None = None) -> str:
    """'virtual', 'emulator' or 'hardware', from the phone's properties (and, when known, the name
    its emulator console gives). A phone counts as virtual or emulator only on positive evidence, so
    an unknown phone is protected like real hardware: a serial alone proves nothing."""
    emulated = (props.get("ro.kernel.qemu") == "1" or props.get("ro.boot.qemu") == "1"
                or props.get("ro.hardware") in EMULATOR_HARDWARE
                or props.get("ro.boot.hardware") in EMULATOR_HARDWARE
                or (re.fullmatch(r"emulator-\d+", serial) is not None
                    and props.get("ro.build.characteristics", "").startswith("emulator")))
    if props.get(VIRTUAL_MARK) == "1":
        return "virtual"
    if emulated and avd_name == VIRTUAL_AVD_NAME and not props.get("ro.boot.qemu.avd_name"):
        return "virtual"  # virtual phones from before the ro.phonebackup.virtual mark
    return "emulator" if emulated else "hardware"


class Phone(FileSync, Packages, MediaStore, System):
    """One Android device, reached through the adb server `adb` talks to.

        phone = Phone.attach("emulator-5554")      # kind told from the phone itself
        phone.push("cat.jpg", "/sdcard/DCIM/cat.jpg")
        assert phone.hash_files(["/sdcard/DCIM/cat.jpg"])

    Safety: the phone remembers what this harness wrote (`created`). It refuses to overwrite or
    delete anything else, and on real hardware refuses destructive actions unless `allow_wipe`.
    A Phone made without a `kind` is treated as real hardware; `attach()` asks the phone.
    """

    def __init__(self, serial: str, adb: AdbClient | None = None, kind: str = "hardware", *,
                 allow_wipe: bool = False):
        if kind not in KINDS:
            raise ValueError(f"phone kind {kind!r} is not one of {', '.join(KINDS)}")
        super().__init__(serial, adb)
        self.kind = kind
        self.allow_wipe = allow_wipe
        self.created = set()
        self._folders = set()
        self.installed = set()

    @classmethod
    def attach(cls, serial: str, adb: AdbClient | None = None, *, allow_wipe: bool = False) -> Phone:
        """The phone `serial` (already listed by `adb devices`), with its kind detected by
        `detect_kind`: 'virtual', 'emulator' or, without evidence, 'hardware'."""
        phone = cls(serial, adb, "hardware", allow_wipe=allow_wipe)
        props = phone.getprops()
        kind = detect_kind(serial, props)
        if kind == "emulator" and VIRTUAL_MARK not in props and re.fullmatch(r"emulator-\d+", serial):
            try:
                avd_name = phone.emu("avd", "name").splitlines()[0].strip()
            except (PhoneError, IndexError):
                avd_name = None
            kind = detect_kind(serial, props, avd_name)
        phone.kind = kind
        return phone

    def __repr__(self) -> str:
        return f"Phone({self.serial!r}, kind={self.kind!r})"


if TYPE_CHECKING:
    def _is_phonelike(phone: Phone) -> PhoneLike:  # mypy proves that Phone satisfies PhoneLike
        return phone
