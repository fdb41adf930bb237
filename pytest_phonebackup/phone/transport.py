"""The ADB transport of one phone: streams to adbd services through the adb server (adbutils),
the shell (protocol v2, or v1 with an exit marker), `exec:`, the sync protocol (SYNC.TXT), port
forwards and the emulator console. Not for deciding what may be written or deleted (`ownership`).
"""

from __future__ import annotations

import io
import logging
import os
import posixpath
import socket
import stat
import struct
import subprocess
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from adbutils import AdbClient, AdbConnection, AdbDevice, AdbError, AdbTimeout

from ..errors import PhoneError, ShellCommandError
from ..phonelike import Progress, RemoteFile, ShellResult
from .adb import adb_path

log = logging.getLogger(__name__)

TMP_DIR = "/data/local/tmp"  # the folder every Android build lets the shell user write to
SYNC_CHUNK = 64 * 1024  # SYNC.TXT: DATA chunks are at most 64 KiB
SYNC_MAX_PATH = 1024  # SYNC.TXT: request paths are at most 1024 bytes
STAT_V2 = struct.Struct("<4sIQQIIIIQqqq")  # file_sync_protocol.h: sync_stat_v2 (STA2/LST2 reply)
DENT_V2 = struct.Struct("<4sIQQIIIIQqqqI")  # file_sync_protocol.h: sync_dent_v2 (LIS2 entry) + namelen
DENT_V1 = struct.Struct("<4sIIII")  # file_sync_protocol.h: sync_dent (LIST entry) + namelen
STAT_V1 = struct.Struct("<4sIII")  # file_sync_protocol.h: sync_stat_v1 (STAT reply)
SYNC_READ_BUFFER = 256 * 1024  # bytes of sync replies read at once
LIST_WINDOW = 32  # folder listings asked for ahead of their answers
SEND_WINDOW = 64  # files written ahead of their OKAY, as adb push does for small files
EMU_TIMEOUT = 30.0  # seconds for one emulator console command


def _b(text: str) -> bytes:
    """Device paths and commands travel as bytes; names that are not UTF-8 survive via surrogates."""
    return text.encode("utf-8", "surrogateescape")


def _s(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _close(conn: AdbConnection) -> None:
    """Close a stream at once. adbutils' own close waits 10 ms after shutting down the write side;
    every stream here has read its answer to the end (or given up on it), so none needs the wait."""
    try:
        conn.conn.close()
    except OSError:
        pass
    conn.close()  # now only forgets the closed socket


class Transport:
    """Shell, exec, sync and forwards of one device, by serial, through the adb server `adb`."""

    def __init__(self, serial: str, adb: AdbClient | None = None):
        self.serial = serial
        self.adb = adb or AdbClient()
        self.device: AdbDevice = self.adb.device(serial)
        self._features: set[str] | None = None
        self._server_version: int | None = None
        self._forwards: set[str] = set()

    @property
    def features(self) -> set[str]:
        if self._features is None:
            self._features = set(self.device.get_features().split(","))
        return self._features

    def _transport(self, timeout: float | None) -> AdbConnection:
        """A connection to the adb server switched to this phone. As adbutils' open_transport, but
        the server's version (which decides how to switch) is asked once, not before every stream."""
        conn = self.adb.make_connection(timeout=timeout)
        if self._server_version is None:
            self._server_version = self.adb.server_version()
        if self._server_version >= 41:
            conn.send_command(f"host:tport:serial:{self.serial}")
            conn.check_okay()
            conn.read(8)  # SERVICES.TXT host:tport: the transport id
        else:
            conn.send_command(f"host:transport:{self.serial}")
            conn.check_okay()
        return conn

    def _open(self, service: str, timeout: float | None) -> AdbConnection:
        """A stream to `service` on the phone (an adbutils AdbConnection), already accepted."""
        try:
            conn = self._transport(timeout)
            # Sync sends small requests back to back; without this each waits out a delayed ACK (~40 ms).
            conn.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            data = _b(service)
            conn.conn.sendall(b"%04x" % len(data) + data)
            conn.check_okay()
        except AdbError as exc:
            raise PhoneError(f"{self.serial}: adb refused `{service[:80]}`: {exc}; is the phone "
                             "still listed by `adb devices`?") from exc
        except OSError as exc:
            raise PhoneError(f"{self.serial}: cannot reach the adb server: {exc}") from exc
        return conn

    # -- shell -------------------------------------------------------------------------------
    def shell(self, cmd: str, check: bool = True, timeout: float | None = 120) -> ShellResult:
        """Run `cmd` with the phone's shell; stdout and stderr apart, with the exit status.

        Raises ShellCommandError when `check` and the status is not 0; PhoneError on timeout.
        """
        status, out, err = self.shell_bytes(cmd, timeout=timeout)
        result = ShellResult(status, _s(out), _s(err))
        if check and status != 0:
            raise ShellCommandError(self.serial, cmd, status, result.stdout, result.stderr)
        return result

    def shell_bytes(self, cmd: str, timeout: float | None = 120) -> tuple[int, bytes, bytes]:
        """(status, stdout, stderr) as bytes. Uses shell protocol v2 when the phone has it."""
        try:
            if "shell_v2" in self.features:
                return self._shell_v2(cmd, timeout)
            return self._shell_v1(cmd, timeout)
        except (TimeoutError, AdbTimeout) as exc:
            raise PhoneError(f"{self.serial}: `{cmd[:120]}` did not finish within {timeout}s") from exc
        except (AdbError, EOFError, ConnectionError) as exc:
            raise PhoneError(f"{self.serial}: connection lost while running `{cmd[:120]}`: {exc}") from exc

    def _shell_v2(self, cmd: str, timeout: float | None) -> tuple[int, bytes, bytes]:
        conn = self._open(f"shell,v2,raw:{cmd}", timeout)
        out, err, status = bytearray(), bytearray(), 255
        try:
            # shell_protocol.h: id u8 + length u32; 1 stdout, 2 stderr, 3 exit; 4 closes our stdin
            conn.conn.sendall(b"\x04\x00\x00\x00\x00")
            while True:
                header = conn.read_exact(5)
                kind, length = header[0], int.from_bytes(header[1:], "little")
                data = conn.read_exact(length) if length else b""
                if kind == 1:
                    out += data
                elif kind == 2:
                    err += data
                elif kind == 3:
                    status = data[0] if data else 255
                    break
        finally:
            _close(conn)
        return status, bytes(out), bytes(err)

    def _shell_v1(self, cmd: str, timeout: float | None) -> tuple[int, bytes, bytes]:
        marker = f"PHONEBACKUP-EXIT-{uuid.uuid4().hex[:8]}:"
        conn = self._open(f"shell:{cmd}; echo {marker}$?", timeout)
        try:
            data = conn.read_until_close(encoding=None)
        finally:
            _close(conn)
        cut = data.rfind(marker.encode())
        if cut < 0:
            raise PhoneError(f"{self.serial}: `{cmd[:120]}` ended without an exit status (connection lost?)")
        return int(data[cut + len(marker):].strip() or 255), data[:cut], b""

    def exec_out(self, cmd: str, timeout: float | None = 120) -> bytes:
        """Binary-safe stdout of `cmd` (`adb exec-out`)."""
        conn = self._open(f"exec:{cmd}", timeout)
        try:
            data: bytes = conn.read_until_close(encoding=None)
            return data
        finally:
            _close(conn)

    # -- sync ---------------------------------------------------------------------------------
    @contextmanager
    def _sync(self) -> Iterator[SyncSession]:
        conn = self._open("sync:", timeout=300)
        session = SyncSession(conn, self.serial, v2="ls_v2" in self.features and "stat_v2" in self.features)
        try:
            yield session
            session.quit()
        finally:
            session.close()
            _close(conn)

    def _run_with_paths(self, paths: list[str], command: str, check: bool = True) -> ShellResult:
        """Run `xargs -0 <command>` over `paths`. The list travels as a NUL-separated file over
        sync, so any name (quotes, newlines, leading dashes, non-UTF-8) arrives intact."""
        listing = f"{TMP_DIR}/phonebackup-paths-{uuid.uuid4().hex[:12]}"
        with self._sync() as sync:
            sync.send_bytes(b"".join(_b(path) + b"\0" for path in paths), listing)
        run = f"xargs -0 {command} < {listing}"
        try:
            # The listing goes in the same shell call, which keeps the command's own exit status.
            result = self.shell(f"{run}; status=$?; rm -f {listing}; exit $status", check=False, timeout=600)
        except PhoneError:
            self.shell(f"rm -f {listing}", check=False)
            raise
        if check and result.status != 0:
            raise ShellCommandError(self.serial, run, result.status, result.stdout, result.stderr)
        return result

    # -- ports ------------------------------------------------------------------------------
    def forward(self, remote: str, local: str | None = None) -> int:
        """`adb forward` a host port to `remote` ('tcp:6790'); removed again by close()."""
        if local is None:
            port = int(self.device.forward_port(remote))
            local = f"tcp:{port}"
        else:
            self.device.forward(local, remote)
            port = int(local.split(":")[1])
        self._forwards.add(local)
        return port

    def close(self) -> None:
        """Remove the adb forwards this Phone made. The phone itself keeps running."""
        for local in sorted(self._forwards):
            try:
                self.device.forward_remove(local, raise_non_found=False)
            except (AdbError, OSError) as exc:
                log.debug("%s: removing forward %s: %s", self.serial, local, exc)
        self._forwards.clear()

    def emu(self, *args: str) -> str:
        """`adb emu ARGS`: one emulator console command through the adb command line (which adds
        the console's auth token). Raises PhoneError when the console answers KO or adb fails."""
        cmd = [adb_path(), "-P", str(self.adb.port), "-s", self.serial, "emu", *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=EMU_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PhoneError(f"{self.serial}: `adb emu {' '.join(args)}` did not answer within "
                             f"{EMU_TIMEOUT:.0f}s; is the emulator console up?") from exc
        out = proc.stdout + proc.stderr
        if proc.returncode != 0 or "KO" in out:
            raise PhoneError(f"{self.serial}: `adb emu {' '.join(args)}` failed: {out.strip()}")
        return out


class SyncSession:
    """One `sync:` stream (SYNC.TXT): stat, list, send and receive files over the same connection."""

    def __init__(self, conn: AdbConnection, serial: str, v2: bool):
        self.conn, self.sock, self.serial, self.v2 = conn, conn.conn, serial, v2
        # Replies are read through a buffer: a listing of 10,000 entries is two small reads each,
        # which would otherwise be 20,000 system calls.
        self._replies = self.sock.makefile("rb", buffering=SYNC_READ_BUFFER)

    def close(self) -> None:
        """Let go of the reply buffer (the socket closes only once it has no file objects left)."""
        self._replies.close()

    def _request(self, ident: bytes, path: str | bytes) -> None:
        data = _b(path) if isinstance(path, str) else path
        if len(data) > SYNC_MAX_PATH:
            raise PhoneError(f"{self.serial}: path too long for adb sync ({len(data)} bytes > {SYNC_MAX_PATH})")
        self.sock.sendall(ident + struct.pack("<I", len(data)) + data)

    def _read(self, size: int) -> bytes:
        if not size:
            return b""
        try:
            data: bytes = self._replies.read(size)
        except TimeoutError as exc:
            raise AdbTimeout("adb read timeout") from exc
        if len(data) < size:
            raise EOFError(f"Expected {size} bytes, got {len(data)}")
        return data

    def _fail(self, what: str) -> PhoneError:
        length = struct.unpack("<I", self._read(4))[0]
        return PhoneError(f"{self.serial}: {what}: {_s(self._read(length))}")

    def stat(self, path: str) -> RemoteFile | None:
        if self.v2:
            self._request(b"STA2", path)
            _, error, _, _, mode, _, _, _, size, _, mtime, _ = STAT_V2.unpack(self._read(STAT_V2.size))
            if error:
                return None
        else:
            self._request(b"STAT", path)
            _, mode, size, mtime = STAT_V1.unpack(self._read(STAT_V1.size))
            if mode == 0:
                return None
        return RemoteFile(path, size, float(mtime), mode, stat.S_ISDIR(mode))

    def ask_listing(self, folder: str) -> None:
        """Ask for one folder's entries; `listing(folder)` reads them, in the order they were asked for."""
        self._request(b"LIS2" if self.v2 else b"LIST", folder)

    def listing(self, folder: str) -> list[RemoteFile]:
        """The entries of the folder asked for next in line (see `ask_listing`)."""
        items = []
        while True:
            if self.v2:
                ident, error, _, _, mode, _, _, _, size, _, mtime, _, namelen = DENT_V2.unpack(
                    self._read(DENT_V2.size))
            else:
                ident, mode, size, mtime, namelen = DENT_V1.unpack(self._read(DENT_V1.size))
                error = 0
            if ident == b"DONE":
                break
            if ident not in (b"DENT", b"DNT2"):
                raise PhoneError(f"{self.serial}: unexpected sync reply {ident!r} listing {folder}")
            name = _s(self._read(namelen))
            if name in (".", "..") or error:
                continue
            items.append(RemoteFile(posixpath.join(folder, name), size, float(mtime), mode, stat.S_ISDIR(mode)))
        return items

    def send(self, local: Path, remote: str, progress: Progress | None, done: int, total: int) -> int:
        info = local.stat()
        with local.open("rb") as source:
            return self._send_stream(source, remote, stat.S_IFREG | (info.st_mode & 0o777), int(info.st_mtime),
                                     progress, done, total)

    def send_many(self, files: Iterable[tuple[Path, str]], progress: Progress | None, done: int,
                  total: int, written: Callable[[str], None]) -> int:
        """Send files back to back, reading each one's OKAY up to SEND_WINDOW files later: one
        round trip through the adb server per window, not per file. `written(remote)` is called as
        each OKAY arrives; a FAIL still names its file."""
        pending: deque[str] = deque()
        try:
            for local, remote in files:
                info = local.stat()
                with local.open("rb") as source:
                    done = self._write_file(source, remote, stat.S_IFREG | (info.st_mode & 0o777),
                                            int(info.st_mtime), progress, done, total)
                pending.append(remote)
                if len(pending) >= SEND_WINDOW:
                    written(self._acknowledged(pending.popleft()))
        except OSError as exc:
            while pending:  # the phone stopped reading: its FAIL says why
                written(self._acknowledged(pending.popleft()))
            raise PhoneError(f"{self.serial}: the phone closed the sync stream while writing: {exc}") from exc
        while pending:
            written(self._acknowledged(pending.popleft()))
        return done

    def send_bytes(self, data: bytes, remote: str) -> None:
        self._send_stream(io.BytesIO(data), remote, stat.S_IFREG | 0o600, int(time.time()), None, 0, len(data))

    def _send_stream(self, source: IO[bytes], remote: str, mode: int, mtime: int,
                     progress: Progress | None, done: int, total: int) -> int:
        done = self._write_file(source, remote, mode, mtime, progress, done, total)
        self._acknowledged(remote)
        return done

    def _write_file(self, source: IO[bytes], remote: str, mode: int, mtime: int,
                    progress: Progress | None, done: int, total: int) -> int:
        """SEND, DATA chunks and DONE of one file, without waiting for the phone's answer."""
        self._request(b"SEND", _b(remote) + b"," + str(mode).encode())
        while True:
            chunk = source.read(SYNC_CHUNK)
            if not chunk:
                break
            self.sock.sendall(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total, remote)
        self.sock.sendall(b"DONE" + struct.pack("<I", mtime & 0xFFFFFFFF))
        return done

    def _acknowledged(self, remote: str) -> str:
        """Read the phone's answer to one file sent: OKAY (returns `remote`), or a FAIL raised as PhoneError."""
        reply = self._read(4)
        if reply == b"FAIL":
            raise self._fail(f"cannot write {remote}")
        if reply != b"OKAY":
            raise PhoneError(f"{self.serial}: unexpected sync reply {reply!r} writing {remote}")
        self._read(4)
        return remote

    def recv(self, remote: str, local: Path, info: RemoteFile, progress: Progress | None,
             done: int, total: int) -> int:
        self._request(b"RECV", remote)
        partial = local.with_name(local.name + ".part")
        # O_NOFOLLOW: a symlink planted in the destination must not redirect the write
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            with os.fdopen(fd, "wb") as target:
                while True:
                    ident = self._read(4)
                    length = struct.unpack("<I", self._read(4))[0]
                    if ident == b"DONE":
                        break
                    if ident == b"FAIL":
                        raise PhoneError(f"{self.serial}: cannot read {remote}: {_s(self._read(length))}")
                    if ident != b"DATA":
                        raise PhoneError(f"{self.serial}: unexpected sync reply {ident!r} reading {remote}")
                    target.write(self._read(length))
                    done += length
                    if progress is not None:
                        progress(done, total, remote)
            if local.is_symlink():
                local.unlink()
            os.replace(partial, local)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.utime(local, (info.mtime, info.mtime))
        return done

    def quit(self) -> None:
        try:
            self.sock.sendall(b"QUIT" + struct.pack("<I", 0))
        except OSError:
            pass

