"""A minimal ADB host written against the wire format, for tests that need to send what real
clients never send (v1 checksums on demand, broken headers, floods) to the virtual phone, the
port pair every test phone with a fixed port takes, and a check that a stopped phone freed a port."""

from __future__ import annotations

import random
import socket
import struct
import time

from pytest_phonebackup.virtual.ports import find_free_console_port
from pytest_phonebackup.virtual.protocol import (
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_VERSION_MIN,
    A_VERSION_SKIP_CHECKSUM,
    A_WRTE,
    HEADER,
    HEADER_SIZE,
    MAX_PAYLOAD,
    checksum,
    pack_header,
)


def free_console_port() -> int:
    """An even console port P with P and P+1 free, far from 5554..5585: no adb server's scan finds
    the phone there (only its own registration does), and parallel test runs, which pick their
    phones from that range, do not race for it. The search starts at a random pair so that test
    processes running side by side rarely pick the same one."""
    start = random.randrange(20000, 60000, 2)
    try:
        return find_free_console_port(start, 60000)
    except OSError:
        return find_free_console_port(20000, start)


def refuses_connections(port: int, within: float = 5) -> bool:
    """True once nothing listens on `port` any more (a connection is refused) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return True
        time.sleep(0.05)
    return False


class RawHost:
    """One TCP connection to a phone's adb port, speaking packets by hand."""

    def __init__(self, port: int, timeout: float = 5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.version = A_VERSION_SKIP_CHECKSUM
        self.max_payload = MAX_PAYLOAD

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, command: int, arg0: int, arg1: int, payload: bytes = b"", check: bool | None = None) -> None:
        with_check = self.version == A_VERSION_MIN if check is None else check
        self.sock.sendall(pack_header(command, arg0, arg1, payload, with_check) + payload)

    def _recv_exact(self, n: int) -> bytes:
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError("the phone closed the connection")
            data += chunk
        return bytes(data)

    def recv(self) -> tuple[int, int, int, bytes, int]:
        """(command, arg0, arg1, payload, data_check) of the next packet."""
        command, arg0, arg1, length, check, magic = HEADER.unpack(self._recv_exact(HEADER_SIZE))
        assert magic == command ^ 0xFFFFFFFF
        return command, arg0, arg1, self._recv_exact(length) if length else b"", check

    def connect(self, version: int = A_VERSION_SKIP_CHECKSUM, max_payload: int = MAX_PAYLOAD) -> bytes:
        """CNXN handshake; returns the device banner."""
        self.version = version
        self.send(A_CNXN, version, max_payload, b"host::features=shell_v2\0")
        command, arg0, arg1, banner, check = self.recv()
        assert command == A_CNXN, hex(command)
        self.version, self.max_payload = arg0, arg1
        if version == A_VERSION_MIN:
            assert check == checksum(banner)
        return banner

    def open(self, local_id: int, service: str) -> tuple[int, int]:
        """OPEN; returns (command, device id) of the answer: OKAY(dev, local) or CLSE(0, local)."""
        self.send(A_OPEN, local_id, 0, service.encode() + b"\0")
        command, arg0, arg1, _, _ = self.recv()
        assert arg1 == local_id
        return command, arg0

    def read_stream(self, local_id: int, device_id: int) -> bytes:
        """Collect a stream's WRTEs (acknowledging each) until the device closes it."""
        out = bytearray()
        while True:
            command, arg0, arg1, payload, _ = self.recv()
            if command == A_WRTE:
                out += payload
                self.send(A_OKAY, local_id, device_id)
            elif command == A_CLSE:
                self.send(A_CLSE, local_id, device_id)
                return bytes(out)

    def is_dropped(self, timeout: float = 5.0) -> bool:
        """True once the phone closed this connection (EOF or reset), reading whatever comes first."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False


def shell_v2_packets(data: bytes) -> list[tuple[int, bytes]]:
    """Split a shell-protocol byte stream into (id, payload) packets."""
    packets = []
    while data:
        packet_id, length = struct.unpack_from("<BI", data)
        packets.append((packet_id, data[5:5 + length]))
        data = data[5 + length:]
    return packets
