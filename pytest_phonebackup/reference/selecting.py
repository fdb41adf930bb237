"""Selective restore for adb-mirror: `restore --select FILE` pushes back only the paths FILE lists, one
per line, relative to the storage root, UTF-8 with each byte that is not UTF-8 written `\\xNN`.
Its deliberate defect `ignore-selection` restores everything all the same.
"""

from __future__ import annotations

import os
from pathlib import Path

#: restore faults of this module: name -> what the broken tool does
SELECTION_FAULTS = {"ignore-selection": "restores everything despite the selection"}


def decode_line(line: str) -> str:
    """The path a selection line names, as a str whose non-UTF-8 bytes are surrogates (os.fsdecode)."""
    out = bytearray()
    i = 0
    while i < len(line):
        if line.startswith("\\x", i) and len(line) >= i + 4:
            try:
                value = int(line[i + 2:i + 4], 16)
            except ValueError:
                value = -1
            if value >= 0x80:
                out.append(value)
                i += 4
                continue
        out += line[i].encode("utf-8")
        i += 1
    return os.fsdecode(bytes(out))


def read_selection(path: Path) -> list[str]:
    """The paths a selection file lists (blank lines ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the selection file {path}: {exc}") from None
    return [decode_line(line.rstrip("\r")) for line in text.split("\n") if line.strip()]


def select(rels: list[str], selection: list[str], fault: str | None) -> tuple[list[str], list[str], list[str]]:
    """(the paths to restore, the selected paths the backup does not hold, the unselected paths the
    `ignore-selection` fault restores anyway)."""
    wanted = set(selection)
    unknown = sorted(wanted - set(rels))
    if fault == "ignore-selection":
        return list(rels), unknown, sorted(r for r in rels if r not in wanted)
    return [r for r in rels if r in wanted], unknown, []
