"""Virtual phones for a test session: the embedded virtual phone, one (or more) per xdist worker,
started in a subprocess of its own (or in this process when asked), on console ports chosen under
a cross-process lock. Not for SDK emulators (see `avd.py`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..errors import PhoneError
from ..phone import Phone
from ..phone.adb import connect_client
from ..virtual.device import PhoneConfig, VirtualPhone
from .base import Provisioner
from .ports import PORT_ATTEMPTS, choose_console_port, port_lock

log = logging.getLogger(__name__)


class VirtualProvisioner(Provisioner):
    """Starts embedded virtual phones and stops them on release.

        with VirtualProvisioner(storage=parse_size("2G")) as provisioner:
            phone = provisioner.acquire()
    """

    name = "virtual"

    def __init__(self, *, api: int | None = None, storage: int | None = None, boot_timeout: float = 180,
                 keep: bool = False, in_process: bool = False, first_port: int | None = None,
                 data_root: Path | None = None):
        super().__init__()
        self.api, self.storage, self.boot_timeout = api, storage, boot_timeout
        self.keep = keep
        self.in_process = in_process
        self.first_port = first_port
        self.data_root = data_root
        self._running: dict[str, Any] = {}  # serial -> VirtualPhone or SpawnedPhone

    def acquire(self, *, api: int | None = None, storage: int | None = None, **config: Any) -> Phone:
        """A new ready virtual phone. `api`, `storage` and any PhoneConfig field override the defaults."""
        settings: dict[str, Any] = dict(config)
        if api or self.api:
            settings["api"] = api or self.api
        if storage or self.storage:
            settings["storage_bytes"] = storage or self.storage
        adb = connect_client()
        fixed_port = "console_port" in settings
        taken = {running.console_port for running in self._running.values()}
        for attempt in range(PORT_ATTEMPTS):
            with port_lock():
                if not fixed_port:
                    settings["console_port"] = choose_console_port(self.first_port, taken)
                if self.data_root is not None and "data_dir" not in settings:
                    settings["data_dir"] = self.data_root / f"phone-{settings['console_port']}"
                try:
                    running = self._start(settings)
                    break
                except (PhoneError, OSError) as exc:
                    # another program took the port between our check and the phone's bind
                    if fixed_port or "in use" not in str(exc) or attempt == PORT_ATTEMPTS - 1:
                        raise
                    log.info("port %d was taken meanwhile; trying the next one", settings["console_port"])
                    taken.add(settings["console_port"])
                    if self.data_root is not None:
                        settings.pop("data_dir", None)
        serial = running.serial
        self._running[serial] = running
        phone = Phone(serial, adb, "virtual")
        try:
            phone.wait_ready(self.boot_timeout, watch=lambda: self._watch(running))
        except BaseException:
            self._stop(serial)
            raise
        self.phones.append(phone)
        return phone

    def _start(self, settings: dict[str, Any]) -> Any:
        spawnable = {"console_port", "api", "storage_bytes", "data_dir", "boot_delay", "avd_name"}
        if self.in_process or set(settings) - spawnable:
            return VirtualPhone(PhoneConfig(**settings)).start()
        from ..virtual.spawn import spawn_phone

        renamed = {"console_port": "port", "storage_bytes": "storage"}
        try:
            return spawn_phone(**{renamed.get(key, key): value for key, value in settings.items()})
        except PhoneError:
            raise
        except RuntimeError as exc:
            # virtual/ stands alone, so its start failure (PhoneProcessError) is a RuntimeError:
            # the harness's own callers get a PhoneError with the child's output in its message.
            raise PhoneError(f"the virtual phone did not start: {exc}") from exc

    @staticmethod
    def _watch(running: Any) -> None:
        alive = getattr(running, "alive", None)
        if callable(alive) and not alive():
            raise PhoneError(f"virtual phone {running.serial} exited while booting; see its log")

    def _release(self, phone: Phone) -> None:
        if self.keep:
            log.warning("leaving %s running (--phone-keep)", phone.serial)
            return
        self._stop(phone.serial)

    def _stop(self, serial: str) -> None:
        running = self._running.pop(serial, None)
        if running is None:
            return
        if isinstance(running, VirtualPhone):
            running.close()
        else:
            running.stop()

    def running(self, serial: str) -> Any:
        """The VirtualPhone (in process) or SpawnedPhone behind a serial, for tests that need it."""
        return self._running[serial]

    def describe(self) -> str:
        return "in this process" if self.in_process else "own process"
