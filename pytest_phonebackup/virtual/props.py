"""System properties of the virtual phone (what `getprop` prints), believable for an emulator
of the configured API level, or for a real handset when the phone presents itself as one.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

ANDROID_RELEASE = {26: "8.0.0", 27: "8.1.0", 28: "9", 29: "10", 30: "11", 31: "12", 32: "12",
                   33: "13", 34: "14", 35: "15", 36: "16"}


def default_props(api: int, serial: str, presents_as: str = "emulator") -> dict[str, str]:
    release = ANDROID_RELEASE.get(api, str(api - 20))
    props = {
        "ro.build.version.sdk": str(api),
        "ro.build.version.release": release,
        "ro.build.version.release_or_codename": release,
        "ro.build.version.security_patch": "2024-08-05",
        "ro.build.type": "userdebug",
        "ro.build.tags": "dev-keys",
        "ro.debuggable": "1",
        "ro.secure": "1",
        "ro.adb.secure": "0",
        "ro.product.cpu.abi": "x86_64",
        "ro.product.cpu.abilist": "x86_64,arm64-v8a",
        "ro.product.locale": "en-US",
        "ro.serialno": serial,
        "persist.sys.timezone": "UTC",
        "persist.sys.locale": "en-US",
        "ro.sf.lcd_density": "420",
        "service.adb.root": "0",
        "init.svc.adbd": "running",
        "sys.usb.state": "adb",
        "ro.crypto.state": "encrypted",
    }
    if presents_as == "emulator":
        props.update({
            # how the harness tells this phone from an SDK emulator; absent when it stands in for a handset
            "ro.phonebackup.virtual": "1",
            "ro.product.model": "sdk_gphone64_x86_64",
            "ro.product.manufacturer": "Google",
            "ro.product.brand": "google",
            "ro.product.name": "sdk_gphone64_x86_64",
            "ro.product.device": "emu64x",
            "ro.hardware": "ranchu",
            "ro.kernel.qemu": "1",
            "ro.boot.qemu": "1",
            "ro.boot.hardware": "ranchu",
            "ro.build.characteristics": "emulator",
            "ro.build.fingerprint": f"google/sdk_gphone64_x86_64/emu64x:{release}/UE1A.230829.036/11228894:userdebug/dev-keys",
        })
    else:
        props.update({
            "ro.product.model": "Pixel 7",
            "ro.product.manufacturer": "Google",
            "ro.product.brand": "google",
            "ro.product.name": "panther",
            "ro.product.device": "panther",
            "ro.hardware": "panther",
            "ro.boot.hardware": "panther",
            "ro.build.type": "user",
            "ro.build.tags": "release-keys",
            "ro.debuggable": "0",
            "ro.adb.secure": "1",
            "ro.product.cpu.abi": "arm64-v8a",
            "ro.product.cpu.abilist": "arm64-v8a,armeabi-v7a,armeabi",
            "ro.build.characteristics": "nosdcard",
            "ro.build.fingerprint": f"google/panther/panther:{release}/UQ1A.240205.004/11269751:user/release-keys",
        })
    return props


class Properties:
    """Thread-safe property store; `persist.*` values survive reboots (kept in the phone's folder)."""

    def __init__(self, initial: dict[str, str], persist_file: Path | None = None):
        self._lock = threading.Lock()
        self._values = dict(initial)
        self._persist_file = persist_file
        if persist_file and persist_file.exists():
            try:
                self._values.update(json.loads(persist_file.read_text()))
            except (OSError, ValueError):
                pass

    def get(self, key: str, default: str = "") -> str:
        with self._lock:
            return self._values.get(key, default)

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._values[key] = value
            if key.startswith("persist.") and self._persist_file:
                persisted = {k: v for k, v in self._values.items() if k.startswith("persist.")}
                tmp = self._persist_file.with_suffix(".tmp")
                tmp.write_text(json.dumps(persisted, sort_keys=True))
                os.replace(tmp, self._persist_file)

    def delete(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._values)

    def as_dict(self) -> dict[str, str]:
        with self._lock:
            return dict(self._values)
