"""Selective restore: which seeded items the harness asks a tool to bring back, the selection file it
hands over (one path per line, relative to the storage root, UTF-8 with bytes that are not UTF-8 as
`\\xNN`, as the manifest writes names), and what the verdicts of a selective restore mean. Not for
running the restore (selective.py) or judging the chosen items (judging.py does that as usual).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from ..files import write_text
from ..manifest import Manifest, MediaItem
from ..names import from_bytes, is_text, text_form
from .model import ItemVerdict, Report, Verdict

# Verdicts of an item that did not come back at all: for an unchosen item that is the promise kept.
ABSENT = (Verdict.MISSING, Verdict.SKIPPED_AS_PROMISED)


def name_class(path: str) -> str:
    """'ascii', 'unicode' or 'bytes' (a name that is not UTF-8): each must survive a selection file."""
    if path.isascii():
        return "ascii"
    return "unicode" if is_text(path) else "bytes"


def choose(manifest: Manifest) -> list[MediaItem]:
    """A deterministic half of the seeded items that covers every kind of item: within each group of
    the same kind, format and name class (sorted by path), the first, third, fifth... item."""
    groups: dict[tuple[str, str, str], list[MediaItem]] = defaultdict(list)
    for item in manifest.items:
        groups[(item.kind, item.format, name_class(item.path))].append(item)
    chosen = {id(item) for members in groups.values()
              for item in sorted(members, key=lambda i: i.path)[::2]}
    return [item for item in manifest.items if id(item) in chosen]


def selection_line(path: str) -> str:
    """A path as one line of a selection file: UTF-8, bytes that are not UTF-8 as `\\xNN`."""
    return text_form(path)


def read_selection_line(line: str) -> str:
    """The path a selection line names (the inverse of `selection_line`)."""
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
    return from_bytes(bytes(out))


def write_selection(items: list[MediaItem], path: str | Path) -> Path:
    """The selection file a `restore_selected:` command gets as `{selection}`."""
    return write_text(path, "".join(selection_line(item.path) + "\n" for item in items))


def judge_selection(report: Report, chosen: list[MediaItem]) -> Report:
    """The report of a selective restore: chosen items keep their verdicts; an unchosen item that
    stayed absent is `not-selected` (fine), one that came back in any form is `restored-unselected`."""
    wanted = {item.path for item in chosen}
    wanted_ids = {item.id for item in chosen}
    verdicts: list[ItemVerdict] = []
    for v in report.verdicts:
        # a duplicate is named by the copy's path, and by the id of the item it copies
        copy_of_chosen = v.verdict == Verdict.DUPLICATED and v.item_id in wanted_ids
        if not v.item_id or v.path in wanted or copy_of_chosen:
            verdicts.append(v)
        elif v.verdict in ABSENT:
            verdicts.append(replace(v, verdict=Verdict.NOT_SELECTED, ok=True,
                                    reason="left out of the selection, and not restored"))
        else:
            shown = f" as {v.verdict}" if v.verdict != Verdict.INTACT else ""
            verdicts.append(replace(v, verdict=Verdict.RESTORED_UNSELECTED, ok=False,
                                    reason=f"left out of the selection, yet restored{shown}",
                                    details={**v.details, "restored_as": v.verdict.value}))
    return replace(report, verdicts=verdicts)
