"""Phones that already exist: serials from `adb devices`, or `host:port` devices reached with
`adb connect` (device farms, phones over Wi-Fi). Waits for the `device` state and tells
emulators from real hardware. Never stops a phone; only disconnects what it connected.
"""

from __future__ import annotations

import logging
import time

from adbutils import AdbClient, AdbError

from ..errors import PhoneError
from ..phone import Phone, detect_kind
from ..phone.adb import connect_client
from .base import Provisioner

log = logging.getLogger(__name__)

__all__ = ["AttachedProvisioner", "detect_kind"]  # detect_kind lives in phone/device.py

class AttachedProvisioner(Provisioner):
    """Hands out the phones named by `--phone-serial`, in order; `host:port` ones are connected first."""

    name = "attached"

    def __init__(self, serials: tuple[str, ...] | list[str], *, boot_timeout: float = 180,
                 allow_wipe: bool = False, connect_timeout: float = 30):
        super().__init__()
        self.serials = list(serials)
        self.boot_timeout = boot_timeout
        self.allow_wipe = allow_wipe
        self.connect_timeout = connect_timeout
        self._connected: set[str] = set()

    def acquire(self, **options: object) -> Phone:
        if options:
            log.info("attached phones ignore %s", ", ".join(options))
        in_use = {phone.serial for phone in self.phones}
        free = [serial for serial in self.serials if serial not in in_use]
        if not free:
            raise PhoneError(f"every phone given with --phone-serial is in use ({', '.join(self.serials)}); "
                             "pass one more --phone-serial for each extra phone a test needs")
        phone = self.attach(free[0])
        self.phones.append(phone)
        return phone

    def check(self, connect_timeout: float = 5) -> None:
        """Fail at once, before any test, when a serial is not attached: `adb devices` must list
        each one; a `host:port` one gets one `adb connect` (disconnected again) within `connect_timeout`."""
        adb = connect_client()
        listed = {info.serial: info.state for info in adb.list()}
        for serial in self.serials:
            if serial in listed:
                continue
            if ":" in serial:
                self._connect(adb, serial, connect_timeout)
                try:
                    adb.disconnect(serial)
                except AdbError as exc:
                    log.debug("adb disconnect %s: %s", serial, exc)
                continue
            attached = ", ".join(f"{name} ({state})" for name, state in sorted(listed.items())) or "none"
            raise PhoneError(f"phone {serial} is not attached; `adb devices` lists: {attached}; pass one of "
                             "those to --phone-serial, or host:port for a phone over the network")

    @staticmethod
    def _connect(adb: AdbClient, serial: str, timeout: float) -> None:
        try:
            answer = adb.connect(serial, timeout=timeout)
        except AdbError as exc:
            raise PhoneError(f"`adb connect {serial}` failed: {exc}; is the phone listening "
                             "(`adb tcpip 5555`) and reachable?") from exc
        if "connected" not in answer:
            raise PhoneError(f"`adb connect {serial}` answered {answer.strip()!r}; check the address")

    def attach(self, serial: str) -> Phone:
        adb = connect_client()
        if ":" in serial and not self._listed(adb, serial):
            self._connect(adb, serial, self.connect_timeout)
            self._connected.add(serial)
        self._wait_device(adb, serial)
        phone = Phone.attach(serial, adb, allow_wipe=self.allow_wipe)
        phone.wait_ready(self.boot_timeout)
        return phone

    @staticmethod
    def _listed(adb: AdbClient, serial: str) -> bool:
        return any(info.serial == serial for info in adb.list())

    def _wait_device(self, adb: AdbClient, serial: str) -> None:
        deadline = time.monotonic() + self.boot_timeout
        state = "absent"
        while time.monotonic() < deadline:
            states = {info.serial: info.state for info in adb.list()}
            state = states.get(serial, "absent")
            if state == "device":
                return
            time.sleep(0.25)
        hint = {"unauthorized": "accept the USB debugging prompt on the phone",
                "offline": "reconnect the cable or restart adb (`adb kill-server`)",
                "absent": "check `adb devices` lists it"}.get(state, "check the phone")
        raise PhoneError(f"phone {serial} is {state} after {self.boot_timeout:.0f}s, not `device`: {hint}")

    def _release(self, phone: Phone) -> None:
        if phone.serial in self._connected:
            self._connected.discard(phone.serial)
            try:
                phone.adb.disconnect(phone.serial)
            except AdbError as exc:
                log.debug("adb disconnect %s: %s", phone.serial, exc)
