"""Received ADB payloads and the pool their large buffers come from. A `Payload` is owned by one
holder at a time (the connection's reader, then the stream, then the service that took it) and goes
back to its pool with `release()`; a pooled buffer is handed out again only after that.
Not for what is sent (`AdbStream.write` has its own rule) or for parsing what was received.
"""

from __future__ import annotations

import threading

from .protocol import MAX_PAYLOAD


class Payload:
    """The bytes of one received packet, in a buffer this payload owns until `release()`.

    `start` moves forward as the bytes are consumed; `view` is what is left. A view taken from a
    payload is valid until the payload is released: after that its buffer may hold another packet.
    """

    __slots__ = ("_buffer", "_pool", "start", "end")

    def __init__(self, buffer: bytearray, length: int, pool: PayloadPool | None):
        self._buffer: bytearray | None = buffer
        self._pool = pool
        self.start = 0
        self.end = length

    @property
    def released(self) -> bool:
        return self._buffer is None

    @property
    def buffer(self) -> bytearray:
        """The whole buffer (for receiving into it, and for tests comparing identities)."""
        if self._buffer is None:
            raise RuntimeError("payload used after release(): take a new one from the pool")
        return self._buffer

    @property
    def view(self) -> memoryview:
        """The bytes not consumed yet."""
        return memoryview(self.buffer)[self.start:self.end]

    def __len__(self) -> int:
        return self.end - self.start

    def consume(self, n: int) -> memoryview:
        """The next `n` bytes (fewer if fewer are left), marked as consumed."""
        n = min(n, self.end - self.start)
        piece = memoryview(self.buffer)[self.start:self.start + n]
        self.start += n
        return piece

    def release(self) -> None:
        """Hand the buffer back to its pool. Later calls do nothing, so a buffer is returned once."""
        buffer, self._buffer = self._buffer, None
        if buffer is not None and self._pool is not None:
            self._pool.give_back(buffer)
        self._pool = None


class PayloadPool:
    """Receive buffers for large payloads, handed out by `lease` and reused only after their
    payload was released, so a 1 GiB push does not allocate (and fault in) a fresh megabyte per
    WRTE. Small payloads get a buffer of their own. Thread-safe: the reader leases, services release.
    """

    POOLED_FROM = 64 * 1024
    COUNT = 8  # free buffers kept: 2 MiB window + in-flight payloads + a parser's leftovers

    def __init__(self, buffer_size: int = MAX_PAYLOAD) -> None:
        self.buffer_size = buffer_size
        self._free: list[bytearray] = []
        self._lock = threading.Lock()

    def lease(self, length: int) -> Payload:
        """A payload of `length` bytes (contents undefined until received into)."""
        if length < self.POOLED_FROM:
            return Payload(bytearray(length), length, None)
        with self._lock:
            for index, buf in enumerate(self._free):
                if len(buf) >= length:
                    del self._free[index]
                    return Payload(buf, length, self)
        return Payload(bytearray(max(length, self.buffer_size)), length, self)

    def give_back(self, buffer: bytearray) -> None:
        """Called by `Payload.release`: the buffer is free to be leased again."""
        with self._lock:
            if len(self._free) < self.COUNT and all(buffer is not free for free in self._free):
                self._free.append(buffer)

    @property
    def free(self) -> int:
        """Buffers waiting to be leased again."""
        with self._lock:
            return len(self._free)
