"""System properties of the virtual phone (what `getprop` prints), believable for an emulator
of the configured API level, or for a real handset when the phone presents itself as one.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

ANDROID_RELEASE = {26: "8.0.0", 27: "8.1.0", 28: "9", 29: "10", 30: "11", 31: "12", 32: "12",
                   33: "13", 34: "14", 35: "15", 36: "16"}
# (ro.build.id, ro.build.version.incremental) of Google's emulator system images, per API level:
# the id's first letter is the release's letter (O, P, Q, R, S, T, U, then AP/BP).
EMULATOR_BUILDS = {26: ("OSR1.180418.026", "6741039"), 27: ("OSM1.180201.037", "6739391"),
                   28: ("PSR1.180720.122", "6736742"), 29: ("QSR1.211112.011", "7918498"),
                   30: ("RSR1.240422.006", "11812145"), 31: ("SE1A.220826.008", "9063385"),
                   32: ("SE2A.220406.004", "8457958"), 33: ("TE1A.220922.034", "10940250"),
                   34: ("UE1A.230829.036.A2", "11596452"), 35: ("AE3A.240806.019", "12208452"),
                   36: ("BP22.250325.006", "13344233")}
HANDSET_BUILD = ("UQ1A.240205.004", "11269751")  # a Pixel 7 on Android 14; other levels take the emulator ids
BUILD_DATE_UTC = 1710871227  # Tue Mar 19 18:00:27 UTC 2024


def build_props(api: int, release: str, build: tuple[str, str], product: str, device: str, flavor: str,
                tags: str) -> dict[str, str]:
    """The ro.build.* properties that identify one image, all telling the same story."""
    build_id, incremental = build
    fingerprint = f"google/{product}/{device}:{release}/{build_id}/{incremental}:{flavor.rsplit('-', 1)[1]}/{tags}"
    display = f"{flavor} {release} {build_id} {incremental} {tags}"
    date = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(BUILD_DATE_UTC))
    props = {
        "ro.build.id": build_id,
        "ro.build.display.id": display if "userdebug" in flavor else build_id,
        "ro.build.description": display,
        "ro.build.version.incremental": incremental,
        "ro.build.version.codename": "REL",
        "ro.build.version.all_codenames": "REL",
        "ro.build.version.preview_sdk": "0",
        "ro.build.version.preview_sdk_fingerprint": "REL",
        "ro.build.product": device,
        "ro.build.flavor": flavor,
        "ro.build.user": "android-build",
        "ro.build.host": "abfarm-release-2004-0173",
        "ro.build.date": date,
        "ro.build.date.utc": str(BUILD_DATE_UTC),
        "ro.build.fingerprint": fingerprint,
        "ro.product.first_api_level": str(api),
    }
    for partition in ("system", "vendor", "product", "system_ext", "bootimage"):
        props[f"ro.{partition}.build.fingerprint"] = fingerprint
        props[f"ro.{partition}.build.id"] = build_id
        props[f"ro.{partition}.build.version.incremental"] = incremental
        props[f"ro.{partition}.build.version.sdk"] = str(api)
        props[f"ro.{partition}.build.date.utc"] = str(BUILD_DATE_UTC)
    return props


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
            "ro.product.board": "goldfish_x86_64",
            "ro.bootloader": "unknown",
            "ro.build.characteristics": "emulator",
        })
        props.update(build_props(api, release, EMULATOR_BUILDS.get(api, EMULATOR_BUILDS[34]), "sdk_gphone64_x86_64",
                                 "emu64x", "sdk_gphone64_x86_64-userdebug", "dev-keys"))
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
            "ro.product.board": "panther",
            "ro.bootloader": "cloudripper-14.3-11133468",
            "ro.build.characteristics": "nosdcard",
        })
        props.update(build_props(api, release, HANDSET_BUILD if api == 34 else EMULATOR_BUILDS.get(api, HANDSET_BUILD), "panther", "panther", "panther-user", "release-keys"))
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
