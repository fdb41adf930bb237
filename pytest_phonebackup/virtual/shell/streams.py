"""Byte streams the phone's shell reads and writes: a bounded pipe between pipeline stages and
between the ADB transport and a command, plus simple in-memory ends. Not for parsing anything.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from typing import Protocol


class Input(Protocol):
    def read(self, n: int = -1) -> bytes: ...
    def readline(self) -> bytes: ...


class Output(Protocol):
    def write(self, data: bytes) -> int: ...
    def flush(self) -> None: ...


class BrokenPipe(OSError):
    """The reading end went away (the shell reports status 141 / SIGPIPE like mksh does)."""


class Pipe:
    """A thread-safe byte pipe with a bounded buffer: writers block while it is full, so a
    pipeline over 10,000 files streams instead of holding everything in memory."""

    def __init__(self, limit: int = 1 << 20):
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._limit = limit
        self._closed_write = False
        self._closed_read = False
        self._cond = threading.Condition()

    # writer side
    def write(self, data: bytes | bytearray | memoryview) -> int:
        data = bytes(data)
        if not data:
            return 0
        with self._cond:
            while self._size >= self._limit and not self._closed_read:
                self._cond.wait()
            if self._closed_read:
                raise BrokenPipe(32, "Broken pipe")
            if self._closed_write:
                raise ValueError("write to a closed pipe")
            self._chunks.append(data)
            self._size += len(data)
            self._cond.notify_all()
        return len(data)

    def flush(self) -> None:
        pass

    def close_write(self) -> None:
        with self._cond:
            self._closed_write = True
            self._cond.notify_all()

    # reader side
    def read(self, n: int = -1) -> bytes:
        with self._cond:
            while not self._chunks and not self._closed_write:
                self._cond.wait()
            if not self._chunks:
                return b""
            if n is None or n < 0:
                out = b"".join(self._chunks)
                self._chunks.clear()
                if not self._closed_write:
                    pass
            else:
                parts: list[bytes] = []
                want = n
                while self._chunks and want > 0:
                    head = self._chunks[0]
                    if len(head) <= want:
                        parts.append(self._chunks.popleft())
                        want -= len(head)
                    else:
                        parts.append(head[:want])
                        self._chunks[0] = head[want:]
                        want = 0
                out = b"".join(parts)
            self._size -= len(out)
            self._cond.notify_all()
            return out

    def read_all(self) -> bytes:
        parts: list[bytes] = []
        while True:
            chunk = self.read()
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)

    def readline(self) -> bytes:
        parts: list[bytes] = []
        while True:
            with self._cond:
                while not self._chunks and not self._closed_write:
                    self._cond.wait()
                if not self._chunks:
                    return b"".join(parts)
                head = self._chunks[0]
                cut = head.find(b"\n")
                if cut >= 0:
                    parts.append(head[: cut + 1])
                    rest = head[cut + 1:]
                    if rest:
                        self._chunks[0] = rest
                    else:
                        self._chunks.popleft()
                    self._size -= cut + 1
                    self._cond.notify_all()
                    return b"".join(parts)
                parts.append(self._chunks.popleft())
                self._size -= len(head)
                self._cond.notify_all()

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def close_read(self) -> None:
        with self._cond:
            self._closed_read = True
            self._chunks.clear()
            self._size = 0
            self._cond.notify_all()


class EmptyInput:
    """stdin for commands run with nothing to read (`</dev/null`)."""

    def read(self, n: int = -1) -> bytes:
        return b""

    def readline(self) -> bytes:
        return b""

    def __iter__(self) -> Iterator[bytes]:
        return iter(())


class BytesInput:
    """stdin from a bytes object."""

    def __init__(self, data: bytes):
        self._data = data
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        end = len(self._data) if n is None or n < 0 else self._pos + n
        out = self._data[self._pos:end]
        self._pos += len(out)
        return out

    def readline(self) -> bytes:
        cut = self._data.find(b"\n", self._pos)
        end = len(self._data) if cut < 0 else cut + 1
        out = self._data[self._pos:end]
        self._pos = end
        return out

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line


class BytesOutput:
    """Collects output in memory (tests, `$(...)`)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class NullOutput:
    """/dev/null."""

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass
