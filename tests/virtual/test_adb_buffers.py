"""Receive buffers of the ADB transport: a buffer is handed out again only after the payload that
holds it was released, however many payloads are held at once, and a stream releases what it consumed."""

from __future__ import annotations

import hashlib
import os

from pytest_phonebackup.virtual.payloads import PayloadPool
from pytest_phonebackup.virtual.streams_adb import AdbStream

LARGE = 256 * 1024  # pooled
SMALL = 100  # a buffer of its own


def filled(pool: PayloadPool, length: int, byte: int):
    payload = pool.lease(length)
    payload.view[:] = bytes([byte]) * length
    return payload


def test_a_held_payload_is_never_handed_out_again():
    pool = PayloadPool()
    held = filled(pool, LARGE, 0xAA)
    others = [filled(pool, LARGE, n) for n in range(2 * PayloadPool.COUNT)]
    for other in others:
        assert other.buffer is not held.buffer
        other.release()
    again = [filled(pool, LARGE, 0x55) for _ in range(2 * PayloadPool.COUNT)]
    assert all(payload.buffer is not held.buffer for payload in again)
    assert held.view.tobytes() == b"\xaa" * LARGE, "the held bytes are unchanged"


def test_a_released_buffer_is_reused_once_and_only_once():
    pool = PayloadPool()
    first = pool.lease(LARGE)
    buffer = first.buffer
    first.release()
    first.release()  # a second release returns nothing more
    assert pool.free == 1
    reused = pool.lease(LARGE)
    assert reused.buffer is buffer, "released buffers are recycled"
    assert pool.lease(LARGE).buffer is not buffer, "but handed out to one holder at a time"


def test_small_payloads_have_their_own_buffers_and_are_not_kept():
    pool = PayloadPool()
    payload = pool.lease(SMALL)
    assert len(payload.buffer) == SMALL
    payload.release()
    assert pool.free == 0


def test_consuming_a_payload_moves_its_start():
    pool = PayloadPool()
    payload = pool.lease(SMALL)
    payload.view[:] = bytes(range(SMALL))
    assert payload.consume(10).tobytes() == bytes(range(10))
    assert len(payload) == SMALL - 10
    assert payload.view.tobytes() == bytes(range(10, SMALL))
    assert payload.consume(1000).tobytes() == bytes(range(10, SMALL))
    assert len(payload) == 0


class FakeConnection:
    """What a stream needs of its connection: packets are recorded, not sent."""

    max_payload = 1024 * 1024

    def __init__(self) -> None:
        self.packets: list[tuple[int, int, int]] = []

    def send_packet(self, command: int, arg0: int, arg1: int, payload: bytes = b"") -> None:
        self.packets.append((command, arg0, arg1))

    def forget(self, stream: AdbStream) -> None:
        pass


def deliver(stream: AdbStream, pool: PayloadPool, data: bytes):
    payload = pool.lease(len(data))
    payload.view[:] = data
    stream.expect(len(data))
    stream.deliver(payload)
    return payload


def test_a_taken_payload_stays_intact_while_more_arrive_and_returns_to_the_pool_when_given_back():
    pool = PayloadPool()
    stream = AdbStream(FakeConnection(), 1, 1, "sync:")
    first = os.urandom(LARGE)
    deliver(stream, pool, first)
    taken = stream.take()
    for _ in range(2 * PayloadPool.COUNT):  # the host keeps writing while the service holds `taken`
        deliver(stream, pool, os.urandom(LARGE))
        stream.read(LARGE)
    assert taken.view.tobytes() == first, "no later payload was received into a buffer still in use"
    assert taken.consume(10).tobytes() == first[:10]
    stream.give_back(taken)
    assert stream.read(LARGE) == first[10:], "the unconsumed rest is read again"
    assert taken.released
    assert pool.free == 2, "one buffer cycled while the taken one was held; both are free now"


def test_read_into_releases_each_payload_after_the_sink_saw_it():
    pool = PayloadPool()
    stream = AdbStream(FakeConnection(), 1, 1, "sync:")
    data = [os.urandom(LARGE) for _ in range(3)]
    payloads = [deliver(stream, pool, chunk) for chunk in data]
    seen = hashlib.sha256()
    stream.read_into(3 * LARGE, seen.update)
    assert seen.digest() == hashlib.sha256(b"".join(data)).digest()
    assert all(payload.released for payload in payloads)
    assert pool.free == 3


def test_closing_a_stream_releases_what_it_still_held():
    pool = PayloadPool()
    stream = AdbStream(FakeConnection(), 1, 1, "sync:")
    payloads = [deliver(stream, pool, os.urandom(LARGE)) for _ in range(3)]
    stream.close()
    assert all(payload.released for payload in payloads)
    late = deliver(stream, pool, os.urandom(LARGE))
    assert late.released, "a payload for a closed stream goes straight back"
    assert pool.free == 3


def test_pushes_and_pulls_through_adb_stay_byte_exact(adb_server, phone, tmp_path):
    sizes = [0, 1, 64 * 1024 - 1, 64 * 1024, 1024 * 1024 + 17, 5 * 1024 * 1024 + 3]
    for size in sizes:
        data = os.urandom(size)
        local = tmp_path / f"in-{size}.bin"
        local.write_bytes(data)
        remote = f"/sdcard/Download/buffers-{size}.bin"
        adb_server.run("push", str(local), remote, serial=phone.serial)
        back = tmp_path / f"out-{size}.bin"
        adb_server.run("pull", remote, str(back), serial=phone.serial)
        assert back.read_bytes() == data, f"{size} bytes came back changed"
        adb_server.run("shell", "rm", remote, serial=phone.serial)
