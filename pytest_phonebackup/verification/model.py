"""What a verification says: the `Verdict` names (best to worst), one `ItemVerdict` per seeded item
(plus duplicates and extras), and the `Report` that gathers them with a JSON form (save/load), in
which names that are not UTF-8 keep their bytes in `path_bytes` / `found_bytes` (names.py). Not for deciding verdicts (judging.py) or pairing files (matching.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Any

from ..files import json_bytes, write_json
from ..names import decode_names, display, encode_names


class Verdict(str, Enum):
    """The name of a judgement, from best to worst; a report's severity is its worst failing verdict.
    A str: `Verdict.INTACT == "intact"`, and str() / format() give the plain value."""

    INTACT = "intact"
    SKIPPED_AS_PROMISED = "skipped-as-promised"
    NOT_SELECTED = "not-selected"  # left out of a selective restore, and stayed absent: fine
    RENAMED = "renamed"
    MOVED = "moved"
    RECOMPRESSED = "recompressed"
    TIMESTAMP_CHANGED = "timestamp-changed"
    DUPLICATED = "duplicated"
    EXTRA = "extra"
    RESTORED_UNSELECTED = "restored-unselected"  # left out of a selective restore, yet it came back
    RESURRECTED = "resurrected"  # deleted from the phone between backups, and back after the restore
    METADATA_LOST = "metadata-lost"
    STALE = "stale"  # an older version came back after an incremental backup
    CORRUPTED = "corrupted"
    MISSING = "missing"
    PLAINTEXT_IN_BACKUP = "plaintext-in-backup"  # an encrypted backup holds the item's bytes or hash

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def severity(self) -> int:
        """0 for intact, growing with how bad the verdict is."""
        return VERDICTS.index(self)

    @property
    def mark(self) -> str:
        """rclone-check-style: = same, - only expected (lost), + only on the phone, * differs, ~ skipped,
        ! readable in a backup that should be encrypted."""
        return MARKS[self]


#: Every verdict, from best to worst.
VERDICTS: tuple[Verdict, ...] = tuple(Verdict)

MARKS: dict[Verdict, str] = {
    Verdict.INTACT: "=", Verdict.RENAMED: "=", Verdict.MOVED: "=", Verdict.SKIPPED_AS_PROMISED: "~",
    Verdict.MISSING: "-", Verdict.EXTRA: "+", Verdict.DUPLICATED: "+", Verdict.RECOMPRESSED: "*",
    Verdict.METADATA_LOST: "*", Verdict.TIMESTAMP_CHANGED: "*", Verdict.CORRUPTED: "*",
    Verdict.STALE: "*", Verdict.RESURRECTED: "+",
    Verdict.NOT_SELECTED: "~", Verdict.RESTORED_UNSELECTED: "+", Verdict.PLAINTEXT_IN_BACKUP: "!",
}

#: Where a loss happened (ItemVerdict.stage), as the words a report shows.
STAGES = {"backup": "lost at backup", "restore": "lost at restore", "not-inspectable": "backup not inspectable"}


@dataclass
class ItemVerdict:
    """The harness's judgement of one item, in words a developer can act on."""

    verdict: Verdict
    path: str  # the seeded path (relative to the manifest root); for extras, the path found
    ok: bool  # acceptable under the app's policy
    reason: str
    found: str | None = None  # where the item was found after restore, if anywhere
    item_id: str = ""
    kind: str = ""
    size: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    stage: str = ""  # a key of STAGES for every verdict but intact, once the backup was inspected

    def __post_init__(self) -> None:
        if type(self.verdict) is not Verdict:  # a plain name (from JSON or a caller) becomes the member
            self.verdict = Verdict(self.verdict)

    @property
    def mark(self) -> str:
        return self.verdict.mark

    def line(self) -> str:
        """One rclone-check-style line; names shown with `display`, so every line is one line."""
        where = f" -> {display(self.found)}" if self.found and self.found != self.path else ""
        stage = f" [{STAGES[self.stage]}]" if self.stage in STAGES else ""
        return f"{self.mark} {self.verdict:<19} {display(self.path)}{where}  ({self.reason}){stage}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see names.encode_names, which copies `details`, so the form shares nothing
        with the verdict)."""
        data = {name: getattr(self, name) for name in _ITEM_FIELDS}
        data["verdict"] = self.verdict.value
        if not self.details and all(isinstance(value, str) and value.isascii()
                                    for value in (self.path, self.found or "", self.reason, self.item_id,
                                                  self.kind, self.stage)):
            data["details"] = {}  # the usual verdict: nothing to encode, and a form of its own
            return data
        encoded: dict[str, Any] = encode_names(data)
        return encoded


_ITEM_FIELDS = tuple(f.name for f in fields(ItemVerdict))


@dataclass
class Report:
    """All verdicts of one verification, with counts and the figures behind them."""

    profile: str
    seed: int
    serial: str
    verdicts: list[ItemVerdict]
    policy: dict[str, Any]
    seconds: float = 0.0
    phone_calls: int = 0  # round trips to the phone (listing, hash batches, pulls)
    pulled: int = 0  # files pulled for diagnosis
    app: str = ""

    @property
    def counts(self) -> dict[str, int]:
        """Verdict name -> how many, in severity order, verdicts that did not occur left out."""
        counts = {name.value: 0 for name in VERDICTS}
        for v in self.verdicts:
            counts[v.verdict.value] += 1
        return {k: n for k, n in counts.items() if n}

    @property
    def failures(self) -> list[ItemVerdict]:
        return sorted((v for v in self.verdicts if not v.ok), key=lambda v: -v.verdict.severity)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def worst(self) -> str:
        failing = self.failures
        return failing[0].verdict.value if failing else Verdict.INTACT.value

    def summary(self, limit: int = 10) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.counts.items())
        head = (f"{'verified' if self.ok else 'round trip FAILED'}: {len(self.verdicts)} verdicts "
                f"({counts}); profile {self.profile}, seed {self.seed}, phone {self.serial}")
        failing = self.failures
        if not failing:
            return head
        lines = [head, f"{len(failing)} item(s) not acceptable under the policy; worst first:"]
        lines += ["  " + v.line() for v in failing[:limit]]
        if len(failing) > limit:
            lines.append(f"  ... and {len(failing) - limit} more (see report.json)")
        return "\n".join(lines)

    def rclone_lines(self) -> list[str]:
        return [v.line() for v in sorted(self.verdicts, key=lambda v: v.path)]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see names.encode_names)."""
        data: dict[str, Any] = {
            "profile": self.profile, "seed": self.seed, "serial": self.serial, "app": self.app, "ok": self.ok,
            "worst": self.worst, "counts": self.counts, "seconds": round(self.seconds, 3),
            "phone_calls": self.phone_calls, "pulled": self.pulled, "policy": self.policy}
        encoded: dict[str, Any] = encode_names(data)
        encoded["verdicts"] = [v.to_dict() for v in self.verdicts]  # each encoded once, by its own to_dict
        return encoded

    def to_json(self) -> str:
        return json_bytes(self.to_dict()).decode()

    def save(self, path: str | Path) -> Path:
        """Write report.json atomically: a failed save leaves an earlier report at `path` as it was."""
        return write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> Report:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        verdicts = [ItemVerdict(**decode_names(v)) for v in data["verdicts"]]
        return cls(profile=data["profile"], seed=data["seed"], serial=data["serial"], verdicts=verdicts,
                   policy=data["policy"], seconds=data.get("seconds", 0.0),
                   phone_calls=data.get("phone_calls", 0), pulled=data.get("pulled", 0), app=data.get("app", ""))
