"""The cloud a phone's backup app uploads to: a small HTTP store on 127.0.0.1 with an account per
test, upload / list / download of items, and switchable slowness and errors for fault tests.
Not the app (see `apps/cloudphotos.py`) and not a real service: no auth, everything on loopback.

HTTP API (JSON unless noted), also what tests and other processes use to inspect or steer it:
  GET  /v1/accounts/ACCOUNT/items              -> [{id, path, size, sha256, mtime, taken, quality, ...}]
  PUT  /v1/accounts/ACCOUNT/items              body = the bytes; headers X-Item-Path, X-Item-Mtime,
                                               X-Item-Quality, X-Item-Mime, and X-Item-Replaces (the id of
                                               the older version an edit replaces) or X-Item-Moved-From
                                               (the path renamed or moved) -> 201 (new) / 200 (same bytes)
  GET  /v1/accounts/ACCOUNT/items/ID/content   -> the bytes
  GET  /v1/faults, PUT /v1/faults              -> the current `CloudFaults` as JSON (PUT replaces them)
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHUNK = 64 * 1024
#: The Android emulator's alias for the host's loopback (10.0.2.2); the virtual phone maps it too.
EMULATOR_HOST_ALIAS = "10.0.2.2"


@dataclass
class CloudFaults:
    """What the store does wrong on purpose. All off by default."""

    latency: float = 0.0  # seconds added before every answer
    rate: int = 0  # bytes per second for uploads and downloads (0 = no limit)
    fail_next: int = 0  # the next N requests to items answer `fail_status`
    fail_status: int = 503
    fail_all: bool = False  # every request to items answers `fail_status` until cleared
    max_upload_bytes: int = 0  # uploads larger than this answer 413 (0 = no limit)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CloudFaults:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown cloud fault(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)


@dataclass
class CloudItem:
    """One uploaded item as the cloud keeps it."""

    id: str
    path: str  # the device path it came from, relative to shared storage
    size: int
    sha256: str
    mtime: float
    quality: str = "original"
    mime: str = ""
    uploaded: float = field(default_factory=time.time)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CloudItem:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


class CloudStore:
    """The store. `CloudStore().start()`; `url` for clients on the host, `url_for_phone` for
    apps on a phone; `items(account)` to inspect; `faults` to steer; `stop()` removes its files."""

    def __init__(self, root: str | Path | None = None):
        self._own_root = root is None
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="cloudstore-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.faults = CloudFaults()
        self._lock = threading.Lock()
        self._accounts: dict[str, dict[str, CloudItem]] = {}
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status) for tests and reports
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> CloudStore:
        store = self

        class Handler(_Handler):
            cloud = store

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="cloudstore", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> CloudStore:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the cloud store is not started: call start() first")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url_for_phone(self) -> str:
        """How an app on an emulator (or the virtual phone) reaches this store on the host."""
        return f"http://{EMULATOR_HOST_ALIAS}:{self.port}"

    # -- accounts and items ------------------------------------------------------------------------
    def new_account(self, prefix: str = "tester") -> str:
        """A fresh, empty account name (one per test keeps tests apart)."""
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        with self._lock:
            self._accounts[name] = {}
        return name

    def items(self, account: str) -> list[CloudItem]:
        with self._lock:
            return sorted(self._accounts.get(account, {}).values(), key=lambda i: i.path)

    def content(self, account: str, item_id: str) -> bytes:
        return self._blob(account, item_id).read_bytes()

    def set_faults(self, **changes: Any) -> CloudFaults:
        """Change some faults, keep the others: `set_faults(fail_all=True)`."""
        with self._lock:
            self.faults = CloudFaults.from_dict({**asdict(self.faults), **changes})
            return self.faults

    def clear_faults(self) -> None:
        with self._lock:
            self.faults = CloudFaults()

    def _blob(self, account: str, item_id: str) -> Path:
        return self.root / _safe(account) / f"{item_id}.bin"

    def _store(self, account: str, meta: dict[str, str], body_file: Path, sha: str, size: int) -> tuple[CloudItem, bool]:
        with self._lock:
            items = self._accounts.setdefault(account, {})
            # Same bytes again (a retry, or a restored copy backed up once more): one item, as the
            # big photo clouds deduplicate by content.
            for item in items.values():
                if item.sha256 == sha:
                    if item.path in (meta["path"], meta.get("moved_from")):  # a new time, a new name
                        item.path, item.mtime = meta["path"], float(meta["mtime"] or item.mtime)
                    body_file.unlink()
                    return item, False
            older = items.get(meta.get("replaces") or "")
            if older is not None and older.path == meta["path"]:  # an edit: the older version goes
                del items[older.id]
                self._blob(account, older.id).unlink(missing_ok=True)
            item = CloudItem(id=sha[:24], path=meta["path"], size=size, sha256=sha, mtime=float(meta["mtime"] or 0),
                             quality=meta["quality"] or "original", mime=meta["mime"] or "")
            target = self._blob(account, item.id)
            target.parent.mkdir(parents=True, exist_ok=True)
            body_file.replace(target)
            items[item.id] = item
            return item, True

    def _should_fail(self) -> int:
        with self._lock:
            if self.faults.fail_all:
                return self.faults.fail_status
            if self.faults.fail_next > 0:
                self.faults.fail_next -= 1
                return self.faults.fail_status
            return 0


def _safe(account: str) -> str:
    return urllib.parse.quote(account, safe="")


class _Handler(BaseHTTPRequestHandler):
    cloud: CloudStore
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # requests are kept in `cloud.requests`, not printed

    def _reply(self, status: int, body: bytes | dict | list, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.cloud.requests.append((self.command, self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self._send_paced(data)

    def _send_paced(self, data: bytes) -> None:
        rate = self.cloud.faults.rate
        for start in range(0, len(data), CHUNK):
            self.wfile.write(data[start:start + CHUNK])
            if rate:
                time.sleep(min(CHUNK, len(data) - start) / rate)

    def _error(self, status: int, message: str) -> None:
        self._drain()
        self._reply(status, {"error": message})

    def _drain(self) -> None:
        # Read an unread request body so the connection stays usable for the client's next request.
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            chunk = self.rfile.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)

    def _route(self) -> tuple[str, str | None, str | None]:
        parts = [urllib.parse.unquote(p) for p in urllib.parse.urlsplit(self.path).path.strip("/").split("/")]
        if parts[:1] == ["v1"] and parts[1:2] == ["faults"] and len(parts) == 2:
            return "faults", None, None
        if parts[:2] == ["v1", "accounts"] and len(parts) >= 4 and parts[3] == "items":
            account = parts[2]
            if len(parts) == 4:
                return "items", account, None
            if len(parts) == 6 and parts[5] == "content":
                return "content", account, parts[4]
        return "unknown", None, None

    def _pause(self) -> None:
        if self.cloud.faults.latency:
            time.sleep(self.cloud.faults.latency)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        route, account, item_id = self._route()
        if route == "faults":
            self._reply(200, asdict(self.cloud.faults))
            return
        if route == "unknown" or account is None:
            self._error(404, f"no such resource {self.path}")
            return
        self._pause()
        failing = self.cloud._should_fail()
        if failing:
            self._error(failing, "the cloud is failing on purpose (fault injection)")
            return
        if route == "items":
            self._reply(200, [asdict(i) for i in self.cloud.items(account)])
            return
        blob = self.cloud._blob(account, item_id or "")
        if not blob.is_file():
            self._error(404, f"no item {item_id} in account {account}")
            return
        self._reply(200, blob.read_bytes(), "application/octet-stream")

    def do_PUT(self) -> None:  # noqa: N802
        route, account, _ = self._route()
        if route == "faults":
            try:
                length = int(self.headers.get("Content-Length") or 0)
                faults = CloudFaults.from_dict(json.loads(self.rfile.read(length) or b"{}"))
            except (ValueError, TypeError) as exc:
                self._reply(400, {"error": str(exc)})
                return
            with self.cloud._lock:
                self.cloud.faults = faults
            self._reply(200, asdict(faults))
            return
        if route != "items" or account is None:
            self._error(404, f"no such resource {self.path}")
            return
        self._pause()
        failing = self.cloud._should_fail()
        if failing:
            self._error(failing, "the cloud is failing on purpose (fault injection)")
            return
        length = int(self.headers.get("Content-Length") or -1)
        path = urllib.parse.unquote(self.headers.get("X-Item-Path") or "")  # percent-encoded: names are UTF-8
        if length < 0 or not path:
            self._error(400, "an upload needs Content-Length and X-Item-Path")
            return
        limit = self.cloud.faults.max_upload_bytes
        if limit and length > limit:
            self._error(413, f"item of {length} bytes is over this cloud's {limit}-byte upload limit")
            return
        tmp = self.cloud.root / f".upload-{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        got = 0
        rate = self.cloud.faults.rate
        with open(tmp, "wb") as fh:
            while got < length:
                chunk = self.rfile.read(min(CHUNK, length - got))
                if not chunk:
                    break
                fh.write(chunk)
                digest.update(chunk)
                got += len(chunk)
                if rate:
                    time.sleep(len(chunk) / rate)
        if got != length:
            tmp.unlink(missing_ok=True)
            self.cloud.requests.append((self.command, self.path, 499))
            self.close_connection = True  # the client went away mid-upload
            return
        meta = {"path": path, "mtime": self.headers.get("X-Item-Mtime") or "0",
                "quality": self.headers.get("X-Item-Quality") or "", "mime": self.headers.get("X-Item-Mime") or "",
                "replaces": self.headers.get("X-Item-Replaces") or "",
                "moved_from": urllib.parse.unquote(self.headers.get("X-Item-Moved-From") or "")}
        item, new = self.cloud._store(account, meta, tmp, digest.hexdigest(), got)
        self._reply(201 if new else 200, asdict(item))


# -- a client, for apps and the harness ------------------------------------------------------------
class CloudClient:
    """Talks to a `CloudStore` over HTTP (from the app on the phone, or from another process)."""

    def __init__(self, url: str, timeout: float = 30):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _open(self, method: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None):
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        return urllib.request.urlopen(request, timeout=self.timeout)

    def list(self, account: str) -> list[CloudItem]:
        with self._open("GET", f"/v1/accounts/{_safe(account)}/items") as resp:
            return [CloudItem.from_dict(d) for d in json.load(resp)]

    def download(self, account: str, item_id: str) -> bytes:
        with self._open("GET", f"/v1/accounts/{_safe(account)}/items/{item_id}/content") as resp:
            return resp.read()

    def faults(self) -> CloudFaults:
        with self._open("GET", "/v1/faults") as resp:
            return CloudFaults.from_dict(json.load(resp))

    def set_faults(self, faults: CloudFaults) -> None:
        body = json.dumps(asdict(faults)).encode()
        with self._open("PUT", "/v1/faults", body, {"Content-Type": "application/json"}):
            pass
