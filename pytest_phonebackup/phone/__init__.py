"""`Phone`: one Android device over ADB (adbutils and the real adb server) — shell, files, props,
media, apps, network, reboot, screenshots, logcat; the same on virtual phones, emulators and hardware.
Only it and the provisioners speak ADB. Not for starting phones (`provision`) or deciding what to seed.

One module per concern: transport (shell, exec, sync, forwards, emulator console), ownership
(what the harness may change; checkpoint and cleanup), sync (files and trees), packages, media
(MediaStore), readiness, system (props, network, reboot, storage, logs); device composes them.
"""

from __future__ import annotations

from ..android import SHARED_STORAGE
from .device import Phone, detect_kind
from .media import parse_content_rows
from .ownership import KINDS
from .sync import _inside, _parse_sums, _safe_name
from .transport import TMP_DIR

__all__ = ["KINDS", "SHARED_STORAGE", "TMP_DIR", "Phone", "detect_kind", "parse_content_rows"]
_ = (_inside, _parse_sums, _safe_name)  # re-exported for tests of the path guards
