"""The virtual phone's adbd: listens on 127.0.0.1:adb_port, speaks the ADB transport (CNXN, AUTH,
OPEN/OKAY/WRTE/CLSE) with every host that connects, and hands each stream to `services`.

One reader thread per connection, one thread per stream's service, a write lock per connection.
Anything that is not ADB drops that connection only. Not for what the services do.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading

from .auth import Authenticator
from .payloads import PayloadPool
from .protocol import (
    A_AUTH,
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_VERSION,
    A_VERSION_MIN,
    A_VERSION_SKIP_CHECKSUM,
    A_WRTE,
    ADB_AUTH_RSAPUBLICKEY,
    ADB_AUTH_SIGNATURE,
    ADB_AUTH_TOKEN,
    HEADER_SIZE,
    MAX_HANDSHAKE_PAYLOAD,
    MAX_PAYLOAD,
    ProtocolError,
    checksum,
    device_banner,
    pack_header,
    unpack_header,
)
from .streams_adb import AdbStream

log = logging.getLogger(__name__)

#: What the banner advertises: only what is implemented (hosts act on every feature they see).
FEATURES = ["shell_v2", "cmd", "stat_v2", "ls_v2", "fixed_push_mkdir", "fixed_push_symlink_timestamp",
            "abb", "abb_exec"]
MAX_CONNECTIONS = 64  # host connections at once; more are closed at accept
MAX_STREAMS = 128  # open streams per connection; more are refused with CLSE (memory: 128 x 3 MiB at most)
MIN_HOST_PAYLOAD = 256  # a host offering less cannot carry a sync header plus a path
SOCKET_BUFFER = 4 * 1024 * 1024  # large kernel buffers keep 1 MiB WRTEs flowing


def register_with_adb_server(adb_port: int, server_port: int | None = None, timeout: float = 2.0) -> bool:
    """Tell a running adb server about a device on 127.0.0.1:adb_port (`host:emulator:PORT`).

    Returns False, quietly, when no server listens: the server's own port scan or a later
    `adb connect` finds the device then.
    """
    if server_port is None:
        server_port = int(os.environ.get("ANDROID_ADB_SERVER_PORT", "5037"))  # the adb server's own default
    request = f"host:emulator:{adb_port}".encode()
    try:
        with socket.create_connection(("127.0.0.1", server_port), timeout=timeout) as sock:
            sock.sendall(b"%04x" % len(request) + request)
            try:
                sock.recv(64)  # the server answers nothing and closes; wait so it reads us first
            except OSError:
                pass
        return True
    except OSError:
        return False


class Connection:
    """One host connection: handshake, stream table, packet dispatch."""

    def __init__(self, daemon: AdbDaemon, sock: socket.socket, peer: tuple):
        self.daemon = daemon
        self.phone = daemon.phone
        self.sock = sock
        self.peer = peer
        self.version = A_VERSION_MIN  # until the host's CNXN says otherwise
        self.max_payload = MAX_HANDSHAKE_PAYLOAD
        self.online = False
        self.host_banner = b""
        self._with_checksum = True
        self._write_lock = threading.Lock()
        self._streams: dict[int, AdbStream] = {}
        self._streams_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._token: bytes | None = None
        self._closed = False
        self._buffers = PayloadPool(MAX_PAYLOAD)

    # -- sending --------------------------------------------------------------------------------
    def send_packet(self, command: int, arg0: int, arg1: int, payload: bytes | bytearray | memoryview = b"") -> None:
        header = pack_header(command, arg0, arg1, payload, self._with_checksum)
        try:
            with self._write_lock:
                if payload:
                    self._send_all([header, payload])
                else:
                    self.sock.sendall(header)
        except OSError:
            self.close()

    def _send_all(self, parts: list) -> None:
        """sendmsg of header and payload, without joining them into a new buffer."""
        views = [memoryview(p).cast("B") for p in parts]
        while views:
            sent = self.sock.sendmsg(views)
            while views and sent >= len(views[0]):
                sent -= len(views[0])
                views.pop(0)
            if views and sent:
                views[0] = views[0][sent:]

    # -- receiving ------------------------------------------------------------------------------
    def _recv_exact_into(self, buf: memoryview) -> None:
        got = 0
        while got < len(buf):
            n = self.sock.recv_into(buf[got:])
            if n == 0:
                raise EOFError("host closed the connection")
            got += n

    def run(self) -> None:
        """Reader loop: one packet at a time until EOF, a protocol error or stop()."""
        header_buf = bytearray(HEADER_SIZE)
        header_view = memoryview(header_buf)
        try:
            while not self._closed:
                self._recv_exact_into(header_view)
                limit = self.max_payload if self.online else MAX_HANDSHAKE_PAYLOAD
                header = unpack_header(header_buf, limit)
                stream = None
                if header.command == A_WRTE and self.online:
                    stream = self._find(header.arg1, header.arg0)
                    if stream is not None and stream.expect(header.length):
                        self.send_packet(A_OKAY, stream.local_id, stream.remote_id)
                payload = self._buffers.lease(header.length)
                handed_over = False
                try:
                    if header.length:
                        view = payload.view
                        self._recv_exact_into(view)
                        # Version 0x01000000 hosts fill data_check; newer ones may leave it 0.
                        strict = self.online and self._with_checksum
                        if (strict or header.check) and checksum(view) != header.check:
                            raise ProtocolError(f"{header.name} checksum mismatch")
                    if stream is not None:
                        stream.deliver(payload)  # the stream owns it now and releases it
                        handed_over = True
                    elif header.command != A_WRTE:
                        self._dispatch(header.command, header.arg0, header.arg1, payload.view)
                finally:
                    if not handed_over:
                        payload.release()
        except (EOFError, OSError):
            pass
        except ProtocolError as exc:
            log.info("%s: dropping host %s: %s", self.phone.serial, self.peer, exc)
        except Exception:  # noqa: BLE001 - a bug in one connection must not take the phone down
            log.exception("%s: connection from %s failed", self.phone.serial, self.peer)
        finally:
            self.close()

    def _dispatch(self, command: int, arg0: int, arg1: int, payload: memoryview) -> None:
        """Every packet but WRTE, which `run` hands to its stream directly."""
        if command == A_CNXN:
            self._on_connect(arg0, arg1, payload)
        elif command == A_AUTH:
            self._on_auth(arg0, payload)
        elif not self.online:
            return  # adbd ignores stream packets from a host it has not accepted
        elif command == A_OPEN:
            self._on_open(arg0, payload)
        elif command == A_OKAY:
            stream = self._find(arg1, arg0)
            if stream is not None:
                stream.host_acknowledged()
        elif command == A_CLSE:
            stream = self._find(arg1, arg0)
            if stream is not None:
                self.forget(stream)
                if stream.host_closed():
                    self.send_packet(A_CLSE, stream.local_id, stream.remote_id)
        # SYNC and STLS from a host: nothing to do

    def _find(self, local_id: int, remote_id: int) -> AdbStream | None:
        with self._streams_lock:
            stream = self._streams.get(local_id)
        if stream is None or (remote_id and stream.remote_id != remote_id):
            return None
        return stream

    # -- handshake ------------------------------------------------------------------------------
    def _on_connect(self, version: int, max_payload: int, banner: memoryview) -> None:
        if max_payload < MIN_HOST_PAYLOAD:
            raise ProtocolError(f"host offers a max payload of {max_payload} bytes")
        if version < A_VERSION_MIN:
            raise ProtocolError(f"host speaks protocol version 0x{version:08x}, older than any adb")
        if self.online:  # a host reconnecting on the same socket starts over
            self._drop_streams()
            self.online = False
        self.version = min(version, A_VERSION)
        self._with_checksum = self.version < A_VERSION_SKIP_CHECKSUM
        self.max_payload = min(max_payload, MAX_PAYLOAD)
        self.host_banner = bytes(banner)
        if self.phone.config.auth:
            self._send_token()
        else:
            self._go_online()

    def _send_token(self) -> None:
        self._token = Authenticator.new_token()
        self.send_packet(A_AUTH, ADB_AUTH_TOKEN, 0, self._token)

    def _on_auth(self, kind: int, payload: memoryview) -> None:
        if self.online or self._token is None:
            return
        if kind == ADB_AUTH_SIGNATURE:
            if self.daemon.authenticator.verify_signature(self._token, bytes(payload)):
                self._go_online()
            else:
                self._send_token()  # adbd asks again; the host then offers its public key
        elif kind == ADB_AUTH_RSAPUBLICKEY:
            if self.daemon.authenticator.accept_public_key(bytes(payload)):
                self._go_online()
            # a refused key gets no answer: the host shows the device as unauthorized
        else:
            raise ProtocolError(f"unknown AUTH type {kind}")

    def _go_online(self) -> None:
        self._token = None
        self.online = True
        props = {key: self.phone.props.get(key, "")
                 for key in ("ro.product.name", "ro.product.model", "ro.product.device")}
        banner = device_banner(props, FEATURES)
        self.send_packet(A_CNXN, self.version, self.max_payload, banner)

    # -- streams --------------------------------------------------------------------------------
    def _on_open(self, remote_id: int, payload: memoryview) -> None:
        if remote_id == 0:
            return  # adbd ignores an OPEN without a host id
        raw = bytes(payload)
        # only the terminating NUL goes: abb_exec arguments are themselves NUL-separated
        service = (raw[:-1] if raw.endswith(b"\0") else raw).decode("utf-8", "surrogateescape")
        with self._streams_lock:
            crowded = len(self._streams) >= MAX_STREAMS
            if not crowded:
                local_id = next(self._ids)
                stream = AdbStream(self, local_id, remote_id, service)
                self._streams[local_id] = stream
        if crowded:
            self.send_packet(A_CLSE, 0, remote_id)
            return
        from .services import serve

        threading.Thread(target=serve, args=(self.phone, stream), daemon=True,
                         name=f"adb-{self.phone.serial}-{service[:24]}").start()

    def forget(self, stream: AdbStream) -> None:
        with self._streams_lock:
            if self._streams.get(stream.local_id) is stream:
                del self._streams[stream.local_id]

    def _drop_streams(self) -> None:
        with self._streams_lock:
            streams = list(self._streams.values())
            self._streams.clear()
        for stream in streams:
            stream.connection_lost()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._drop_streams()
        self.daemon._forget(self)


class AdbDaemon:
    """adbd for one VirtualPhone: `start()`, `stop()`, `register_with_adb_server()`."""

    def __init__(self, phone):
        self.phone = phone
        self.authenticator = Authenticator(phone.config.authorized_keys, phone.state_dir / "adb_keys")
        self._listener: socket.socket | None = None
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    @property
    def port(self) -> int:
        return self.phone.adb_port

    def start(self) -> AdbDaemon:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", self.port))
        except OSError as exc:
            listener.close()
            raise OSError(exc.errno, f"adb port {self.port} on 127.0.0.1 is taken ({exc.strerror}); "
                          "stop what uses it or give the phone another port") from None
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept_loop, daemon=True, name=f"adbd-{self.phone.serial}").start()
        return self

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopped.is_set():
            try:
                sock, peer = listener.accept()
            except OSError:
                return
            if self._stopped.is_set():
                sock.close()
                return
            with self._lock:
                crowded = len(self._connections) >= MAX_CONNECTIONS
            if crowded:
                sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                try:
                    sock.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)
                except OSError:
                    pass
            connection = Connection(self, sock, peer)
            with self._lock:
                self._connections.add(connection)
            threading.Thread(target=connection.run, daemon=True,
                             name=f"adbd-{self.phone.serial}-{peer[1]}").start()

    def _forget(self, connection: Connection) -> None:
        with self._lock:
            self._connections.discard(connection)

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def stop(self) -> None:
        """Close the listener and drop every host connection (their streams are cancelled)."""
        self._stopped.set()
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()

    def register_with_adb_server(self) -> bool:
        return register_with_adb_server(self.port)
