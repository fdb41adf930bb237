"""Hostile input on the virtual phone's adb port: random bytes, mutated headers, wrong magic,
oversized lengths, unknown commands, bad checksums and WRTE floods drop that connection only;
the phone keeps serving fresh clients and its memory stays bounded."""

from __future__ import annotations

import logging
import random
import struct
import time

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rawadb import RawHost, free_console_port

from pytest_phonebackup.virtual import PhoneConfig, VirtualPhone
from pytest_phonebackup.virtual.protocol import (
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_VERSION_MIN,
    A_WRTE,
    COMMAND_NAMES,
    HEADER,
    MAX_PAYLOAD,
    pack_header,
)

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    config = PhoneConfig(console_port=free_console_port(), data_dir=tmp_path_factory.mktemp("fuzz") / "phone",
                         register_with_adb=False)
    with VirtualPhone(config) as phone:
        yield phone


def assert_still_serving(phone: VirtualPhone) -> None:
    with RawHost(phone.adb_port) as host:
        host.connect()
        command, device_id = host.open(1, "shell:echo alive")
        assert command == A_OKAY
        assert host.read_stream(1, device_id) == b"alive\n"


def wait_for_connections_at_most(phone: VirtualPhone, most: int) -> int:
    """The daemon forgets a dropped host on its own thread, a moment after the host sees the drop."""
    deadline = time.monotonic() + 5
    while phone.adbd.connections > most and time.monotonic() < deadline:
        time.sleep(0.05)
    return phone.adbd.connections


def rss() -> int:
    return psutil.Process().memory_info().rss


def valid_open(service: bytes = b"shell:echo hi\0") -> bytes:
    return pack_header(A_OPEN, 1, 0, service, False) + service


@FUZZ
@given(garbage=st.binary(min_size=24, max_size=4096))
def test_random_bytes_drop_the_connection(phone, garbage):
    command, _, _, _, _, magic = HEADER.unpack_from(garbage)
    if magic == command ^ 0xFFFFFFFF and command in COMMAND_NAMES:
        garbage = b"\0" * 24 + garbage  # keep it garbage: a zero header has the wrong magic
    with RawHost(phone.adb_port) as host:
        host.sock.sendall(garbage)
        assert host.is_dropped()


@FUZZ
@given(field=st.sampled_from(["magic", "length", "command"]), value=st.integers(0, 0xFFFFFFFF),
       connected=st.booleans())
def test_mutated_headers_drop_the_connection(phone, field, value, connected):
    header = list(HEADER.unpack(valid_open()[:24]))
    if field == "magic":
        header[5] = value if value != header[5] else value ^ 1
    elif field == "length":
        header[3] = MAX_PAYLOAD + 1 + value % (1 << 30)
    else:
        header[0] = value if value not in COMMAND_NAMES else value ^ 0x80
        header[5] = header[0] ^ 0xFFFFFFFF  # a well-formed header of a command that does not exist
    with RawHost(phone.adb_port) as host:
        if connected:
            host.connect()
        host.sock.sendall(HEADER.pack(*header) + b"x" * 64)
        assert host.is_dropped()


@FUZZ
@given(requests=st.lists(st.tuples(st.sampled_from([b"STAT", b"STA2", b"LST2", b"LIST", b"LIS2", b"SEND",
                                                    b"RECV", b"DATA", b"DONE", b"QUIT", b"JUNK"]),
                                   st.binary(max_size=80)), max_size=6),
       tail=st.binary(max_size=64))
def test_garbled_sync_requests_end_the_session_not_the_phone(phone, caplog, requests, tail):
    caplog.set_level(logging.ERROR)
    payload = b"".join(ident + struct.pack("<I", len(body)) + body for ident, body in requests) + tail
    with RawHost(phone.adb_port) as host:
        host.connect()
        command, device_id = host.open(1, "sync:")
        assert command == A_OKAY
        if payload:
            host.send(A_WRTE, 1, device_id, payload)
        host.send(A_CLSE, 1, device_id)
        host.sock.settimeout(5)
        while True:  # the phone answers what it can, then closes the stream
            kind, _, _, _, _ = host.recv()
            if kind == A_CLSE:
                break
            if kind == A_WRTE:
                host.send(A_OKAY, 1, device_id)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert phone.storage.resolve("/sdcard").device == "/storage/emulated/0"


def test_oversized_handshake_is_dropped(phone):
    with RawHost(phone.adb_port) as host:
        host.sock.sendall(HEADER.pack(A_CNXN, 0x01000001, MAX_PAYLOAD, 5000, 0, A_CNXN ^ 0xFFFFFFFF))
        assert host.is_dropped()


def test_bad_checksum_from_a_v1_host_is_dropped(phone):
    with RawHost(phone.adb_port) as host:
        host.connect(version=A_VERSION_MIN)
        service = b"shell:echo hi\0"
        command, arg0, arg1, length, check, magic = HEADER.unpack(pack_header(A_OPEN, 1, 0, service, True))
        host.sock.sendall(HEADER.pack(command, arg0, arg1, length, check + 1, magic) + service)
        assert host.is_dropped()


def test_wrte_flood_without_waiting_for_okay_is_dropped(phone, caplog):
    caplog.set_level(logging.INFO, logger="pytest_phonebackup.virtual.adbd")
    before = rss()
    with RawHost(phone.adb_port) as host:
        host.connect()
        command, device_id = host.open(1, "shell:cat")  # its output is never acknowledged
        assert command == A_OKAY
        chunk = b"\0" * MAX_PAYLOAD
        packet = pack_header(A_WRTE, 1, device_id, chunk, False) + chunk
        try:
            for _ in range(64):  # 64 MiB without waiting for a single OKAY
                host.sock.sendall(packet)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert host.is_dropped()
    assert "before its OKAY" in caplog.text
    assert rss() - before < 32 * 1024**2
    assert_still_serving(phone)


def test_memory_stays_bounded_and_phone_serves_after_abuse(phone):
    rng = random.Random(7)
    assert_still_serving(phone)
    before = rss()
    for round_ in range(300):
        with RawHost(phone.adb_port) as host:
            if round_ % 2:
                host.connect()
            junk = bytearray(rng.randbytes(rng.randrange(24, 2048)))
            struct.pack_into("<I", junk, 20, 0)  # magic 0: never valid
            host.sock.sendall(bytes(junk))
            assert host.is_dropped()
    assert rss() - before < 32 * 1024**2
    assert wait_for_connections_at_most(phone, 1) <= 1
    assert_still_serving(phone)


def test_hosts_that_vanish_mid_stream_leave_no_connections_behind(phone):
    for _ in range(20):
        host = RawHost(phone.adb_port)
        host.connect()
        host.open(1, "shell:cat")
        host.close()
    assert_still_serving(phone)
    assert wait_for_connections_at_most(phone, 0) == 0
