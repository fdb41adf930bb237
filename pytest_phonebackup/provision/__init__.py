"""Where phones come from (virtual phone, SDK emulators, attached phones): each provisioner hands out
ready `Phone`s and cleans up what it started. Here: the choice of provisioner from settings; the base
class is in base.py, port choice under a cross-process lock in ports.py. Not for talking to a phone
(see phone/).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .base import Provisioner
from .ports import (
    FIRST_CONSOLE_PORT,
    LAST_CONSOLE_PORT,
    PORT_ATTEMPTS,
    choose_console_port,
    lock_dir,
    port_in_use,
    port_lock,
    worker_index,
)

if TYPE_CHECKING:
    from ..settings import PhoneSettings

__all__ = ["FIRST_CONSOLE_PORT", "LAST_CONSOLE_PORT", "PORT_ATTEMPTS", "Provisioner", "choose_console_port",
           "lock_dir", "port_in_use", "port_lock", "provisioner_for", "worker_index"]


def provisioner_for(settings: PhoneSettings, output_dir: Path | None = None) -> Provisioner | None:
    """The provisioner the settings ask for, or None when they ask for none."""
    if settings.serial:
        from .attached import AttachedProvisioner

        return AttachedProvisioner(settings.serial, boot_timeout=settings.boot_timeout,
                                   allow_wipe=settings.allow_wipe)
    if settings.emulator is None:
        return None
    if settings.emulator.kind == "avd":
        from .avd import AvdProvisioner

        return AvdProvisioner(settings.emulator.name, boot_timeout=settings.boot_timeout,
                              snapshot=settings.snapshot, keep=settings.keep,
                              log_dir=output_dir or settings.output)
    from .virtual import VirtualProvisioner

    return VirtualProvisioner(api=settings.api, storage=settings.storage, boot_timeout=settings.boot_timeout,
                              keep=settings.keep)
