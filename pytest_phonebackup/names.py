"""File names as Linux and adb allow them: any bytes but '/' and NUL. In Python a name is a str in
which bytes that are not UTF-8 are surrogates (the "surrogateescape" form, as os.fsdecode makes).
Here are the three ways a name leaves the package: `display` for people, the JSON form (text plus a
`<key>_bytes` field when needed, `encode_names` / `decode_names`), and `normalization_change`.
Not for checking that a name is safe to write on this computer (phone/sync.py does that).
"""

from __future__ import annotations

import base64
import unicodedata
from typing import Any

#: Characters that reorder or hide text around them: a name holding one shows other than it is.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
LINE_BREAKS = frozenset("\u2028\u2029\u0085")
SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
BYTES_SUFFIX = "_bytes"  # JSON: "path": "IMG_\\xff.jpg", "path_bytes": "<base64 of the exact bytes>"


def name_bytes(name: str) -> bytes:
    """The exact bytes of a name as it is on the phone."""
    return name.encode("utf-8", "surrogateescape")


def from_bytes(data: bytes) -> str:
    """A name's bytes as the package holds them (not-UTF-8 bytes as surrogates)."""
    return data.decode("utf-8", "surrogateescape")


def is_text(name: str) -> bool:
    """True when the name is valid UTF-8, so JSON can hold it as it is."""
    if name.isascii():
        return True
    return not any("\udc80" <= ch <= "\udcff" for ch in name)


def text_form(name: str) -> str:
    """Valid UTF-8 text for a name: each byte that is not UTF-8 written as `\\xNN`, the rest as is."""
    if name.isascii():
        return name
    return "".join(f"\\x{ord(ch) - 0xDC00:02x}" if "\udc80" <= ch <= "\udcff" else ch for ch in name)


def display(name: str) -> str:
    """A name as a person should see it (messages, tables, Allure, HTML, CSV): bytes that are not
    UTF-8 as `\\xNN`, newlines and other control characters as `\\n` / `\\x1b` / `\\u0085`, and
    bidirectional controls and line separators as `\\u202e`, so nothing hides or reorders."""
    out = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0x80 <= code <= 0x9F or ch in BIDI_CONTROLS or ch in LINE_BREAKS:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def normalization(name: str) -> str:
    """'NFC', 'NFD', 'NFC/NFD' (plain ASCII and the like, the same either way) or 'mixed'."""
    nfc, nfd = unicodedata.is_normalized("NFC", name), unicodedata.is_normalized("NFD", name)
    return "NFC/NFD" if nfc and nfd else "NFC" if nfc else "NFD" if nfd else "mixed"


def normalization_change(expected: str, found: str) -> str | None:
    """'name changed Unicode normalization NFC -> NFD' when two names differ only in how their
    accents are composed (macOS and some cloud stores decompose names); else None."""
    if expected == found or unicodedata.normalize("NFC", expected) != unicodedata.normalize("NFC", found):
        return None
    return f"name changed Unicode normalization {normalization(expected)} -> {normalization(found)}"


# -- the JSON form -----------------------------------------------------------------------------
def encode_names(data: Any) -> Any:
    """`data` (dicts, lists, strs) ready for JSON: a str under key K that is not valid UTF-8 becomes
    its `text_form`, with K_bytes beside it holding the exact bytes in base64; a list of strs under
    K gets K_bytes as a list of the same length (null where a name needs nothing)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            key = text_form(key)  # keys are field names; a name used as a key is shown, not kept
            if isinstance(value, str):
                if value.isascii() or is_text(value):
                    out[key] = value
                else:
                    out[key], out[key + BYTES_SUFFIX] = text_form(value), _b64(value)
            elif isinstance(value, (dict, list)):
                out[key] = encode_names(value)
                if isinstance(value, list) and any(isinstance(v, str) and not is_text(v) for v in value):
                    out[key + BYTES_SUFFIX] = [_b64(v) if isinstance(v, str) and not is_text(v) else None
                                               for v in value]
            else:
                out[key] = value  # numbers, booleans, None: nothing to encode
        return out
    if isinstance(data, list):
        return [value if isinstance(value, str) and value.isascii() else encode_names(value) for value in data]
    if isinstance(data, str):
        return text_form(data)
    return data


def decode_names(data: Any) -> Any:
    """The inverse of `encode_names`: every K_bytes gives K back its exact bytes, and goes."""
    if isinstance(data, list):
        return [decode_names(value) for value in data]
    if not isinstance(data, dict):
        return data
    out = {key: decode_names(value) for key, value in data.items()}
    for key in [k for k in out if k.endswith(BYTES_SUFFIX) and k[:-len(BYTES_SUFFIX)] in out]:
        base, raw = key[:-len(BYTES_SUFFIX)], out[key]
        if isinstance(raw, str) and isinstance(out[base], str):
            out[base] = _unb64(raw, key)
        elif isinstance(raw, list) and isinstance(out[base], list) and len(raw) == len(out[base]):
            out[base] = [_unb64(r, key) if isinstance(r, str) else v for r, v in zip(raw, out[base], strict=True)]
        else:
            continue  # not a names field (e.g. a policy's max_photo_bytes beside no max_photo)
        del out[key]
    return out


def _b64(name: str) -> str:
    return base64.b64encode(name_bytes(name)).decode("ascii")


def _unb64(raw: str, key: str) -> str:
    try:
        return from_bytes(base64.b64decode(raw, validate=True))
    except ValueError:
        raise ValueError(f"{key} holds {raw!r}, which is not base64; restore the field as it was written "
                         "or remove it to keep the text name") from None
