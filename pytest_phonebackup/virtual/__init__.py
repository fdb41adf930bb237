"""The embedded virtual phone: an Android device implemented in Python that the real adb server,
adbutils, adb-shell and Appium talk to as if it were an emulator. Start one with `VirtualPhone`.
"""

from .device import PhoneConfig, VirtualPhone, parse_size

__all__ = ["PhoneConfig", "VirtualPhone", "parse_size"]
