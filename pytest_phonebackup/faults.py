"""Faults users of phone backup apps hit, provoked on purpose: Wi-Fi off, mobile data only, backup
off, force-stop, data cleared, reboot, full storage, a slow or failing cloud, an item over a limit.
Each goes through the phone's own verbs (svc, am, pm, reboot, dd, the emulator console), so it works on
real emulators too and never runs adb itself; `undo_all()` (the `phone_faults` fixture's teardown) puts
the phone back. Not for judging (verification) nor for pytest wiring (plugin/).

    phone_faults.during(phone_faults.wifi_off(), when=phone_faults.after_uploads(3), undo_after=2)
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import PhoneError
from .manifest import Manifest, MediaItem
from .phonelike import PhoneLike

FILLER = "/sdcard/.phonebackup-filler"  # hidden: MediaStore never lists it, so it is never an "extra"
CLOUDPHOTOS = "com.example.cloudphotos"

Condition = Callable[[], bool]


class FaultyCloud(Protocol):
    """What faults need of a cloud store (virtual/cloud.py CloudStore, or a client of one)."""

    def set_faults(self, **changes: Any) -> object: ...
    def items(self, account: str) -> Sized: ...


@dataclass
class Fault:
    """A fault that has been (or will be) applied: `undo()` takes it back if it can be."""

    name: str
    apply: Callable[[], None]
    undo_action: Callable[[], None] | None = None
    applied: bool = False
    undone: bool = False
    log: list[str] = field(default_factory=list)

    def __call__(self) -> Fault:
        if not self.applied:
            self.apply()
            self.applied = True
        return self

    def undo(self) -> None:
        if self.applied and not self.undone and self.undo_action is not None:
            self.undo_action()
        self.undone = True


class PhoneFaults:
    """Faults for one phone (and, optionally, the backup app under test and its cloud store).

    Every verb returns a `Fault` that is applied at once; `during(fault, when=..., undo_after=...)`
    applies one from a background thread while a backup or restore runs. `undo_all()` (the
    fixture's teardown) puts the phone back: Wi-Fi and data on, filler removed, cloud healthy."""

    def __init__(self, phone: PhoneLike, app: Any | None = None, cloud: FaultyCloud | None = None):
        self.phone = phone
        self.app = app
        self._cloud = cloud
        self.faults: list[Fault] = []
        self._threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []  # raised by faults applied in the background

    @property
    def cloud(self) -> FaultyCloud | None:
        """The cloud store the app uploads to (given, or the app's own), or None."""
        if self._cloud is not None:
            return self._cloud
        found: FaultyCloud | None = getattr(self.app, "cloud", None)
        return found

    @property
    def package(self) -> str:
        return str(getattr(self.app, "package", None) or CLOUDPHOTOS)

    def _add(self, name: str, apply: Callable[[], None], undo: Callable[[], None] | None = None,
             now: bool = True) -> Fault:
        fault = Fault(name, apply, undo)
        self.faults.append(fault)
        return fault() if now else fault

    def _sh(self, command: str) -> str:
        return self.phone.shell(command).stdout

    # -- network -------------------------------------------------------------------------------
    def wifi_off(self, now: bool = True) -> Fault:
        """`svc wifi disable` (undo: enable). A Wi-Fi-only backup must pause, not lose data."""
        return self._add("wifi off", lambda: self.phone.set_wifi(False), lambda: self.phone.set_wifi(True), now)

    def mobile_data_only(self, now: bool = True) -> Fault:
        """Wi-Fi off, mobile data on (undo: Wi-Fi back on)."""

        def apply() -> None:
            self.phone.set_data(True)
            self.phone.set_wifi(False)

        return self._add("mobile data only", apply, lambda: self.phone.set_wifi(True), now)

    def network_speed(self, speed: str = "gsm", delay: str = "none", now: bool = True) -> Fault:
        """The emulator console's `network speed` / `network delay` (undo: full speed, no delay)."""

        def apply() -> None:
            self._emu("network", "speed", speed)
            self._emu("network", "delay", delay)

        def undo() -> None:
            self._emu("network", "speed", "full")
            self._emu("network", "delay", "none")

        return self._add(f"network speed {speed}, delay {delay}", apply, undo, now)

    def _emu(self, *args: str) -> str:
        """The emulator console (`adb emu ...`), through the phone."""
        return self.phone.emu(*args)

    # -- the app -------------------------------------------------------------------------------
    def backup_off(self, now: bool = True) -> Fault:
        """Backup switched off in the app (undo: on again and back up now)."""
        prefix = f"am broadcast -p {self.package} -a {self.package}.action."

        def undo() -> None:
            self._sh(prefix + "SET --ez backup true")
            self._sh(prefix + "BACKUP_NOW")

        def apply() -> None:
            self._sh(prefix + "SET --ez backup false")

        return self._add("backup off", apply, undo, now)

    def force_stop(self, now: bool = True) -> Fault:
        """`am force-stop`: the app stays stopped until it is opened again (undo: open it)."""
        return self._add("app force-stopped", lambda: self.phone.stop_app(self.package),
                         lambda: self.phone.start_app(self.package), now)

    def clear_data(self, now: bool = True) -> Fault:
        """`pm clear`: the app forgets sign-in, settings and progress. No undo: prepare it again."""
        return self._add("app data cleared", lambda: self.phone.clear_app_data(self.package), None, now)

    def reboot(self, now: bool = True) -> Fault:
        """`adb reboot`, without waiting (the step in progress must ride it out)."""
        return self._add("phone rebooted", lambda: self.phone.reboot(wait=False), None, now)

    # -- storage ---------------------------------------------------------------------------------
    def storage_full(self, leave: int = 0, now: bool = True) -> Fault:
        """Fill shared storage with a hidden filler file (dd), leaving about `leave` bytes free
        (undo: remove it). Restores must fail cleanly, not leave half files."""

        def apply() -> None:
            fill = max(0, self.phone.storage_usage("/sdcard").free - leave)
            mib, rest = divmod(fill, 1024 * 1024)
            # dd stops at ENOSPC by itself, so a wrong figure cannot make it run away.
            self.phone.shell(f"dd if=/dev/zero of={FILLER} bs=1048576 count={mib} 2>/dev/null", check=False)
            if rest // 4096:
                self.phone.shell(f"dd if=/dev/zero bs=4096 count={rest // 4096} 2>/dev/null >> {FILLER}", check=False)

        def undo() -> None:
            self.phone.shell(f"rm -f {FILLER}", check=False)

        return self._add(f"storage full (leave {leave} bytes)", apply, undo, now)

    # -- the cloud -----------------------------------------------------------------------------------
    def _need_cloud(self) -> FaultyCloud:
        app = self.app
        if self.cloud is None and app is not None and hasattr(app, "ensure_cloud"):
            app.ensure_cloud()  # the app starts its store at prepare; faults may come first
        cloud = self.cloud
        if cloud is None:
            raise PhoneError("this fault needs the cloud store the app uploads to: create PhoneFaults(phone, app) "
                             "with an app that has `cloud: loopback`, or pass cloud=CloudStore")
        return cloud

    def cloud_slow(self, latency: float = 0.5, rate: int = 0, now: bool = True) -> Fault:
        """Every cloud request waits `latency` seconds; bodies move at `rate` bytes/s (undo: healthy)."""
        cloud = self._need_cloud()

        def apply() -> None:
            cloud.set_faults(latency=latency, rate=rate)

        def undo() -> None:
            cloud.set_faults(latency=0.0, rate=0)

        return self._add(f"cloud slow ({latency}s, {rate or 'unlimited'} B/s)", apply, undo, now)

    def cloud_errors(self, status: int = 503, count: int | None = None, now: bool = True) -> Fault:
        """The cloud answers `status` to the next `count` requests, or to all until undone."""
        cloud = self._need_cloud()

        def apply() -> None:
            if count is None:
                cloud.set_faults(fail_all=True, fail_status=status)
            else:
                cloud.set_faults(fail_next=count, fail_status=status)

        def undo() -> None:
            cloud.set_faults(fail_all=False, fail_next=0)

        return self._add(f"cloud returns {status}" + (f" x{count}" if count else ""), apply, undo, now)

    def item_over_limit(self, manifest: Manifest, limit: str = "min_side", *, value: int = 256,
                        folder: str = "DCIM/Camera") -> MediaItem:
        """Put one photo that crosses a limit on the phone and into `manifest`, so verification
        judges it: `min_side` makes a picture with a shorter side under `value` pixels,
        `photo_bytes` a JPEG of `value` + 1 bytes. It is scanned into MediaStore."""
        from PIL import Image

        if limit == "min_side":
            width, height = value + 40, max(1, value - 56)
            data = _jpeg(width, height)
        elif limit == "photo_bytes":
            width, height = 1200, 900
            data = _pad_jpeg(_jpeg(width, height), value + 1)
        else:
            raise ValueError(f"limit must be min_side or photo_bytes, not {limit!r}")
        with Image.open(io.BytesIO(data)) as im:
            im.load()
        name = f"IMG_over_{limit}_{value}.jpg"
        item = MediaItem(path=f"{folder}/{name}", kind="photo", mime="image/jpeg", size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), mtime=float(int(time.time()) - 3600),
                         width=width, height=height, format="jpeg", limits=[limit],
                         tags=[f"fault:over-{limit}"], id=f"over-{limit}")
        remote = manifest.device_path(item)
        local = _tmpfile(data)
        try:
            os.utime(local, (item.mtime, item.mtime))  # push keeps the local file's time
            self.phone.push(local, remote)
        finally:
            os.unlink(local)
        self.phone.media_scan([remote])
        manifest.items.append(item)
        return item

    # -- timing ----------------------------------------------------------------------------------
    def after(self, seconds: float) -> Condition:
        deadline = time.monotonic() + seconds
        return lambda: time.monotonic() >= deadline

    def after_uploads(self, count: int) -> Condition:
        """True once the cloud holds `count` items of the app's account."""
        cloud = self._need_cloud()
        return lambda: len(cloud.items(getattr(self.app, "account", None) or "")) >= count

    def when_card(self, pattern: str) -> Condition:
        """True once the app's status card matches `pattern` (a regex)."""
        import re

        app = self.app
        if app is None or not hasattr(app, "read_status"):
            raise PhoneError("when_card needs the app under test: create PhoneFaults(phone, app) with a kind: intent app")

        def check() -> bool:
            status = app.read_status(self.phone) or {}
            return re.fullmatch(pattern, str(status.get("card", ""))) is not None

        return check

    def during(self, fault: Fault, when: Condition, undo_after: float | None = None,
               timeout: float = 120) -> threading.Thread:
        """Apply `fault` (made with now=False) from a background thread once `when()` is true, and
        undo it `undo_after` seconds later. Errors are kept in `errors` and raised by `check()`."""

        def run() -> None:
            try:
                deadline = time.monotonic() + timeout
                while not when():
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"fault {fault.name!r}: its condition never came true in {timeout}s")
                    time.sleep(0.05)
                fault()
                if undo_after is not None:
                    time.sleep(undo_after)
                    fault.undo()
            except BaseException as exc:  # noqa: BLE001 - reported to the test by check()
                self.errors.append(exc)

        thread = threading.Thread(target=run, name=f"fault-{fault.name}", daemon=True)
        self._threads.append(thread)
        thread.start()
        return thread

    def check(self) -> None:
        """Wait for background faults and raise the first error one of them hit."""
        for thread in self._threads:
            thread.join(timeout=130)
        if self.errors:
            raise self.errors[0]

    def applied(self) -> list[str]:
        return [f.name for f in self.faults if f.applied]

    def undo_all(self) -> None:
        for thread in self._threads:
            thread.join(timeout=130)
        for fault in reversed(self.faults):
            try:
                fault.undo()
            except PhoneError:
                pass  # the phone may be gone; nothing else to put back
        try:
            self.phone.set_wifi(True)
        except PhoneError:
            pass


def _jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(out, "JPEG", quality=90)
    return out.getvalue()


def _pad_jpeg(data: bytes, size: int) -> bytes:
    """Grow a JPEG to exactly `size` bytes with APP15 segments after SOI (still decodable)."""
    need = size - len(data)
    if need < 4:
        raise ValueError(f"cannot pad a {len(data)}-byte JPEG to {size} bytes: a segment takes at least 4")
    count = -(-need // 65537)  # a segment is 4 bytes of header and up to 65533 of body
    sizes = [need // count + (1 if i < need % count else 0) for i in range(count)]
    segments = b"".join(b"\xff\xef" + (n - 2).to_bytes(2, "big") + b"\0" * (n - 4) for n in sizes)
    return data[:2] + segments + data[2:]


def _tmpfile(data: bytes) -> str:
    import tempfile

    fh = tempfile.NamedTemporaryFile(prefix="phonebackup-fault-", suffix=".jpg", delete=False)
    with fh:
        fh.write(data)
    return fh.name

