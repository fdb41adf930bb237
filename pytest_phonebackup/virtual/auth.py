"""ADB RSA authentication, device side: tokens, signature checks and android_pubkey parsing.

Used by `adbd` when `PhoneConfig.auth` is on. Keys a user accepts ("always allow") are kept in
the phone's state folder as adb_keys, like /data/misc/adb/adb_keys. Not for host-side keys.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from .protocol import TOKEN_SIZE

ANDROID_PUBKEY_MODULUS_SIZE = 2048 // 8  # android_pubkey.h: RSA-2048 only
ANDROID_PUBKEY_ENCODED_SIZE = 3 * 4 + 2 * ANDROID_PUBKEY_MODULUS_SIZE  # android_pubkey.h: 524 bytes


def parse_android_pubkey(blob: bytes) -> rsa.RSAPublicKey:
    """Decode the 524-byte android_pubkey struct (word count, n0inv, n, rr, e; little endian)."""
    if len(blob) != ANDROID_PUBKEY_ENCODED_SIZE:
        raise ValueError(f"android_pubkey is {len(blob)} bytes, expected {ANDROID_PUBKEY_ENCODED_SIZE}")
    words, _n0inv = struct.unpack_from("<II", blob, 0)
    if words != ANDROID_PUBKEY_MODULUS_SIZE // 4:
        raise ValueError(f"android_pubkey has a {words * 32}-bit modulus; only 2048-bit keys exist")
    modulus = int.from_bytes(blob[8:8 + ANDROID_PUBKEY_MODULUS_SIZE], "little")
    (exponent,) = struct.unpack_from("<I", blob, 8 + 2 * ANDROID_PUBKEY_MODULUS_SIZE)
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def parse_key_line(text: str | bytes) -> tuple[bytes, rsa.RSAPublicKey]:
    """`<base64 android_pubkey> user@host` (an adb_keys line or an AUTH RSAPUBLICKEY payload)."""
    if isinstance(text, bytes):
        text = text.rstrip(b"\0").decode("ascii", "replace")
    fields = text.strip().split()
    if not fields:
        raise ValueError("empty public key")
    try:
        blob = base64.b64decode(fields[0], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("public key is not base64") from None
    return blob, parse_android_pubkey(blob)


def load_keys(path: Path) -> dict[bytes, rsa.RSAPublicKey]:
    """Keys of an adb_keys file (unreadable lines are skipped, as adbd does)."""
    keys: dict[bytes, rsa.RSAPublicKey] = {}
    if not path.exists():
        return keys
    for line in path.read_text(errors="replace").splitlines():
        try:
            blob, key = parse_key_line(line)
        except ValueError:
            continue
        keys[blob] = key
    return keys


class Authenticator:
    """Decides whether a host may connect: a signed token from a known key, or an offered key."""

    def __init__(self, authorized_keys: Path | None, remembered_keys: Path):
        self.authorized_keys = Path(authorized_keys) if authorized_keys is not None else None
        self.remembered_keys = remembered_keys  # keys accepted when any key is welcome
        self._lock = threading.Lock()

    @staticmethod
    def new_token() -> bytes:
        return os.urandom(TOKEN_SIZE)

    def _known_keys(self) -> dict[bytes, rsa.RSAPublicKey]:
        if self.authorized_keys is not None:
            return load_keys(self.authorized_keys)
        with self._lock:
            return load_keys(self.remembered_keys)

    def verify_signature(self, token: bytes, signature: bytes) -> bool:
        """True if a known key signed `token` (PKCS#1 v1.5, the token taken as a SHA-1 digest)."""
        for key in self._known_keys().values():
            try:
                key.verify(signature, token, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))
                return True
            except (InvalidSignature, ValueError):
                continue
        return False

    def accept_public_key(self, payload: bytes) -> bool:
        """The host offers its key (the 'Allow USB debugging?' moment on a phone)."""
        try:
            blob, _key = parse_key_line(payload)
        except ValueError:
            return False
        if self.authorized_keys is not None:
            return blob in load_keys(self.authorized_keys)
        with self._lock:
            if blob not in load_keys(self.remembered_keys):
                self.remembered_keys.parent.mkdir(parents=True, exist_ok=True)
                comment = payload.rstrip(b"\0").decode("ascii", "replace").split(None, 1)
                line = base64.b64encode(blob).decode() + (" " + comment[1] if len(comment) > 1 else "")
                with open(self.remembered_keys, "a") as out:
                    out.write(line.strip() + "\n")
        return True
