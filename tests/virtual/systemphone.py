"""A virtual phone shared by one test module of the Android-side tests (`test_system_*`), started
through the real adb server. Several test processes may race for the same emulator port, so a
start that loses the race is retried on the next free pair."""

from __future__ import annotations

import errno
import random
import time
from pathlib import Path

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone


def start_phone(adb_server, data_dir: Path, attempts: int = 5, **config) -> VirtualPhone:
    for attempt in range(attempts):
        phone = VirtualPhone(PhoneConfig(data_dir=data_dir, **config))
        try:
            phone.start()
        except OSError as exc:
            phone.close()
            if exc.errno != errno.EADDRINUSE or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.1, 0.6))
            continue
        adb_server.wait_for(phone.serial)
        return phone
    raise AssertionError("unreachable")
