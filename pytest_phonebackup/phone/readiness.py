"""When a phone is usable: readiness phase by phase (listed, booted, boot animation stopped,
services, package manager and storage), with a message naming the phase that never came. Not for
starting phones (see provision/).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from adbutils import AdbError

from ..errors import NotReadyError, PhoneError
from .transport import Transport

log = logging.getLogger(__name__)


class Readiness(Transport):
    """wait_ready and the checks it is made of."""

    def _boot_marker(self) -> str:
        result = self.shell("cat /proc/sys/kernel/random/boot_id 2>/dev/null; getprop sys.boot_completed",
                            check=False, timeout=10)
        return result.stdout

    def _state(self) -> str:
        try:
            for info in self.adb.list():
                if info.serial == self.serial:
                    return str(info.state)
        except (AdbError, OSError):
            return "no adb server"
        return "absent"

    def wait_ready(self, timeout: float = 180, watch: Callable[[], None] | None = None,
                   poll: float = 0.25) -> None:
        """Wait until the phone is usable, phase by phase (each with `timeout` seconds):
        listed as `device`, boot completed, boot animation stopped, core services up, package
        manager and shared storage answering. `watch` is called at every poll (e.g. to check the
        emulator process is still alive) and may raise."""
        phases: list[tuple[str, Callable[[], tuple[bool, str]]]] = [
            ("listed as device", self._ready_listed),
            ("boot completed", self._ready_booted),
            ("boot animation stopped", self._ready_bootanim),
            ("services up", self._ready_services),
            ("package manager and storage", self._ready_storage),
        ]
        for name, check in phases:
            deadline = time.monotonic() + timeout
            seen = ""
            while True:
                if watch is not None:
                    watch()
                try:
                    done, seen = check()
                except PhoneError as exc:
                    done, seen = False, str(exc)
                if done:
                    log.debug("%s: %s", self.serial, name)
                    break
                if time.monotonic() >= deadline:
                    raise NotReadyError(self.serial, name, timeout, seen)
                time.sleep(poll)

    def _ready_listed(self) -> tuple[bool, str]:
        state = self._state()
        return state == "device", f"adb state {state}"

    def _ready_booted(self) -> tuple[bool, str]:
        out = self.shell("getprop sys.boot_completed; getprop dev.bootcomplete", check=False, timeout=10).stdout
        return "1" in out.split(), f"sys.boot_completed/dev.bootcomplete = {out.split()}"

    def _ready_bootanim(self) -> tuple[bool, str]:
        out = self.shell("getprop init.svc.bootanim", check=False, timeout=10).stdout.strip()
        return out in ("", "stopped"), f"init.svc.bootanim = {out!r}"

    def _ready_services(self) -> tuple[bool, str]:
        out = self.shell("service list", check=False, timeout=10).stdout
        names = set(re.findall(r"^\d+\s+([\w.]+):", out, re.M))
        missing = [name for name in ("activity", "package", "window", "input") if name not in names]
        return not missing, f"services missing: {', '.join(missing)}" if missing else "ok"

    def _ready_storage(self) -> tuple[bool, str]:
        result = self.shell('pm path android; test -d "$EXTERNAL_STORAGE" && echo storage-ok',
                            check=False, timeout=10)
        ok = "package:" in result.stdout and "storage-ok" in result.stdout
        return ok, (result.stdout + result.stderr).strip()[-200:]
