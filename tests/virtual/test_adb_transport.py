"""The virtual phone's ADB transport as real hosts see it: the adb server and CLI, adbutils, and
adb-shell connecting directly (protocol version 0x01000000 with checksums, RSA auth)."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import adbutils
import pytest
from adb_shell.adb_device import AdbDeviceTcp
from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_pythonrsa import PythonRSASigner
from rawadb import RawHost, free_console_port, shell_v2_packets

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.adbd import FEATURES
from pytest_phonebackup.virtual.protocol import (
    A_AUTH,
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_VERSION_MIN,
    A_VERSION_SKIP_CHECKSUM,
    A_WRTE,
    ADB_AUTH_TOKEN,
    MAX_PAYLOAD,
    checksum,
)


@pytest.fixture
def direct_phone(tmp_path: Path):
    """A phone that no adb server knows about: only clients that connect directly reach it."""
    config = PhoneConfig(console_port=free_console_port(), data_dir=tmp_path / "direct",
                         storage_bytes=1024**3, register_with_adb=False)
    with VirtualPhone(config) as phone:
        yield phone


def adb_shell_client(phone: VirtualPhone, keys: list | None = None, auth_timeout: float = 1.0) -> AdbDeviceTcp:
    client = AdbDeviceTcp("127.0.0.1", phone.adb_port, default_transport_timeout_s=10.0)
    client.connect(rsa_keys=keys, auth_timeout_s=auth_timeout)
    return client


def make_signer(folder: Path, name: str) -> tuple[PythonRSASigner, str]:
    """An adb key pair as `adb keygen` makes it; returns the signer and the public key line."""
    path = folder / name
    keygen(str(path))
    return PythonRSASigner.FromRSAKeyPath(str(path)), Path(str(path) + ".pub").read_text()


# -- the adb server and CLI ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def virtual_phone(adb_server, tmp_path_factory):
    """One phone for this module's read-mostly tests (a fresh one per test costs the adb server's
    reconnect delay, about a second)."""
    config = PhoneConfig(console_port=free_console_port(), data_dir=tmp_path_factory.mktemp("phone"),
                         storage_bytes=1024**3)
    with VirtualPhone(config) as phone:
        adb_server.wait_for(phone.serial)
        yield phone


def test_adb_devices_shows_model_product_and_device(adb_server, virtual_phone):
    out = adb_server.run("devices", "-l").stdout.decode()
    line = next(row for row in out.splitlines() if row.startswith(virtual_phone.serial))
    assert " device " in line
    assert "product:sdk_gphone64_x86_64" in line
    assert "model:sdk_gphone64_x86_64" in line
    assert "device:emu64x" in line


def test_banner_advertises_only_implemented_features(adb_server, virtual_phone):
    out = adb_server.run("features", serial=virtual_phone.serial).stdout.decode()
    assert set(out.split()) == set(FEATURES)


def test_shell_keeps_stdout_stderr_and_exit_code_apart(adb_server, virtual_phone):
    proc = adb_server.run("shell", "echo out; echo err >&2; exit 7", serial=virtual_phone.serial, check=False)
    assert proc.returncode == 7
    assert proc.stdout == b"out\n"
    assert proc.stderr == b"err\n"


def test_shell_feeds_host_stdin_to_the_command(adb_server, virtual_phone):
    data = os.urandom(300_000).hex().encode() + b"\n"  # several stdin packets and WRTEs
    proc = adb_server.run("shell", "cat", serial=virtual_phone.serial, input=data)
    assert hashlib.sha256(proc.stdout).hexdigest() == hashlib.sha256(data).hexdigest()


def test_exec_out_is_binary_safe(adb_server, virtual_phone):
    blob = bytes(range(256)) * 4096 + b"\r\n\n\r"
    virtual_phone.storage.write_bytes("/sdcard/blob.bin", blob)
    proc = adb_server.run("exec-out", "cat /sdcard/blob.bin", serial=virtual_phone.serial)
    assert proc.stdout == blob


def test_adbutils_shell2_reports_exit_codes(adb_server, virtual_phone):
    device = adbutils.AdbClient(port=adb_server.port).device(virtual_phone.serial)
    result = device.shell2("echo hello; exit 3", v2=True)  # shell protocol: exit packet
    assert (result.returncode, result.stdout) == (3, "hello\n")
    result = device.shell2("echo hello; false")  # raw shell, status read from `echo X4EXIT:$?`
    assert (result.returncode, result.output) == (1, "hello\n")
    assert device.prop.model == "sdk_gphone64_x86_64"


# -- adb-shell, directly (no adb server) ------------------------------------------------------------

def test_adb_shell_library_runs_commands_over_raw_shell(direct_phone):
    client = adb_shell_client(direct_phone)
    try:
        assert client.shell("echo hi from the phone") == "hi from the phone\n"
        assert client.shell("getprop ro.product.model").strip() == "sdk_gphone64_x86_64"
    finally:
        client.close()


def test_adb_shell_library_pushes_and_pulls(direct_phone, tmp_path):
    source = tmp_path / "up.bin"
    source.write_bytes(os.urandom(3_000_000))
    back = tmp_path / "down.bin"
    client = adb_shell_client(direct_phone)
    try:
        client.push(str(source), "/sdcard/Download/up.bin", mtime=1_600_000_000)
        client.pull("/sdcard/Download/up.bin", str(back))
        mode, size, mtime = client.stat("/sdcard/Download/up.bin")
    finally:
        client.close()
    assert back.read_bytes() == source.read_bytes()
    assert (size, mtime) == (3_000_000, 1_600_000_000)
    assert direct_phone.storage.stat("/sdcard/Download/up.bin").st_size == 3_000_000


def test_auth_accepts_a_key_the_user_allows_and_remembers_it(tmp_path):
    signer, _ = make_signer(tmp_path, "adbkey")
    config = PhoneConfig(console_port=free_console_port(), data_dir=tmp_path / "phone", auth=True,
                         register_with_adb=False)
    with VirtualPhone(config) as phone:
        client = adb_shell_client(phone, [signer])  # signature refused, then the public key is offered
        assert client.shell("echo allowed") == "allowed\n"
        client.close()
        assert (phone.state_dir / "adb_keys").read_text().count("\n") == 1
        client = adb_shell_client(phone, [signer], auth_timeout=0.1)  # now the signature alone suffices
        assert client.shell("echo again") == "again\n"
        client.close()


def test_auth_refuses_keys_outside_authorized_keys(tmp_path):
    good, good_line = make_signer(tmp_path, "good")
    bad, _ = make_signer(tmp_path, "bad")
    keys = tmp_path / "adb_keys"
    keys.write_text(good_line + "\n")
    config = PhoneConfig(console_port=free_console_port(), data_dir=tmp_path / "phone", auth=True,
                         authorized_keys=keys, register_with_adb=False)
    with VirtualPhone(config) as phone:
        with pytest.raises(Exception):  # noqa: B017 - adb-shell raises its own timeout/auth errors
            adb_shell_client(phone, [bad], auth_timeout=0.5)
        client = adb_shell_client(phone, [good], auth_timeout=0.5)
        assert client.shell("echo trusted") == "trusted\n"
        client.close()


def test_auth_without_a_key_never_gets_a_connection(tmp_path):
    config = PhoneConfig(console_port=free_console_port(), data_dir=tmp_path / "phone", auth=True,
                         register_with_adb=False)
    with VirtualPhone(config) as phone, RawHost(phone.adb_port) as host:
        host.send(A_CNXN, A_VERSION_SKIP_CHECKSUM, MAX_PAYLOAD, b"host::\0")
        command, kind, _, token, _ = host.recv()
        assert (command, kind, len(token)) == (A_AUTH, ADB_AUTH_TOKEN, 20)
        host.send(A_OPEN, 1, 0, b"shell:echo no\0")  # before auth: ignored
        host.sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            host.recv()


# -- several hosts, several streams ------------------------------------------------------------------

def test_v1_host_gets_checksummed_packets(direct_phone):
    with RawHost(direct_phone.adb_port) as host:
        host.connect(version=A_VERSION_MIN, max_payload=4096)
        assert host.max_payload == 4096
        command, device_id = host.open(1, "shell,v2:echo checked")
        assert command == A_OKAY
        command, _, _, payload, check = host.recv()
        assert command == A_WRTE and check == checksum(payload)
        assert shell_v2_packets(payload)[0] == (1, b"checked\n")


def test_many_streams_at_once_on_one_connection(direct_phone):
    with RawHost(direct_phone.adb_port) as host:
        host.connect()
        outputs: dict[int, bytearray] = {}
        device_ids = {}
        for local in range(1, 21):
            host.send(A_OPEN, local, 0, f"shell:echo stream {local}\0".encode())
        while len(outputs) < 20 or any(local in device_ids for local in outputs):
            command, arg0, arg1, payload, _ = host.recv()
            if command == A_OKAY:
                device_ids[arg1] = arg0
                outputs.setdefault(arg1, bytearray())
            elif command == A_WRTE:
                outputs[arg1] += payload
                host.send(A_OKAY, arg1, arg0)
            elif command == A_CLSE:
                host.send(A_CLSE, arg1, arg0)
                device_ids.pop(arg1)
        assert {local: bytes(out) for local, out in outputs.items()} == {
            local: f"stream {local}\n".encode() for local in range(1, 21)}


def test_interactive_shell_prompts_echoes_and_exits(direct_phone):
    with RawHost(direct_phone.adb_port) as host:
        host.connect()
        command, device_id = host.open(1, "shell:")  # no command: a pty session
        assert command == A_OKAY
        output = bytearray()

        def read_until(marker: bytes) -> None:
            while marker not in output:
                kind, _, _, payload, _ = host.recv()
                assert kind == A_WRTE
                output.extend(payload)
                host.send(A_OKAY, 1, device_id)

        read_until(b"emu64x:/ $ ")
        host.send(A_WRTE, 1, device_id, b"echo hi there\r")
        assert host.recv()[0] == A_OKAY
        read_until(b"hi there\r\nemu64x:/ $ ")
        host.send(A_WRTE, 1, device_id, b"exit\r")
        assert host.recv()[0] == A_OKAY
        assert host.read_stream(1, device_id) in (b"", b"exit\r\n")
        assert output.startswith(b"emu64x:/ $ echo hi there\r\nhi there\r\n")


def test_piped_shell_without_command_runs_lines_silently(adb_server, virtual_phone):
    script = b"echo one\nfor x in a b; do\n  echo $x\ndone\necho two\n"
    proc = adb_server.run("shell", serial=virtual_phone.serial, input=script)
    assert proc.stdout == b"one\na\nb\ntwo\n"


def test_output_reaches_the_host_while_the_command_still_runs(direct_phone):
    with RawHost(direct_phone.adb_port) as host:
        host.connect()
        command, device_id = host.open(1, "shell,v2:echo first; sleep 5; echo second")
        assert command == A_OKAY
        host.sock.settimeout(2)  # well before the command ends
        kind, _, _, payload, _ = host.recv()
        assert kind == A_WRTE and shell_v2_packets(payload) == [(1, b"first\n")]
        host.send(A_CLSE, 1, device_id)  # hang up: the phone stops the command


def test_abb_speaks_the_shell_protocol_with_an_exit_code(direct_phone):
    with RawHost(direct_phone.adb_port) as host:
        host.connect()
        command, device_id = host.open(1, "abb:package\0list\0packages")
        assert command == A_OKAY
        packets = shell_v2_packets(host.read_stream(1, device_id))
    stdout = b"".join(data for kind, data in packets if kind == 1)
    assert b"package:android\n" in stdout
    assert packets[-1] == (3, b"\0")  # exit packet, status 0


def test_unknown_service_is_refused_with_clse(direct_phone):
    with RawHost(direct_phone.adb_port) as host:
        host.connect()
        assert host.open(7, "no-such-service:") == (A_CLSE, 0)
        assert host.open(8, "tcp:1") == (A_CLSE, 0)  # nothing served there
        command, device_id = host.open(9, "shell:echo still here")
        assert command == A_OKAY
        assert host.read_stream(9, device_id) == b"still here\n"


def test_second_host_is_served_while_the_first_is_busy(adb_server, virtual_phone, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(40_000_000))
    busy = RawHost(virtual_phone.adb_port)
    busy.connect()
    command, _ = busy.open(1, "shell:cat")  # waits for stdin forever
    assert command == A_OKAY
    pushing = threading.Thread(target=adb_server.run, args=("push", str(big), "/sdcard/big.bin"),
                               kwargs={"serial": virtual_phone.serial})
    pushing.start()
    try:
        client = adb_shell_client(virtual_phone)
        assert client.shell("echo third host") == "third host\n"
        assert virtual_phone.adbd.connections >= 3
        client.close()
    finally:
        pushing.join()
        busy.close()
    assert virtual_phone.storage.stat("/sdcard/big.bin").st_size == 40_000_000


def test_stop_drops_every_connection(direct_phone):
    host = RawHost(direct_phone.adb_port)
    host.connect()
    direct_phone.adbd.stop()
    assert host.is_dropped()
    with pytest.raises(OSError):
        RawHost(direct_phone.adb_port, timeout=1).connect()


def test_cli_connect_by_address_works(adb_server, direct_phone):
    address = f"127.0.0.1:{direct_phone.adb_port}"
    out = adb_server.run("connect", address).stdout.decode()
    assert "connected" in out
    try:
        adb_server.wait_for(address)
        assert adb_server.run("shell", "echo by address", serial=address).stdout == b"by address\n"
    finally:
        adb_server.run("disconnect", address, check=False)

