"""Diagnostics tools of /system/bin: bugreport, bugreportz, screenrecord, getevent, reboot,
run-as and app_process. Not for dumpsys (`dumpsys`) or logcat (`logcat`).
"""

from __future__ import annotations
