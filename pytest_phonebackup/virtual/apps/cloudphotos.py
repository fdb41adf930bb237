"""Cloud Photos (com.example.cloudphotos): a believable cloud photo backup app for the virtual phone.
It uploads MediaStore's photos and videos to a `CloudStore` in the background and restores them,
with the settings, limits and status cards users of such apps know. Not the cloud itself (`cloud.py`).

ADB interface (documented in the README, used by `scenarios/cloudphotos.yaml`):
  am start -n com.example.cloudphotos/.MainActivity       open it (also resumes after a force-stop)
  am broadcast -p com.example.cloudphotos -a com.example.cloudphotos.action.X [extras], X one of
    SIGN_IN (--es account A --es server URL) · SIGN_OUT · BACKUP_NOW · RESTORE · FREE_UP_SPACE ·
    SET (--ez backup B --ez wifi_only B --es quality original|saver --es folders "DCIM/Camera,Pictures"
         --el upload_rate BYTES_PER_S --el max_photo_bytes N --el max_photo_pixels N
         --el max_video_bytes N --el min_side N)
  cat /sdcard/Android/data/com.example.cloudphotos/files/status.json   the status card as JSON
"""

from __future__ import annotations

import errno
import http.client
import io
import json
import posixpath
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..cloud import EMULATOR_HOST_ALIAS, CloudClient
from ..storage import EXTERNAL_STORAGE
from .base import SCREEN_HEIGHT, SCREEN_WIDTH, STATUS_BAR_HEIGHT, Intent, View, VirtualApp, register_app

PACKAGE = "com.example.cloudphotos"
LABEL = "Cloud Photos"
VERSION_CODE, VERSION_NAME = 320, "3.2.0"
ACTION = PACKAGE + ".action."
ACTIONS = ("SIGN_IN", "SIGN_OUT", "SET", "BACKUP_NOW", "RESTORE", "FREE_UP_SPACE")
BOOT_COMPLETED = "android.intent.action.BOOT_COMPLETED"
STATUS_FILE = f"{EXTERNAL_STORAGE}/Android/data/{PACKAGE}/files/status.json"
DATA = f"/data/data/{PACKAGE}"
PREFS_FILE = f"{DATA}/shared_prefs/settings.json"
PROGRESS_FILE = f"{DATA}/databases/uploads.json"
# Android keeps a force-stopped app's "stopped" state in the package manager; this app keeps it
# beside its data, which is equivalent here (pm clear starts it over anyway).
STOPPED_FILE = f"{DATA}/stopped"
SAVER_PIXELS = 16_000_000  # storage saver: photos above ~16 MP are downsized
SAVER_JPEG_QUALITY = 85
CHUNK = 64 * 1024
RETRY_SECONDS = (1, 2, 4, 8)  # back-off between failed uploads, then every 8 s
USER_ID = PACKAGE + ":id/"


@dataclass
class Settings:
    """What the user (or the harness, by intent) chose. Defaults are the source material's."""

    account: str = ""
    server: str = ""
    backup: bool = True
    wifi_only: bool = True  # "Back up over mobile data" is off by default
    quality: str = "original"  # or "saver"
    folders: list[str] | None = None  # folders under shared storage to back up; None = every folder
    upload_rate: int = 0  # bytes per second (0 = as fast as the network allows)
    max_photo_bytes: int = 75_000_000
    max_photo_pixels: int = 100_000_000
    max_video_bytes: int = 10_000_000_000
    min_side: int = 256

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Status:
    """The status card, as the screen shows it and status.json carries it."""

    state: str  # signed-out, off, checking, waiting, uploading, complete, error
    card: str  # the big text users see
    detail: str = ""
    done: int = 0
    total: int = 0
    uploaded: int = 0  # items in the cloud from this phone
    skipped: list[dict[str, str]] = field(default_factory=list)  # {path, reason}
    restored: int = 0
    freed: int = 0  # items the last "Free up space" removed from the phone
    error: str = ""
    account: str = ""
    updated: float = field(default_factory=time.time)
    version: str = VERSION_NAME
    #: the last restore's own card (state, card, done, total, restored, detail, error): the backup
    #: card keeps telling the backup's story while a restore runs, as on the apps' screens
    restore: dict[str, Any] = field(default_factory=dict)


class Interrupted(Exception):
    """The upload stopped because the app was stopped, backup turned off or the network went."""


class CloudError(Exception):
    pass


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@register_app
class CloudPhotos(VirtualApp):
    package = PACKAGE
    label = LABEL
    activities = (".MainActivity",)
    receivers = (BOOT_COMPLETED,) + tuple(ACTION + a for a in ACTIONS)

    def __init__(self, phone: Any, package: str | None = None):
        super().__init__(phone, package)
        self._quit = threading.Event()
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        self._restorer: threading.Thread | None = None
        self._listening = False
        self._last_generation: int | None = None
        self.status = self._read_status() or Status("signed-out", "Sign in to back up")

    # -- persisted state ----------------------------------------------------------------------------
    @property
    def storage(self) -> Any:
        return self.phone.storage

    def _read_json(self, path: str) -> Any:
        try:
            with self.storage.open_read(path) as fh:
                return json.loads(fh.read() or b"null")
        except (OSError, ValueError):
            return None

    def _write_json(self, path: str, data: Any) -> None:
        # Written aside, then renamed: a reader (`cat` over adb) never sees half a file.
        tmp = f"{path}.tmp-{threading.get_ident()}"
        try:
            self.storage.write_bytes(tmp, json.dumps(data, ensure_ascii=False).encode(), make_parents=True)
            self.storage.rename(tmp, path)
        except OSError as exc:  # a full disk: the app keeps going with what it has in memory
            self._log(f"cannot write {path}: {exc}", "W")

    def settings(self) -> Settings:
        with self.lock:
            return Settings.from_dict(self._read_json(PREFS_FILE) or {})

    def _save_settings(self, settings: Settings) -> None:
        with self.lock:
            self._write_json(PREFS_FILE, asdict(settings))

    def _progress(self) -> dict[str, dict[str, Any]]:
        return self._read_json(PROGRESS_FILE) or {}

    def _read_status(self) -> Status | None:
        data = self._read_json(STATUS_FILE)
        try:
            return Status(**data) if isinstance(data, dict) else None
        except TypeError:
            return None

    def _set_restore(self, state: str, card: str, **changes: Any) -> None:
        with self.lock:
            if self._quit.is_set():
                return
            self.status.restore = {"state": state, "card": card, "done": 0, "total": 0, "restored": 0,
                                   "detail": "", "error": "", **{k: v for k, v in self.status.restore.items()
                                                                 if k not in ("state", "card")}, **changes}
            self.status.updated = time.time()
            self._write_json(STATUS_FILE, asdict(self.status))

    def _set_status(self, state: str, card: str, **changes: Any) -> None:
        with self.lock:
            if self._quit.is_set() and state not in ("stopped", "signed-out"):
                return  # a stopped process writes nothing more
            keep = {k: v for k, v in asdict(self.status).items() if k not in ("state", "card", "updated")}
            keep.update(changes)
            keep["account"] = self.settings().account
            self.status = Status(state=state, card=card, **{k: v for k, v in keep.items() if k != "version"})
            self._write_json(STATUS_FILE, asdict(self.status))

    @property
    def stopped(self) -> bool:
        return self.storage.exists(STOPPED_FILE)

    def _log(self, message: str, priority: str = "I") -> None:
        pid = self.phone.system.activity.pid_of(PACKAGE) or 0
        self.phone.system.log("CloudPhotos", message, priority, pid)

    # -- lifecycle -----------------------------------------------------------------------------------
    def on_start(self, intent: Intent) -> None:
        # Opening the app is what brings a force-stopped app back (Android's stopped state).
        if self.stopped:
            self.storage.unlink(STOPPED_FILE)
            self._log("started again after a force-stop; backup resumes")
        self._start_worker()

    def on_force_stop(self) -> None:
        # A reboot or shutdown also kills the process, but only `am force-stop` leaves the app
        # stopped; at shutdown the activity manager has already dropped every process.
        shutting_down = not self.phone.system.activity.processes()
        self._quit.set()
        self._wake.set()
        if self._listening:
            try:
                self.phone.system.network.listeners.remove(self._on_network)
            except ValueError:
                pass
            self._listening = False
        for thread in (self._worker, self._restorer):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=5)
        if not shutting_down:
            self._write_json(STOPPED_FILE, {"since": time.time()})

    def on_clear_data(self) -> None:
        for path in (PREFS_FILE, PROGRESS_FILE, STOPPED_FILE):
            if self.storage.exists(path):
                self.storage.unlink(path)
        self.status = Status("signed-out", "Sign in to back up")
        self._write_json(STATUS_FILE, asdict(self.status))

    def on_broadcast(self, intent: Intent) -> None:
        action = intent.action or ""
        extras = intent.extras
        if action == BOOT_COMPLETED:
            if not self.stopped:
                self._start_worker()
            return
        if not action.startswith(ACTION):
            return
        verb = action[len(ACTION):]
        self._log(f"{verb} {extras or ''}".strip())
        if verb == "SIGN_IN":
            self.sign_in(str(extras.get("account", "")), str(extras.get("server", "")))
        elif verb == "SIGN_OUT":
            self.sign_out()
        elif verb == "SET":
            self.configure(extras)
        elif verb == "BACKUP_NOW":
            self.backup_now()
        elif verb == "RESTORE":
            self.restore()
        elif verb == "FREE_UP_SPACE":
            self.free_up_space()

    # -- what the user does --------------------------------------------------------------------------
    def sign_in(self, account: str, server: str) -> None:
        if not account or not server:
            self._log("sign-in needs --es account NAME --es server URL", "W")
            return
        settings = self.settings()
        if settings.account != account:
            self._write_json(PROGRESS_FILE, {})  # another account: nothing of this one is backed up
        settings.account, settings.server = account, server
        self._save_settings(settings)
        self._last_generation = None
        self._start_worker()

    def sign_out(self) -> None:
        settings = self.settings()
        settings.account = ""
        self._save_settings(settings)
        self._wake.set()

    def configure(self, extras: dict[str, Any]) -> None:
        settings = self.settings()
        for key, value in extras.items():
            if key == "folders":
                text = str(value)
                settings.folders = None if text in ("", "all") else [f.strip().strip("/") for f in text.split(",") if f.strip()]
            elif key == "quality":
                if value not in ("original", "saver"):
                    self._log(f"quality must be original or saver, not {value!r}", "W")
                    continue
                settings.quality = str(value)
            elif key in ("backup", "wifi_only"):
                setattr(settings, key, value in (True, "true", "1", 1))
            elif key in ("upload_rate", "max_photo_bytes", "max_photo_pixels", "max_video_bytes", "min_side"):
                setattr(settings, key, int(value))
            else:
                self._log(f"unknown setting {key!r}", "W")
        self._save_settings(settings)
        self._last_generation = None  # limits or folders may have changed what is due
        self._wake.set()

    def backup_now(self) -> None:
        if self.stopped:
            self._log("stopped by the user: open the app to resume backup", "W")
            return
        self._last_generation = None
        self._start_worker()
        self._wake.set()

    def restore(self) -> None:
        with self.lock:
            if self._restorer is not None and self._restorer.is_alive():
                return
            # The card changes before the broadcast returns, as an app's receiver updates its screen:
            # what an earlier restore left (a failure) is never read as this one's outcome.
            self.status.restore = {}
            self._set_restore("restoring", "Getting your backup")
            self._restorer = threading.Thread(target=self._restore, name=f"{PACKAGE}-restore", daemon=True)
            self._restorer.start()

    def free_up_space(self) -> None:
        """Delete this phone's copies of items whose exact bytes are in the cloud (as the big photo
        apps' "Free up space" does); a restore brings them back."""
        removed = []
        for rel, entry in self._progress().items():
            path = f"{EXTERNAL_STORAGE}/{rel}"
            if self.storage.exists(path) and self._sha256(path) == entry.get("source_sha256") == entry.get("sha256"):
                self.storage.unlink(path)
                self.phone.system.media.scan(path)
                removed.append(rel)
        self._log(f"freed up space: {plural(len(removed), 'item')} removed from this phone")
        self._set_status(self.status.state, self.status.card, freed=len(removed),
                         detail=f"Freed up space: {plural(len(removed), 'backed-up item')} removed from this phone")

    def _sha256(self, path: str) -> str:
        import hashlib

        digest = hashlib.sha256()
        with self.storage.open_read(path) as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def _is_due(self, row: dict[str, Any], entry: dict[str, Any] | None) -> bool:
        """New or changed since its upload: another size or time, or (same size and time) other bytes."""
        if not entry or entry.get("key") != [row["_size"], row["date_modified"]]:
            return True
        try:
            return entry.get("source_sha256") != self._sha256(row["_data"])
        except OSError:
            return False  # gone since MediaStore listed it: nothing to upload

    # -- background backup ---------------------------------------------------------------------------
    def _start_worker(self) -> None:
        with self.lock:
            if not self._listening:
                self.phone.system.network.listeners.append(self._on_network)
                self._listening = True
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name=f"{PACKAGE}-backup", daemon=True)
                self._worker.start()
        self._wake.set()

    def _on_network(self, _network: Any) -> None:
        self._wake.set()

    def _work(self) -> None:
        while not self._quit.is_set():
            self._wake.clear()
            try:
                self._backup_pass()
            except Interrupted:
                pass  # off, signed out or offline: wait below for a change instead of spinning
            except Exception as exc:  # noqa: BLE001 - a bug must show on the card, not kill the thread silently
                self._log(f"backup failed: {exc!r}", "E")
                self._set_status("error", "Backup failed", error=str(exc))
            self._wake.wait(1.0)  # woken by settings, network and BACKUP_NOW; the poll sees new media

    def _network_ok(self, settings: Settings) -> bool:
        network = self.phone.system.network
        return network.wifi_connected or (not settings.wifi_only and network.mobile_connected)

    def _guard(self) -> Settings:
        """Current settings if backing up may go on; raises Interrupted otherwise (after showing why)."""
        if self._quit.is_set():
            raise Interrupted()
        settings = self.settings()
        if not settings.account:
            self._set_status("signed-out", "Sign in to back up", done=0, total=0)
            raise Interrupted()
        if not settings.backup:
            self._set_status("off", "Backup is off")
            raise Interrupted()
        return settings

    def _wait_for_network(self) -> Settings:
        while True:
            settings = self._guard()
            if self._network_ok(settings):
                return settings
            card = "Waiting for Wi-Fi" if settings.wifi_only else "Waiting for connection"
            if self.status.card != card:
                self._set_status("waiting", card)
            self._wake.wait(1.0)
            self._wake.clear()

    def candidates(self, settings: Settings) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        """(items to back up, skipped items with the reason) from MediaStore, in date order."""
        media = self.phone.system.media
        columns = ["_data", "_size", "mime_type", "width", "height", "date_modified", "media_type"]
        rows = []
        for uri in ("content://media/external/images/media", "content://media/external/video/media"):
            _, found = media.query(uri, columns, None, "date_modified")
            rows += [dict(zip(columns, row, strict=True)) for row in found]
        due, skipped = [], []
        for row in rows:
            rel = row["_data"][len(EXTERNAL_STORAGE) + 1:]
            if settings.folders is not None and not any(rel.startswith(f + "/") for f in settings.folders):
                continue
            row["rel"] = rel
            reason = self.skip_reason(settings, row)
            if reason:
                skipped.append({"path": rel, "reason": reason})
            else:
                due.append(row)
        return due, skipped

    @staticmethod
    def skip_reason(settings: Settings, row: dict[str, Any]) -> str:
        size, width, height = row["_size"] or 0, row["width"] or 0, row["height"] or 0
        if row["media_type"] == 1:
            if size > settings.max_photo_bytes:
                return f"photo over {settings.max_photo_bytes:,} bytes"
            if width * height > settings.max_photo_pixels:
                return f"photo over {settings.max_photo_pixels:,} pixels"
            if width and height and min(width, height) < settings.min_side:
                return f"smaller than {settings.min_side}x{settings.min_side}"
        elif size > settings.max_video_bytes:
            return f"video over {settings.max_video_bytes:,} bytes"
        return ""

    def _backup_pass(self) -> None:
        settings = self._guard()
        generation = self.phone.system.media.generation()
        if generation == self._last_generation and self.status.state == "complete":
            return
        self._set_status("checking", "Checking for items to back up", error="")
        due, skipped = self.candidates(settings)
        progress = self._progress()
        pending = [r for r in due if self._is_due(r, progress.get(r["rel"]))]
        total = len(pending)
        for index, row in enumerate(pending, 1):
            if not self.storage.exists(row["_data"]):
                self._log(f"{row['rel']} is gone since MediaStore listed it; not backing it up", "W")
                continue
            attempt = 0
            while True:
                settings = self._wait_for_network()
                self._set_status("uploading", f"Backing up {index} of {total}", done=index - 1, total=total,
                                 skipped=skipped, uploaded=len(progress))
                try:
                    progress[row["rel"]] = self._upload(settings, row, progress)
                    break
                except CloudError as exc:
                    wait = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                    attempt += 1
                    self._log(f"upload of {row['rel']} failed ({exc}); retrying in {wait}s", "W")
                    self._set_status("uploading", f"Backing up {index} of {total}", error=str(exc),
                                     detail="Couldn't reach the cloud; retrying")
                    if self._quit.wait(wait):
                        raise Interrupted() from None
            with self.lock:
                self._write_json(PROGRESS_FILE, progress)
        self._last_generation = generation
        self._set_status("complete", "Backup complete", done=total, total=total, skipped=skipped,
                         uploaded=len(progress), error="",
                         detail=plural(len(skipped), "item") + " skipped" if skipped else "")

    def _upload(self, settings: Settings, row: dict[str, Any], progress: dict[str, dict[str, Any]]) -> dict[str, Any]:
        import hashlib

        with self.storage.open_read(row["_data"]) as fh:
            data = fh.read()
        source_sha256 = hashlib.sha256(data).hexdigest()
        # An edit replaces the cloud's older version at this path; bytes the cloud has under a path
        # that is gone from the phone were renamed or moved here.
        earlier = progress.get(row["rel"]) or {}
        replaces = earlier.get("id", "") if earlier.get("source_sha256") != source_sha256 else ""
        moved_from = next((rel for rel, entry in progress.items() if rel != row["rel"]
                           and entry.get("source_sha256") == source_sha256
                           and not self.storage.exists(f"{EXTERNAL_STORAGE}/{rel}")), "")
        quality = "original"
        if settings.quality == "saver" and row["mime_type"] == "image/jpeg":
            data, quality = self._storage_saver(data), "saver"
        parts = urllib.parse.urlsplit(settings.server)
        host = "127.0.0.1" if parts.hostname == EMULATOR_HOST_ALIAS else parts.hostname
        conn = http.client.HTTPConnection(host or "127.0.0.1", parts.port or 80, timeout=30)
        try:
            conn.putrequest("PUT", f"/v1/accounts/{urllib.parse.quote(settings.account, safe='')}/items")
            conn.putheader("Content-Length", str(len(data)))
            conn.putheader("X-Item-Path", urllib.parse.quote(row["rel"]))
            conn.putheader("X-Item-Mtime", str(row["date_modified"]))
            conn.putheader("X-Item-Quality", quality)
            conn.putheader("X-Item-Mime", row["mime_type"] or "")
            if replaces:
                conn.putheader("X-Item-Replaces", replaces)
            if moved_from:
                conn.putheader("X-Item-Moved-From", urllib.parse.quote(moved_from))
            conn.endheaders()
            rate = self._rate(settings)
            for start in range(0, len(data), CHUNK):
                if self._quit.is_set() or not self._network_ok(self.settings()) or not self.settings().backup:
                    raise Interrupted()  # the half-sent upload is dropped; it starts over later
                chunk = data[start:start + CHUNK]
                conn.send(chunk)
                if rate:
                    time.sleep(len(chunk) / rate)
            response = conn.getresponse()
            body = response.read()
            if response.status not in (200, 201):
                raise CloudError(f"HTTP {response.status}: {body[:200].decode(errors='replace')}")
            item = json.loads(body)
        except (OSError, http.client.HTTPException) as exc:
            raise CloudError(f"{type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
        if moved_from:
            progress.pop(moved_from, None)
        return {"key": [row["_size"], row["date_modified"]], "id": item["id"], "sha256": item["sha256"],
                "source_sha256": source_sha256}

    def _rate(self, settings: Settings) -> float:
        """Bytes per second: the app's setting, and the emulator console's `network speed` (upload)."""
        rates = [float(settings.upload_rate)] if settings.upload_rate else []
        state = getattr(self.phone, "emulator_state", None)
        if state is not None:
            from ..console import parse_network_speed

            up = (parse_network_speed(getattr(state, "network_speed", "full")) or (0.0, 0.0))[0]
            if up:
                rates.append(up / 8)
        return min(rates) if rates else 0.0

    @staticmethod
    def _storage_saver(data: bytes) -> bytes:
        """Recompress a JPEG (and downsize it to about 16 MP), keeping its EXIF."""
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as original:
                exif = original.info.get("exif", b"")
                picture: Image.Image = original
                pixels = picture.width * picture.height
                if pixels > SAVER_PIXELS:
                    scale = (SAVER_PIXELS / pixels) ** 0.5
                    picture = picture.resize((max(1, int(picture.width * scale)), max(1, int(picture.height * scale))))
                out = io.BytesIO()
                picture.convert("RGB").save(out, "JPEG", quality=SAVER_JPEG_QUALITY, exif=exif)
                return out.getvalue()
        except (OSError, ValueError):
            return data  # a file it cannot decode goes up as it is

    # -- restore ---------------------------------------------------------------------------------------
    def _restore(self) -> None:
        settings = self.settings()
        if not settings.account:
            self._set_restore("failed", "Sign in to back up")
            return
        self.status.restore = {}
        self._set_restore("restoring", "Getting your backup")
        client = CloudClient(settings.server.replace(f"//{EMULATOR_HOST_ALIAS}:", "//127.0.0.1:"))
        try:
            items = client.list(settings.account)
        except OSError as exc:
            self._set_restore("failed", "Restore failed", error=f"cannot reach the cloud: {exc}",
                             detail="Couldn't reach the cloud")
            return
        progress = self._progress()
        restored = 0
        for index, item in enumerate(items, 1):
            if self._quit.is_set():
                return
            self._set_restore("restoring", f"Restoring {index} of {len(items)}", done=index - 1, total=len(items))
            target, present = self._restore_target(item.path, item.sha256)
            if present:
                continue
            try:
                data = client.download(settings.account, item.id)
                self.storage.makedirs(posixpath.dirname(target))
                with self.storage.open_write(target) as out:
                    out.write(data)
                self.storage.utime(target, item.mtime)
            except OSError as exc:
                if self.storage.exists(target):
                    self.storage.unlink(target)  # no half-written photos left behind
                full = getattr(exc, "errno", None) == errno.ENOSPC
                self._log(f"restore of {item.path} failed: {exc}", "E")
                self._set_restore("failed", "Restore failed", done=index - 1, restored=restored,
                                 error=f"{item.path}: {exc}",
                                 detail="Not enough storage on this phone" if full else "Couldn't download")
                return
            self.phone.system.media.scan(target)
            st = self.storage.stat(target)
            rel = target[len(EXTERNAL_STORAGE) + 1:]
            progress[rel] = {"key": [st.st_size, int(st.st_mtime)], "id": item.id, "sha256": item.sha256,
                             "source_sha256": item.sha256}
            restored += 1
        with self.lock:
            self._write_json(PROGRESS_FILE, progress)
        self._set_restore("complete", "Restore complete", done=len(items), total=len(items), restored=restored,
                         detail=f"{plural(restored, 'item')} restored")

    def _restore_target(self, rel: str, sha256: str) -> tuple[str, bool]:
        """Where an item goes back: its original path, or `name (1).ext` when another file is there.
        The flag says the very same bytes are already in place (nothing to do)."""
        import hashlib

        path = f"{EXTERNAL_STORAGE}/{rel}"
        stem, dot, ext = posixpath.basename(path).rpartition(".")
        if not dot:
            stem, ext = ext, ""
        folder = posixpath.dirname(path)
        n = 0
        while self.storage.exists(path):
            with self.storage.open_read(path) as fh:
                if hashlib.sha256(fh.read()).hexdigest() == sha256:
                    return path, True
            n += 1
            path = f"{folder}/{stem} ({n}){'.' + ext if dot else ''}"
        return path, False

    # -- the screen ------------------------------------------------------------------------------------
    def view_tree(self) -> View:
        settings = self.settings()
        status = self.status
        left, right = 42, SCREEN_WIDTH - 42
        top = STATUS_BAR_HEIGHT + 40
        children: list[View] = []

        def row(height: int) -> tuple[int, int, int, int]:
            nonlocal top
            box = (left, top, right, top + height)
            top += height + 20
            return box

        children.append(View(cls="android.widget.TextView", text=LABEL, resource_id=USER_ID + "title", bounds=row(120)))
        children.append(View(cls="android.widget.TextView", resource_id=USER_ID + "account",
                             text=f"Signed in as {settings.account}" if settings.account else "Not signed in",
                             bounds=row(90)))
        card_box = row(260)
        card = View(cls="android.widget.LinearLayout", resource_id=USER_ID + "status_card", bounds=card_box,
                    content_desc=f"Backup status: {status.card}", children=[
                        View(cls="android.widget.TextView", resource_id=USER_ID + "status_title", text=status.card,
                             bounds=(card_box[0] + 30, card_box[1] + 30, card_box[2] - 30, card_box[1] + 130)),
                        View(cls="android.widget.TextView", resource_id=USER_ID + "status_detail", text=status.detail,
                             bounds=(card_box[0] + 30, card_box[1] + 140, card_box[2] - 30, card_box[3] - 30))])
        children.append(card)
        if status.restore:
            children.append(View(cls="android.widget.TextView", resource_id=USER_ID + "restore_status",
                                 text=status.restore.get("card", ""), bounds=row(90)))

        def switch(text: str, rid: str, on: bool, action: Any) -> View:
            return View(cls="android.widget.Switch", text=text, resource_id=USER_ID + rid, content_desc=text,
                        checkable=True, checked=on, clickable=True, focusable=True, bounds=row(140), on_click=action)

        children.append(switch("Backup", "backup_switch", settings.backup,
                               lambda: self.configure({"backup": not settings.backup})))
        children.append(switch("Back up over mobile data", "mobile_data_switch", not settings.wifi_only,
                               lambda: self.configure({"wifi_only": not settings.wifi_only})))
        quality_text = "Original quality" if settings.quality == "original" else "Storage saver"
        children.append(View(cls="android.widget.TextView", text=f"Upload quality: {quality_text}",
                             resource_id=USER_ID + "quality", clickable=True, focusable=True, bounds=row(140),
                             content_desc="Upload quality",
                             on_click=lambda: self.configure(
                                 {"quality": "saver" if settings.quality == "original" else "original"})))
        children.append(View(cls="android.widget.TextView", text="Back up device folders",
                             resource_id=USER_ID + "folders_header", bounds=row(90)))
        for folder in self._device_folders()[:6]:
            included = settings.folders is None or folder in settings.folders
            children.append(switch(folder, "folder_" + folder.replace("/", "_").replace(" ", "_"), included,
                                   lambda folder=folder, included=included: self._toggle_folder(folder, included)))
        buttons_top = SCREEN_HEIGHT - 330
        children.append(View(cls="android.widget.Button", text="Back up now", resource_id=USER_ID + "backup_now",
                             clickable=True, focusable=True, bounds=(left, buttons_top, SCREEN_WIDTH // 2 - 20, buttons_top + 150),
                             on_click=self.backup_now))
        children.append(View(cls="android.widget.Button", text="Restore", resource_id=USER_ID + "restore_button",
                             content_desc="Restore from cloud", clickable=True, focusable=True,
                             bounds=(SCREEN_WIDTH // 2 + 20, buttons_top, right, buttons_top + 150), on_click=self.restore))
        return View(cls="android.widget.FrameLayout", children=[
            View(cls="android.widget.LinearLayout", resource_id=USER_ID + "main",
                 bounds=(0, STATUS_BAR_HEIGHT, SCREEN_WIDTH, SCREEN_HEIGHT), children=children)])

    def _device_folders(self) -> list[str]:
        """Folders holding photos or videos (MediaStore's relative paths), as the folder list shows."""
        rels: set[str] = set()
        for uri in ("content://media/external/images/media", "content://media/external/video/media"):
            _, rows = self.phone.system.media.query(uri, ["relative_path"])
            rels.update(r[0].strip("/") for r in rows if r[0])
        return sorted(rels)

    def _toggle_folder(self, folder: str, included: bool) -> None:
        settings = self.settings()
        chosen = list(settings.folders if settings.folders is not None else self._device_folders())
        if included:
            chosen = [f for f in chosen if f != folder]
        elif folder not in chosen:
            chosen.append(folder)
        self.configure({"folders": ",".join(chosen) or "none"})


def cloudphotos_apk() -> bytes:
    """The app's installable APK (built here: the phone runs this module's code for the package)."""
    from ..apk import build_apk

    return build_apk(PACKAGE, VERSION_CODE, VERSION_NAME, label=LABEL, activities=(".MainActivity",),
                     permissions=("android.permission.INTERNET", "android.permission.READ_MEDIA_IMAGES",
                                  "android.permission.READ_MEDIA_VIDEO", "android.permission.ACCESS_NETWORK_STATE",
                                  "android.permission.RECEIVE_BOOT_COMPLETED"))
