"""Encrypted backups for adb-mirror (`--password`): the mirrored files and their index are sealed
with AES-256-GCM under a key derived from the password with scrypt (the `cryptography` package), in
chunks so big videos never sit whole in memory; names, sizes and hashes live only in the sealed index.

    DEST/encryption.json   scheme, scrypt salt and cost (no key, nothing secret)
    DEST/index.enc         the sealed index: path -> size, mtime, sha256, blob
    DEST/blobs/<random>    each file, sealed chunk by chunk

Its deliberate defects: `obfuscate` "encrypts" by scrambling each file's first bytes and leaves the
rest readable; `ignore-password` keeps the key beside the backup and restores with it, whatever
password is given. Not for mirroring itself (mirror.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import struct
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

HEADER = "encryption.json"
SEALED_INDEX = "index.enc"
BLOBS = "blobs"
SCHEME = "aes-256-gcm+scrypt/1"
OBFUSCATED = "obfuscated/1"  # the `obfuscate` defect's scheme
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # the cost scrypt's authors recommend for interactive logins
CHUNK = 1 << 20  # plaintext bytes per sealed chunk
TAG = 16  # AES-GCM tag bytes per chunk
SCRAMBLED = 64  # bytes at the start of each file the `obfuscate` defect scrambles

#: faults of this module: name -> what the broken tool does
ENCRYPTION_FAULTS = {
    "obfuscate": "encrypts by scrambling each file's first bytes, leaving the rest as plaintext",
    "ignore-password": "keeps the key beside the backup and restores with it, whatever the password",
}


class WrongPassword(Exception):
    """The password does not open this backup."""


def is_encrypted(folder: Path) -> bool:
    return (folder / HEADER).exists()


def derive_key(password: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(password.encode("utf-8"))


def _seal_stream(key: bytes, source: Path, target: Path, label: bytes) -> None:
    """Seal `source` chunk by chunk: a random 7-byte prefix, then per chunk a 4-byte counter and a
    last-chunk flag make the nonce; the label (the blob name) is the associated data, so chunks
    cannot be swapped, reordered, dropped or cut off unnoticed."""
    aead = AESGCM(key)
    prefix = secrets.token_bytes(7)
    size = source.stat().st_size
    with source.open("rb") as src, target.open("wb") as out:
        out.write(prefix)
        counter, done = 0, 0
        while True:
            chunk = src.read(CHUNK)
            done += len(chunk)
            last = done >= size
            nonce = prefix + struct.pack(">I?", counter, last)
            out.write(aead.encrypt(nonce, chunk, label))
            counter += 1
            if last:
                return


def _open_stream(key: bytes, source: Path, target: Path, label: bytes) -> None:
    aead = AESGCM(key)
    with source.open("rb") as src, target.open("wb") as out:
        prefix = src.read(7)
        counter = 0
        chunk = src.read(CHUNK + TAG)
        while True:
            following = src.read(CHUNK + TAG)
            last = not following
            nonce = prefix + struct.pack(">I?", counter, last)
            out.write(aead.decrypt(nonce, chunk, label))
            if last:
                return
            chunk, counter = following, counter + 1


def _scramble(pad_key: bytes, source: Path, target: Path) -> None:
    """The `obfuscate` defect: XOR the first bytes with a pad from the password, copy the rest."""
    data = source.read_bytes()
    head = bytes(b ^ p for b, p in zip(data[:SCRAMBLED], hashlib.sha512(pad_key).digest(), strict=False))
    target.write_bytes(head + data[SCRAMBLED:])


def seal(index: dict[str, dict[str, Any]], files: Path, dest: Path, password: str,
         fault: str | None = None) -> list[str]:
    """Write the encrypted form of a plain mirror (`files` holding `index`'s paths) into `dest`,
    replacing an earlier encrypted backup there. Returns the paths left readable by a fault."""
    salt = secrets.token_bytes(16)
    key = derive_key(password, salt)
    blobs = dest / BLOBS
    fresh = dest / (BLOBS + ".partial")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    sealed: dict[str, dict[str, Any]] = {}
    readable = []
    for rel in sorted(index):
        blob = secrets.token_hex(16)
        source = files.joinpath(*rel.split("/"))
        if fault == "obfuscate":
            _scramble(key, source, fresh / blob)
            if index[rel]["size"] >= 2 * SCRAMBLED:  # at least as much left readable as scrambled
                readable.append(rel)
        else:
            _seal_stream(key, source, fresh / blob, blob.encode())
        sealed[rel] = dict(index[rel], blob=blob)
    header: dict[str, Any] = {"scheme": OBFUSCATED if fault == "obfuscate" else SCHEME,
                              "salt": base64.b64encode(salt).decode(), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
    if fault == "ignore-password":
        header["recovery_key"] = base64.b64encode(key).decode()  # the defect: the key beside the lock
    text = json.dumps(sealed, sort_keys=True).encode()
    if fault == "obfuscate":
        body = base64.b64encode(text)
    else:
        nonce = secrets.token_bytes(12)
        body = nonce + AESGCM(key).encrypt(nonce, text, SEALED_INDEX.encode())
    (dest / (SEALED_INDEX + ".partial")).write_bytes(body)
    shutil.rmtree(blobs, ignore_errors=True)
    os.replace(fresh, blobs)
    os.replace(dest / (SEALED_INDEX + ".partial"), dest / SEALED_INDEX)
    (dest / HEADER).write_text(json.dumps(header, indent=1))
    return readable


def _open_index(body: bytes, key: bytes) -> bytes:
    return AESGCM(key).decrypt(body[:12], body[12:], SEALED_INDEX.encode())


def unseal(src: Path, password: str, plain: Path, fault: str | None = None) -> tuple[dict[str, dict[str, Any]], bool]:
    """Open an encrypted backup into `plain/files`: (its index, whether the password was wrong and
    ignored by the `ignore-password` defect). A wrong password raises WrongPassword before anything is
    written (the sealed index does not open)."""
    header = json.loads((src / HEADER).read_text())
    key = derive_key(password, base64.b64decode(header["salt"]))
    body = (src / SEALED_INDEX).read_bytes()
    obfuscated = header.get("scheme") == OBFUSCATED
    ignored = False
    try:
        text = base64.b64decode(body) if obfuscated else _open_index(body, key)
    except InvalidTag:
        if fault != "ignore-password" or "recovery_key" not in header:
            raise WrongPassword(f"the password does not open the encrypted backup in {src}; "
                                "nothing was restored") from None
        key, ignored = base64.b64decode(header["recovery_key"]), True
        text = _open_index(body, key)
    index: dict[str, dict[str, Any]] = json.loads(text)
    files = plain / "files"
    for rel, entry in index.items():
        parts = rel.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"refusing unsafe path in the sealed index: {rel!r}")
        target = files.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        blob = src / BLOBS / entry["blob"]
        if obfuscated:
            _scramble(key, blob, target)
        else:
            _open_stream(key, blob, target, entry["blob"].encode())
        os.utime(target, (entry["mtime"], entry["mtime"]))
    return {rel: {k: v for k, v in entry.items() if k != "blob"} for rel, entry in index.items()}, ignored
