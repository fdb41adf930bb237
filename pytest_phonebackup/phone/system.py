"""The phone as a system: properties, settings, clock, Wi-Fi, mobile data, airplane mode, reboot,
storage use, screenshots, logs and what to save when a test fails. Not for files or apps.
"""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

from adbutils import AdbConnection

from ..errors import PhoneError
from ..phonelike import StorageUsage
from .readiness import Readiness
from .transport import _b


class System(Readiness):
    """Props, settings, network switches, reboot, storage, screenshots and logcat."""

    kind: str

    def getprop(self, key: str) -> str:
        return self.shell(f"getprop {shlex.quote(key)}").stdout.strip()

    def getprops(self) -> dict[str, str]:
        """Every property (one `getprop` call)."""
        return dict(re.findall(r"^\[([^\]]+)\]: \[(.*)\]$", self.shell("getprop").stdout, re.M))

    def settings_get(self, namespace: str, key: str) -> str | None:
        value = self.shell(f"settings get {namespace} {shlex.quote(key)}").stdout.strip()
        return None if value == "null" else value

    def settings_put(self, namespace: str, key: str, value: str | int | float) -> None:
        self.shell(f"settings put {namespace} {shlex.quote(key)} {shlex.quote(str(value))}")

    def clock(self) -> str:
        """The phone's time as logcat prints it ('MM-DD hh:mm:ss.000'); pass it to logcat(since=)."""
        return self.shell("date '+%m-%d %H:%M:%S'").stdout.strip() + ".000"

    # -- network -----------------------------------------------------------------------------
    def set_wifi(self, on: bool) -> None:
        self.shell(f"svc wifi {'enable' if on else 'disable'}")

    def set_data(self, on: bool) -> None:
        self.shell(f"svc data {'enable' if on else 'disable'}")

    def set_airplane(self, on: bool) -> None:
        result = self.shell(f"cmd connectivity airplane-mode {'enable' if on else 'disable'}", check=False)
        if result.status != 0:  # before API 28: the setting plus the broadcast apps listen to
            self.settings_put("global", "airplane_mode_on", int(on))
            self.shell("am broadcast -a android.intent.action.AIRPLANE_MODE --ez state "
                       + ("true" if on else "false"))

    # -- lifecycle ---------------------------------------------------------------------------
    def reboot(self, wait: bool = True, timeout: float = 180) -> None:
        """Reboot; with `wait`, return when the phone is ready again."""
        boot_id = self._boot_marker()
        deadline = time.monotonic() + timeout
        try:
            conn = self._open("reboot:", timeout=10)
        except PhoneError:
            pass  # the phone may drop the stream as it goes down
        else:
            self._wait_for_end_of_stream(conn, deadline)
        self._features = None
        if not wait:
            return
        while time.monotonic() < deadline:  # gone, or back with another boot
            if self._state() != "device":
                break
            try:
                if self._boot_marker() != boot_id:
                    break
            except PhoneError:
                break
            time.sleep(0.2)
        self.wait_ready(max(deadline - time.monotonic(), 1))

    @staticmethod
    def _wait_for_end_of_stream(conn: AdbConnection, deadline: float) -> None:
        """adbd's reboot service never answers: its stream ends when the phone goes down, which is
        when `adb reboot` returns too. Waiting for it means the next command cannot reach the phone
        that is still shutting down."""
        try:
            conn.conn.settimeout(max(deadline - time.monotonic(), 1))
            while conn.conn.recv(4096):
                pass
        except OSError:
            pass  # a reset or a timeout: the phone went down, or the readiness wait below will tell
        finally:
            conn.close()

    def prepare_for_tests(self) -> None:
        """After boot: no animations, no error dialogs stealing focus, screen unlocked."""
        for key in ("window_animation_scale", "transition_animation_scale", "animator_duration_scale"):
            self.settings_put("global", key, 0)
        self.settings_put("global", "hide_error_dialogs", 1)
        self.shell("input keyevent 82", check=False)

    # -- observation -------------------------------------------------------------------------
    def screenshot(self) -> bytes:
        """A PNG of the screen (`screencap -p`)."""
        data = self.exec_out("screencap -p")
        if not data.startswith(b"\x89PNG"):
            raise PhoneError(f"{self.serial}: screencap did not return a PNG: {data[:80]!r}")
        return data

    def logcat(self, since: str | None = None) -> str:
        """The log buffers as text (`logcat -d -v threadtime`), from `since` (a `clock()` value) on."""
        text = self.shell("logcat -d -v threadtime", timeout=60).stdout
        if since is None:
            return text
        return "".join(line for line in text.splitlines(keepends=True)
                       if not re.match(r"\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", line) or line[:18] >= since)

    def storage_usage(self, path: str = "$EXTERNAL_STORAGE") -> StorageUsage:
        out = self.shell(f'df -k "{path}"' if path.startswith("$") else f"df -k {shlex.quote(path)}").stdout
        rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
        if not rows or len(rows[-1]) < 4:
            raise PhoneError(f"{self.serial}: cannot read `df` output: {out.strip()[:200]}")
        total, used, free = (int(value) * 1024 for value in rows[-1][1:4])
        return StorageUsage(total, used, free)

    def info(self) -> dict[str, str]:
        props = self.getprops()
        return {
            "model": props.get("ro.product.model", ""),
            "manufacturer": props.get("ro.product.manufacturer", ""),
            "api": props.get("ro.build.version.sdk", ""),
            "release": props.get("ro.build.version.release", ""),
            "abi": props.get("ro.product.cpu.abi", ""),
            "serial": self.serial,
            "kind": self.kind,
        }

    def save_artifacts(self, folder: Path, since: str | None = None) -> list[Path]:
        """Screenshot and logcat (from `since`, a `clock()` value) into `folder`, for a failed test.
        A part that cannot be taken is replaced by a note saying why."""
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for name, take in (("screenshot.png", self.screenshot), ("logcat.txt", lambda: _b(self.logcat(since)))):
            path = folder / name
            try:
                path.write_bytes(take())
            except PhoneError as exc:
                path = path.with_suffix(path.suffix + ".error.txt")
                path.write_text(f"{exc}\n")
            saved.append(path)
        return saved
