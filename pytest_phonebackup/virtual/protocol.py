"""The ADB wire format, device side: packet headers, constants and the payload checksum.

Only the bytes of the transport live here (AOSP adb protocol.txt, adb.h); what a connection does
with them is in `adbd`, sync messages in `sync`, shell-protocol packets in `services`.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

# protocol.txt "--- CONNECT(version, maxdata, "system-identity-string")": the commands, as u32 LE.
A_SYNC = 0x434E5953  # adb.h: obsolete, never sent by current hosts
A_CNXN = 0x4E584E43  # adb.h: CONNECT
A_OPEN = 0x4E45504F  # adb.h: OPEN(local-id, 0, "destination")
A_OKAY = 0x59414B4F  # adb.h: READY(local-id, remote-id, "")
A_CLSE = 0x45534C43  # adb.h: CLOSE(local-id, remote-id, "")
A_WRTE = 0x45545257  # adb.h: WRITE(local-id, remote-id, "data")
A_AUTH = 0x48545541  # adb.h: AUTH(type, 0, "data")
A_STLS = 0x534C5453  # adb.h: STLS; never sent by this device (adb 29 stalls on it)

COMMAND_NAMES = {A_SYNC: "SYNC", A_CNXN: "CNXN", A_OPEN: "OPEN", A_OKAY: "OKAY", A_CLSE: "CLSE",
                 A_WRTE: "WRTE", A_AUTH: "AUTH", A_STLS: "STLS"}

A_VERSION_MIN = 0x01000000  # adb.h: the original version; payloads carry a byte-sum checksum
A_VERSION_SKIP_CHECKSUM = 0x01000001  # adb.h: hosts from 2017 on neither fill nor check the sum
A_VERSION = A_VERSION_SKIP_CHECKSUM  # what this device speaks at best

MAX_PAYLOAD_V1 = 4 * 1024  # adb.h MAX_PAYLOAD_V1: the limit before version 0x01000001
MAX_PAYLOAD = 1024 * 1024  # adb.h MAX_PAYLOAD: the largest payload any side may negotiate
MAX_HANDSHAKE_PAYLOAD = 4 * 1024  # adb.cpp: CNXN and AUTH payloads stay within MAX_PAYLOAD_V1

ADB_AUTH_TOKEN = 1  # adb.h: AUTH(TOKEN, 0, 20 random bytes) from the device
ADB_AUTH_SIGNATURE = 2  # adb.h: AUTH(SIGNATURE, 0, RSA signature of the token) from the host
ADB_AUTH_RSAPUBLICKEY = 3  # adb.h: AUTH(RSAPUBLICKEY, 0, base64 android_pubkey + " user@host\0")
TOKEN_SIZE = 20  # adb_auth.h: the token is treated as a SHA-1 digest when signed

HEADER = struct.Struct("<6I")  # amessage: command, arg0, arg1, data_length, data_check, magic
HEADER_SIZE = HEADER.size


class ProtocolError(Exception):
    """A host sent something that is not ADB; the connection that carried it is dropped."""


class Header(NamedTuple):
    command: int
    arg0: int
    arg1: int
    length: int
    check: int

    @property
    def name(self) -> str:
        return command_name(self.command)


def command_name(command: int) -> str:
    return COMMAND_NAMES.get(command, f"0x{command:08x}")


def checksum(payload: bytes | bytearray | memoryview) -> int:
    """The unsigned sum of the payload's bytes (amessage.data_check for version 0x01000000).

    zlib.adler32 started at 0 keeps the byte sum modulo 65521 in its low half; slices of 256
    bytes never reach that modulus, so the sums are exact. About 4x faster than sum(bytes).
    """
    view = memoryview(payload).cast("B")
    adler = zlib.adler32
    total = 0
    for start in range(0, len(view), 256):
        total += adler(view[start:start + 256], 0) & 0xFFFF
    return total & 0xFFFFFFFF


def pack_header(command: int, arg0: int, arg1: int, payload: bytes | bytearray | memoryview = b"",
                with_checksum: bool = True) -> bytes:
    """The 24-byte header for a packet carrying `payload`."""
    check = checksum(payload) if with_checksum and payload else 0
    return HEADER.pack(command, arg0 & 0xFFFFFFFF, arg1 & 0xFFFFFFFF, len(payload), check,
                       command ^ 0xFFFFFFFF)


def unpack_header(raw: bytes | bytearray | memoryview, max_payload: int) -> Header:
    """Parse and validate a header: the magic must match and the length fit `max_payload`."""
    command, arg0, arg1, length, check, magic = HEADER.unpack(raw)
    if magic != command ^ 0xFFFFFFFF:
        raise ProtocolError(f"bad magic 0x{magic:08x} for command 0x{command:08x}")
    if command not in COMMAND_NAMES:
        raise ProtocolError(f"unknown command 0x{command:08x}")
    if length > max_payload:
        raise ProtocolError(f"{command_name(command)} payload of {length} bytes exceeds {max_payload}")
    return Header(command, arg0, arg1, length, check)


def device_banner(props: dict[str, str], features: list[str]) -> bytes:
    """The CNXN identity string: `device::ro.product.name=..;..;features=a,b` (no ':' in values)."""
    fields = [f"{key}={props.get(key, '').replace(':', '_').replace(';', '_')}"
              for key in ("ro.product.name", "ro.product.model", "ro.product.device")]
    return ("device::" + ";".join(fields + ["features=" + ",".join(features)])).encode()
