"""Services of the virtual phone's adbd beyond shell and sync, through the real adb CLI:
port forwards to sockets the phone serves, abb_exec, root/unroot, and reboot with wait-for-device."""

from __future__ import annotations

import socket
import socketserver
import threading
import time

import pytest
from rawadb import free_console_port

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture(scope="module")
def phone(adb_server, tmp_path_factory):
    config = PhoneConfig(console_port=free_console_port(), data_dir=tmp_path_factory.mktemp("phone"),
                         storage_bytes=512 * 1024**2,
                         reboot_downtime=0.3)
    with VirtualPhone(config) as phone:
        adb_server.wait_for(phone.serial)
        yield phone


@pytest.fixture
def adb(adb_server, phone):
    return lambda *args, check=True, **kw: adb_server.run(*args, serial=phone.serial, check=check, **kw)


@pytest.fixture
def echo_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), EchoHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recv_exact(sock: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def test_forward_reaches_a_server_the_phone_serves(adb, phone, echo_server):
    phone.serve_port("tcp:6790", echo_server)
    local = free_port()
    adb("forward", f"tcp:{local}", "tcp:6790")
    try:
        clients = [socket.create_connection(("127.0.0.1", local), timeout=10) for _ in range(3)]
        payloads = [bytes([i]) * 300_000 for i in range(3)]  # more than one WRTE each way
        for client, payload in zip(clients, payloads, strict=True):
            client.sendall(payload)
        for client, payload in zip(clients, payloads, strict=True):
            assert recv_exact(client, len(payload)) == payload
            client.close()
    finally:
        adb("forward", "--remove", f"tcp:{local}", check=False)
        phone.unserve_port("tcp:6790")


def test_forward_to_a_port_nobody_serves_is_closed(adb):
    local = free_port()
    adb("forward", f"tcp:{local}", "tcp:6999")
    try:
        with socket.create_connection(("127.0.0.1", local), timeout=10) as client:
            client.sendall(b"GET /status HTTP/1.1\r\n\r\n")
            assert client.recv(100) == b""
    finally:
        adb("forward", "--remove", f"tcp:{local}", check=False)


def test_abb_exec_runs_cmd_with_nul_separated_arguments(adb_server, adb, phone):
    out = adb_server.service(phone.serial, "abb_exec:package\0list\0packages")
    assert out == adb("shell", "cmd package list packages").stdout
    assert b"package:android\n" in out


def test_root_and_unroot(adb_server, adb, phone):
    assert adb("root").stdout == b"restarting adbd as root\n"
    deadline = time.monotonic() + 15
    while not (phone.root and adb("shell", "echo $USER", check=False).stdout == b"root\n"):
        assert time.monotonic() < deadline, "adbd never came back as root"
        time.sleep(0.2)
    assert adb("root").stdout == b"adbd is already running as root\n"
    assert phone.props.get("service.adb.root") == "1"
    assert adb("unroot").stdout == b"restarting adbd as non root\n"
    deadline = time.monotonic() + 15
    while adb("shell", "echo $USER", check=False).stdout != b"shell\n":
        assert time.monotonic() < deadline, "adbd never came back unrooted"
        time.sleep(0.2)
    assert adb("unroot").stdout == b"adbd not running as root\n"


def test_reboot_then_wait_for_device_keeps_files(adb_server, adb, phone):
    phone.storage.write_bytes("/sdcard/DCIM/keep.jpg", b"precious" * 1000)
    boots = phone.boot_count
    adb("reboot")
    deadline = time.monotonic() + 10
    while phone.boot_count == boots:
        assert time.monotonic() < deadline, "the phone never rebooted"
        time.sleep(0.05)
    adb("wait-for-device", timeout=30)
    assert adb("shell", "getprop sys.boot_completed").stdout.strip() == b"1"
    assert adb("exec-out", "cat /sdcard/DCIM/keep.jpg").stdout == b"precious" * 1000
