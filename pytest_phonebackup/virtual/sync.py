"""The `sync:` service: adb push, pull and ls (SYNC.TXT; AOSP daemon/file_sync_service.cpp).

Requests and replies are a byte stream inside the ADB stream; every file access goes through the
phone's `Storage`, so no path leaves the phone's folder and the capacity holds. FAIL texts are
the ones real adbd sends. Not for the transport or for shell commands.
"""

from __future__ import annotations

import errno
import io
import os
import posixpath
import re
import stat as statmod
import struct
from typing import TYPE_CHECKING

from .permissions import ROOT, SHELL
from .shell.streams import BrokenPipe
from .storage import CountedWriter

if TYPE_CHECKING:
    from .streams_adb import AdbStream

REQUEST = struct.Struct("<4sI")  # SYNC.TXT: id + length, then the path (also DATA/DONE/OKAY/FAIL headers)
STAT_V1 = struct.Struct("<4sIII")  # file_sync_protocol.h stat_v1: id, mode, size, mtime
STAT_V2 = struct.Struct("<4sIQQIIIIQqqq")  # stat_v2: id, error, dev, ino, mode, nlink, uid, gid, size, a/m/ctime
DENT_V1 = struct.Struct("<4sIIII")  # dent_v1: id, mode, size, mtime, namelen (+ name)
DENT_V2 = struct.Struct("<4sIQQIIIIQqqqI")  # dent_v2: stat_v2 fields + namelen (+ name)
SYNC_DATA_MAX = 64 * 1024  # file_sync_protocol.h: the largest DATA chunk
MAX_PATH = 1024  # file_sync_service.cpp: "path too long" beyond this
U32 = 0xFFFFFFFF



def _fill(source, slots: list[tuple[int, memoryview]]) -> int:
    """readv for what the kernel makes as it is read (/proc files, /dev/zero): no descriptor behind it."""
    got = 0
    for _offset, slot in slots:
        data = source.read(len(slot))
        slot[:len(data)] = data
        got += len(data)
        if len(data) < len(slot):
            break
    return got

class Refused(Exception):
    """A request cannot be done; the message is the FAIL text adbd would send."""


class SyncEnd(Exception):
    """The session ends (QUIT, or after a FAIL, as adbd closes the service then)."""


def _parse_mode(text: str) -> int:
    """strtoul(text, nullptr, 0): decimal, 0octal or 0xhex; junk reads as 0, overflow is an error."""
    match = re.match(r"\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", text)
    if not match:
        return 0
    value = int(match.group(1), 16 if match.group(1)[:2].lower() == "0x" else
                8 if match.group(1).startswith("0") else 10)
    if value > U32:
        raise ValueError("bad mode")
    return value


class SyncSession:
    """One `sync:` stream: requests one after another until QUIT or the host closes."""

    def __init__(self, phone, stream: AdbStream):
        self.phone = phone
        # adbd's own user: what it may create or read is what the shell may (file_sync_service.cpp
        # runs in adbd, which drops to AID_SHELL unless `adb root`).
        self.storage = phone.storage.as_user(ROOT if phone.root else SHELL)
        self.stream = stream
        self._out = bytearray()
        self._unread_data = 0  # bytes of a DATA chunk left unread when a write failed
        #: RECV's two payload buffers, made once per session: each pull of a small file would
        #: otherwise clear two megabytes. The next one to fill is always first.
        self._layouts: list[tuple[bytearray, list[tuple[int, memoryview]]]] = []

    # -- replies --------------------------------------------------------------------------------
    def _reply(self, *parts: bytes) -> None:
        for part in parts:
            self._out += part
        if len(self._out) >= SYNC_DATA_MAX:
            self._flush()

    def _flush(self) -> None:
        if self._out:
            data, self._out = self._out, bytearray()
            self.stream.write(data)

    def _fail(self, message: str) -> None:
        text = message.encode("utf-8", "surrogateescape")
        self._reply(REQUEST.pack(b"FAIL", len(text)), text)
        self._flush()

    @staticmethod
    def _fail_errno(reason: str, exc: OSError) -> str:
        return f"{reason}: {os.strerror(exc.errno or errno.EIO)}"

    # -- the loop -------------------------------------------------------------------------------
    def serve(self) -> None:
        try:
            while True:
                self._flush()
                self._handle_request()
        except (SyncEnd, EOFError, BrokenPipe):
            pass
        finally:
            try:
                self._flush()
            except BrokenPipe:
                pass

    def _handle_request(self) -> None:
        ident, length = REQUEST.unpack(self.stream.read_exact(REQUEST.size))
        if length > MAX_PATH:
            self._fail("path too long")
            raise SyncEnd
        path = self.stream.read_exact(length).decode("utf-8", "surrogateescape") if length else ""
        if ident == b"STAT":
            self._lstat_v1(path)
        elif ident in (b"STA2", b"LST2"):
            self._stat_v2(ident, path)
        elif ident == b"LIST":
            self._list(path, v2=False)
        elif ident == b"LIS2":
            self._list(path, v2=True)
        elif ident == b"SEND":
            self._send(path)
        elif ident == b"RECV":
            self._recv(path)
        elif ident == b"QUIT":
            raise SyncEnd
        else:
            self._fail(f"unknown command {struct.unpack('<I', ident)[0]:08x}")
            raise SyncEnd

    # -- stat and list --------------------------------------------------------------------------
    def _lstat_v1(self, path: str) -> None:
        try:
            st = self.storage.lstat(path)
            self._reply(STAT_V1.pack(b"STAT", st.st_mode & U32, st.st_size & U32, int(st.st_mtime) & U32))
        except OSError:
            self._reply(STAT_V1.pack(b"STAT", 0, 0, 0))  # all zero: the v1 way to say "no such file"

    @staticmethod
    def _v2_fields(st: os.stat_result) -> tuple:
        return (st.st_dev & 0xFFFFFFFFFFFFFFFF, st.st_ino, st.st_mode, st.st_nlink, st.st_uid, st.st_gid,
                st.st_size, int(st.st_atime), int(st.st_mtime), int(st.st_ctime))

    def _stat_v2(self, ident: bytes, path: str) -> None:
        try:
            st = self.storage.stat(path) if ident == b"STA2" else self.storage.lstat(path)
        except OSError as exc:
            self._reply(STAT_V2.pack(ident, exc.errno or errno.EIO, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
            return
        self._reply(STAT_V2.pack(ident, 0, *self._v2_fields(st)))

    def _list(self, path: str, v2: bool) -> None:
        try:
            folder = self.storage.resolve(path)
            entries = self.storage.listdir(path, by_name=False)  # as adbd: in readdir's order
            parent = os.path.dirname(folder.device)
            listing = [(b".", self.storage.lstat(folder.device)), (b"..", self.storage.lstat(parent))]
        except OSError:
            entries, listing = [], []
        for entry in entries:
            try:
                listing.append((os.fsencode(entry.name), entry.stat(follow_symlinks=False)))
            except OSError as exc:
                if v2:
                    self._reply(DENT_V2.pack(b"DNT2", exc.errno or errno.EIO, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                             len(os.fsencode(entry.name))), os.fsencode(entry.name))
        fields, out = self._v2_fields, self._out  # the loop of a 10,000-entry folder: no call per part
        for name, st in listing:
            if v2:
                out += DENT_V2.pack(b"DNT2", 0, *fields(st), len(name))
            else:
                out += DENT_V1.pack(b"DENT", st.st_mode & U32, st.st_size & U32, int(st.st_mtime) & U32, len(name))
            out += name
            if len(out) >= SYNC_DATA_MAX:
                self._flush()
                out = self._out
        if v2:
            self._reply(DENT_V2.pack(b"DONE", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        else:
            self._reply(DENT_V1.pack(b"DONE", 0, 0, 0, 0))

    # -- push -----------------------------------------------------------------------------------
    def _send(self, spec: str) -> None:
        comma = spec.rfind(",")
        if comma < 0:
            self._fail("missing , in ID_SEND_V1")
            raise SyncEnd
        path = spec[:comma]
        try:
            mode = _parse_mode(spec[comma + 1:])
        except ValueError:
            self._fail("bad mode")
            raise SyncEnd from None
        # As adbd: replace regular files and symlinks (unless a symlink replaces a symlink).
        try:
            st = self.storage.lstat(path)
        except OSError:
            st = None
        if st is not None and (statmod.S_ISREG(st.st_mode)
                               or (statmod.S_ISLNK(st.st_mode) and not statmod.S_ISLNK(mode))):
            try:
                self.storage.unlink(path)
            except OSError:
                pass
        if statmod.S_ISLNK(mode):
            mtime = self._receive_link(path)
        else:
            mtime = self._receive_file(path, mode)
        try:
            self.storage.utime(path, mtime, follow=False)
        except OSError:
            pass
        self._reply(REQUEST.pack(b"OKAY", 0))

    def _make_parents(self, path: str, reason: str) -> None:
        try:
            self.storage.makedirs(posixpath.dirname(path) or "/")
        except OSError as exc:
            raise Refused(self._fail_errno(reason, exc)) from None

    def _create(self, path: str, perm: int):
        try:
            return self.storage.open_write(path, mode=perm)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise Refused(self._fail_errno("couldn't create file", exc)) from None
        self._make_parents(path, "secure_mkdirs() failed")
        try:
            return self.storage.open_write(path, mode=perm)
        except OSError as exc:
            raise Refused(self._fail_errno("couldn't create file", exc)) from None

    def _receive_file(self, path: str, mode: int) -> int:
        # adbd copies the user's permission bits to group and other.
        perm = mode & 0o777
        perm |= (perm >> 3) & 0o070
        perm |= (perm >> 3) & 0o007
        try:
            writer = self._create(path, perm)
        except Refused as refusal:
            self._fail(str(refusal))
            self._drain_data()
            raise SyncEnd from None
        try:
            if isinstance(writer, CountedWriter):  # not a character device such as /dev/null
                try:
                    os.fchmod(writer.fileno(), perm)
                except OSError:
                    pass
            return self._receive_data(writer)
        except OSError as exc:
            self._fail(self._fail_errno("write failed", exc))
            self._drain_data()
            writer.close()
            try:
                self.storage.unlink(path)  # adbd removes what it half wrote
            except OSError:
                pass
            raise SyncEnd from None
        finally:
            writer.close()

    def _receive_data(self, writer) -> int:
        """DATA chunks into `writer` until DONE; returns DONE's mtime. OSError from the writer
        propagates (the caller reports it); protocol errors end the session.

        The hot path of `adb push`: it parses the received payloads in place and writes straight
        from them, one write per DATA chunk and no copies.
        """
        write = writer.write
        header = REQUEST
        remaining = 0  # bytes of the current DATA chunk still to come
        partial = b""  # a header split across two payloads
        while True:
            payload = self.stream.take()  # lent to us: every path below gives it back
            try:
                while len(payload):
                    if remaining:
                        piece = payload.consume(remaining)
                        try:
                            write(piece)
                        except OSError:
                            # keep the stream in step for _drain_data: the rest of this chunk is skipped
                            self._unread_data = remaining - len(piece)
                            raise
                        remaining -= len(piece)
                        continue
                    if partial or len(payload) < header.size:
                        partial += payload.consume(header.size - len(partial)).tobytes()
                        if len(partial) < header.size:
                            continue
                        ident, size = header.unpack(partial)
                        partial = b""
                    else:
                        ident, size = header.unpack(payload.consume(header.size))
                    if ident == b"DATA":
                        if size > SYNC_DATA_MAX:
                            self._fail("oversize data message")
                            raise SyncEnd
                        remaining = size
                    elif ident == b"DONE":
                        return size  # the next request may follow in the same WRTE: given back below
                    else:
                        self._fail("invalid data message")
                        raise SyncEnd
            finally:
                self.stream.give_back(payload)

    def _drain_data(self) -> None:
        """After a FAIL, read and drop DATA until DONE, as adbd does, so the host sees the FAIL."""
        skip, self._unread_data = self._unread_data, 0
        if skip:
            self.stream.read_into(skip, lambda _piece: None)
        while True:
            ident, size = REQUEST.unpack(self.stream.read_exact(REQUEST.size))
            if ident != b"DATA" or size > SYNC_DATA_MAX:
                return
            self.stream.read_into(size, lambda _piece: None)

    def _receive_link(self, path: str) -> int:
        ident, size = REQUEST.unpack(self.stream.read_exact(REQUEST.size))
        if ident != b"DATA":
            self._fail("invalid data message: expected ID_DATA")
            raise SyncEnd
        if size > SYNC_DATA_MAX:
            self._fail("oversize data message")
            raise SyncEnd
        target = self.stream.read_exact(size).split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        try:
            current = self.storage.readlink(path)
        except OSError:
            current = None
        if current != target:
            try:
                self.storage.unlink(path)
            except OSError:
                pass
            try:
                self._make_link(target, path)
            except Refused as refusal:
                self._fail(str(refusal))
                raise SyncEnd from None
        ident, mtime = REQUEST.unpack(self.stream.read_exact(REQUEST.size))
        if ident != b"DONE":
            self._fail("invalid data message: expected ID_DONE")
            raise SyncEnd
        return mtime

    def _make_link(self, target: str, path: str) -> None:
        try:
            self.storage.symlink(target, path)
            return
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise Refused(self._fail_errno("symlink failed", exc)) from None
        self._make_parents(path, "secure_mkdirs failed")
        try:
            self.storage.symlink(target, path)
        except OSError as exc:
            raise Refused(self._fail_errno("symlink failed", exc)) from None

    # -- pull -----------------------------------------------------------------------------------
    def _recv(self, path: str) -> None:
        try:
            source = self.storage.open_read(path)
        except OSError as exc:
            # adbd opens folders fine and then fails to read them
            self._fail(self._fail_errno("read failed" if exc.errno == errno.EISDIR else "open failed", exc))
            raise SyncEnd from None
        self._flush()
        with source:
            fd = source.fileno() if isinstance(source, io.BufferedReader) else None
            size = max(self.stream.max_payload, REQUEST.size * 2 + 1)
            # Two payload buffers in turn (one may wait in the stream for the host's OKAY while
            # the other is filled), each laid out as DATA headers and chunk slots that a single
            # readv(2) fills straight from the file.
            if not self._layouts:
                self._layouts = [self._data_layout(size), self._data_layout(size)]
            layouts = self._layouts
            capacity = sum(len(slot) for _, slot in layouts[0][1])
            while True:
                buf, slots = layouts[0]
                layouts.reverse()
                try:
                    got = os.readv(fd, [slot for _, slot in slots]) if fd is not None else _fill(source, slots)
                except OSError as exc:
                    self._fail(self._fail_errno("read failed", exc))
                    raise SyncEnd from None
                if not got:
                    break
                short = got < capacity
                used = 0
                for offset, slot in slots:
                    n = min(len(slot), got)
                    if not n:
                        break
                    REQUEST.pack_into(buf, offset, b"DATA", n)
                    used = offset + REQUEST.size + n
                    got -= n
                if short and size - used >= REQUEST.size:
                    # a short read of a regular file is its end: DONE rides in the same WRTE
                    REQUEST.pack_into(buf, used, b"DONE", 0)
                    self.stream.write(memoryview(buf)[:used + REQUEST.size])
                    return
                self.stream.write(memoryview(buf)[:used])
        self._reply(REQUEST.pack(b"DONE", 0))

    @staticmethod
    def _data_layout(size: int) -> tuple[bytearray, list[tuple[int, memoryview]]]:
        """A payload buffer and its DATA chunk slots: (header offset, view of the chunk's bytes)."""
        buf = bytearray(size)
        view = memoryview(buf)
        slots = []
        used = 0
        while size - used > REQUEST.size:
            want = min(SYNC_DATA_MAX, size - used - REQUEST.size)
            slots.append((used, view[used + REQUEST.size:used + REQUEST.size + want]))
            used += REQUEST.size + want
        return buf, slots


def serve_sync(phone, stream: AdbStream) -> None:
    """Run the sync service on an accepted stream until QUIT, a FAIL or the host closes it."""
    SyncSession(phone, stream).serve()
