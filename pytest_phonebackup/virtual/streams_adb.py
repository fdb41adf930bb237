"""One ADB stream (an OPENed service) as the service sees it: read what the host writes, write
back with one unacknowledged WRTE at a time, close. Flow control lives here; services do not
see packets. Not for the connection handshake (`adbd`) or for what a service says (`services`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from .payloads import Payload
from .protocol import A_CLSE, A_OKAY, A_WRTE, ProtocolError
from .shell.streams import BrokenPipe

if TYPE_CHECKING:
    from .adbd import Connection

#: Bytes a stream may hold from the host before its OKAYs are held back. Two full payloads let
#: the next WRTE travel while the service consumes the current one; memory stays bounded.
INBOUND_WINDOW = 2 * 1024 * 1024


class AdbStream:
    """The device end of one stream. Thread-safe: the connection's reader delivers, a service
    thread reads and writes.

    Received payloads are owned by the stream from `deliver` on and released to their pool once
    consumed (or when the stream closes); `take` lends one to the service until `give_back`.
    """

    def __init__(self, connection: Connection, local_id: int, remote_id: int, service: str):
        self.connection = connection
        self.local_id = local_id
        self.remote_id = remote_id
        self.service = service
        #: Set when the host closed the stream or the connection went away: long-running
        #: services (logcat, am instrument -w, forwards) stop when they see it.
        self.cancelled = threading.Event()
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()  # one writer's packets are never interleaved with another's
        self._inbound: deque[Payload] = deque()
        self._inbound_bytes = 0
        self._okay_owed = False  # a WRTE is held without OKAY because the window is full
        self._can_send = True  # our last WRTE was acknowledged
        self._pending: memoryview | None = None  # the next WRTE, sent by the reader on the OKAY
        self._accepted = False
        self._closed_by_host = False
        self._closed_here = False

    @property
    def max_payload(self) -> int:
        return self.connection.max_payload

    @property
    def closed(self) -> bool:
        return self._closed_by_host or self._closed_here

    # -- opening ------------------------------------------------------------------------------
    def accept(self) -> None:
        """Answer the host's OPEN with OKAY: the service exists and runs."""
        self._accepted = True
        self.connection.send_packet(A_OKAY, self.local_id, self.remote_id)

    def refuse(self) -> None:
        """Answer the host's OPEN with CLSE(0, host id): no such service, or it could not start."""
        with self._cond:
            self._closed_here = True
            self._cond.notify_all()
        self.connection.forget(self)
        self.connection.send_packet(A_CLSE, 0, self.remote_id)

    # -- called by the connection's reader thread --------------------------------------------------
    def expect(self, length: int) -> bool:
        """A WRTE header from the host, before its payload: count the payload against the window.

        Returns True if the OKAY can go out now, while the payload is still being read; the host
        then sends its next WRTE without waiting for this one's bytes to cross (TCP keeps the
        order). When the window is full the OKAY waits until the service has consumed enough.
        """
        with self._cond:
            if self._okay_owed:
                raise ProtocolError(f"host sent WRTE on stream {self.local_id} before its OKAY")
            if self.closed:
                return False
            self._inbound_bytes += length
            self._okay_owed = self._inbound_bytes > INBOUND_WINDOW
            return not self._okay_owed

    def deliver(self, payload: Payload) -> None:
        """The payload of the WRTE announced by `expect`; the stream owns it from now on."""
        with self._cond:
            if not self.closed and len(payload):
                self._inbound.append(payload)
                self._cond.notify_all()
                return
        payload.release()

    def host_acknowledged(self) -> None:
        """OKAY from the host: our last WRTE was consumed. A queued WRTE goes out at once, from
        this (the reader's) thread, so no thread switch sits between an OKAY and the next WRTE."""
        with self._cond:
            chunk = self._pending
            if chunk is None or self.closed:
                self._pending = None
                self._can_send = True
                self._cond.notify_all()
                return
        # _pending stays set while the bytes go out: the writer must not refill that buffer yet
        self.connection.send_packet(A_WRTE, self.local_id, self.remote_id, chunk)
        with self._cond:
            self._pending = None
            self._cond.notify_all()

    def host_closed(self) -> bool:
        """CLSE from the host; returns True if it must be echoed (we had not closed first)."""
        with self._cond:
            echo = not self._closed_here
            self._closed_by_host = True
            self._closed_here = True
            self._cond.notify_all()
        self.cancelled.set()
        return echo and self._accepted

    def connection_lost(self) -> None:
        with self._cond:
            self._closed_by_host = True
            self._cond.notify_all()
        self.cancelled.set()

    # -- reading (service side) ------------------------------------------------------------------
    def _wait_data(self) -> bool:
        """Block until data is queued (True) or the stream is closed and drained (False)."""
        while not self._inbound:
            if self.closed:
                return False
            self._cond.wait()
        return True

    def _consumed(self, nbytes: int) -> None:
        """Account consumed bytes; send the held OKAY once the window has room again."""
        self._inbound_bytes -= nbytes
        if self._okay_owed and self._inbound_bytes <= INBOUND_WINDOW and not self.closed:
            self._okay_owed = False
            send = True
        else:
            send = False
        if send:
            self.connection.send_packet(A_OKAY, self.local_id, self.remote_id)

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes (all queued when n < 0); b"" once the host closed the stream."""
        with self._cond:
            if not self._wait_data():
                return b""
            parts = []
            want = n if n >= 0 else self._inbound_bytes
            got = 0
            while self._inbound and got < want:
                head = self._inbound[0]
                piece = head.consume(want - got)
                parts.append(piece.tobytes())
                got += len(piece)
                if not len(head):
                    self._inbound.popleft().release()
            self._consumed(got)
        return b"".join(parts)

    def read_exact(self, n: int) -> bytes:
        """Exactly `n` bytes; EOFError if the stream ends first."""
        parts = []
        need = n
        while need:
            chunk = self.read(need)
            if not chunk:
                raise EOFError(f"stream closed with {need} of {n} bytes missing")
            parts.append(chunk)
            need -= len(chunk)
        return b"".join(parts) if len(parts) != 1 else parts[0]

    def read_into(self, n: int, sink: Callable[[memoryview], object]) -> None:
        """Pass exactly `n` bytes to `sink` as views of the received payloads (no copies). The
        views are valid only during the call: `sink` must not keep them."""
        need = n
        while need:
            payload = self.take()
            try:
                piece = payload.consume(need)
                sink(piece)  # outside the lock: writing to disk must not stall the reader thread
                need -= len(piece)
            finally:
                self.give_back(payload)

    def take(self) -> Payload:
        """The next received payload, as large as it came (for parsers on hot paths), lent to
        the caller: hand it back with `give_back` once done with its bytes, having consumed what
        was used (`Payload.consume`). EOFError once the host closed the stream."""
        with self._cond:
            if not self._wait_data():
                raise EOFError("stream closed")
            payload = self._inbound.popleft()
            self._consumed(len(payload))
        return payload

    def give_back(self, payload: Payload) -> None:
        """Return a payload lent by `take`: its unconsumed bytes are read again, first; a fully
        consumed payload's buffer goes back to its pool, to be filled again."""
        with self._cond:
            if len(payload) and not self._closed_here:
                self._inbound.appendleft(payload)
                self._inbound_bytes += len(payload)
                return
        payload.release()

    # -- writing (service side) ----------------------------------------------------------------
    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Send `data` in WRTEs of at most max_payload, each after the previous one's OKAY.

        Returns once the last WRTE is on the socket or queued to follow the next OKAY, so the
        caller can prepare more meanwhile. The caller must leave `data` untouched until its next
        write() returns (one WRTE is queued at most). Raises BrokenPipe once the stream closed.
        """
        view = memoryview(data).cast("B")
        size = self.max_payload
        with self._send_lock:
            for start in range(0, len(view), size):
                chunk = view[start:start + size]
                with self._cond:
                    while self._pending is not None and not self.closed:
                        self._cond.wait()
                    if self.closed:
                        raise BrokenPipe(32, "Broken pipe")
                    send_now = self._can_send
                    if send_now:
                        self._can_send = False
                    else:
                        self._pending = chunk
                if send_now:
                    self.connection.send_packet(A_WRTE, self.local_id, self.remote_id, chunk)
        return len(view)

    def wait_sent(self, timeout: float | None = None) -> bool:
        """Wait until the host acknowledged everything we wrote (or the stream closed)."""
        with self._cond:
            return self._cond.wait_for(lambda: (self._can_send and self._pending is None) or self.closed,
                                       timeout)

    def close(self) -> None:
        """Close from our side: CLSE(local, remote) once, after a queued WRTE went out; the
        host's echo is ignored."""
        with self._cond:
            while self._pending is not None and not self.closed:
                self._cond.wait()
            if self._closed_here:
                return
            self._closed_here = True
            dropped = list(self._inbound)
            self._inbound.clear()
            self._inbound_bytes = 0
            self._cond.notify_all()
        for payload in dropped:
            payload.release()
        self.connection.forget(self)
        if not self._closed_by_host:
            self.connection.send_packet(A_CLSE, self.local_id, self.remote_id)
        self.cancelled.set()
