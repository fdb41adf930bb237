"""What kind of loss a failed round trip is, its severity, the failure message a test shows (a
stable marker that categories.json matches, a headline, then the verifier's summary) and the verdict
summary every round trip gets, passed or failed. Needs no Allure. Not for judging items (verify) or
for talking to Allure (reporting.allure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..names import display

if TYPE_CHECKING:
    from ..manifest import Manifest
    from ..verification import Report


@dataclass(frozen=True)
class LossKind:
    """One Allure category of round-trip failure, and the marker its failure messages start with."""

    name: str
    marker: str
    verdicts: tuple[str, ...]
    description: str

    @property
    def message_regex(self) -> str:
        # Allure 2 full-matches the whole (multi-line) message, Allure 3 searches it: [\s\S]* fits both.
        return r"[\s\S]*" + _regex_escape(self.marker) + r"[\s\S]*"


def _regex_escape(text: str) -> str:
    # Not re.escape: it escapes spaces, which JavaScript regexes (Allure 3) reject in unicode mode.
    return "".join("\\" + c if c in r"\^$.|?*+()[]{}" else c for c in text)


LOSS_KINDS = (
    LossKind("Data loss", "[phonebackup: data loss]", ("missing",),
             "seeded items that did not come back under any name"),
    LossKind("Unexpected skip", "[phonebackup: unexpected skip]", ("missing",),
             "items over a size, pixel or side limit were not backed up, though the app's policy promises them"),
    LossKind("Corruption", "[phonebackup: corruption]", ("corrupted",),
             "items that came back damaged: truncated, flipped bytes, another picture, does not decode"),
    LossKind("Metadata loss", "[phonebackup: metadata loss]", ("metadata-lost",),
             "EXIF fields (GPS, capture time, orientation) lost or changed"),
    LossKind("Timestamps changed", "[phonebackup: timestamps]", ("timestamp-changed",),
             "the file's modification time came back different, so galleries sort it by the wrong date"),
    LossKind("Altered on restore", "[phonebackup: altered]", ("recompressed", "renamed", "moved"),
             "items that came back re-encoded, renamed or moved, which the policy does not allow"),
    LossKind("Unwanted files", "[phonebackup: unwanted files]", ("duplicated", "extra"),
             "second copies of seeded items, or files nobody seeded"),
    LossKind("Out of date", "[phonebackup: out of date]", ("stale", "resurrected"),
             "after a second backup, older versions or deleted items came back"),
    LossKind("Restored though not selected", "[phonebackup: restored unselected]", ("restored-unselected",),
             "a selective restore brought back items that were left out of the selection"),
    LossKind("Plaintext in an encrypted backup", "[phonebackup: plaintext in backup]", ("plaintext-in-backup",),
             "an encrypted backup holds seeded items' bytes or hashes readable, without the password"),
)
DATA_LOSS, UNEXPECTED_SKIP = LOSS_KINDS[0], LOSS_KINDS[1]

#: Allure severity of a failed round trip, by its worst verdict.
SEVERITY = {"missing": "blocker", "corrupted": "blocker", "metadata-lost": "critical",
            "timestamp-changed": "normal", "recompressed": "normal", "moved": "normal", "renamed": "minor",
            "duplicated": "minor", "extra": "minor", "stale": "critical", "resurrected": "normal",
            "restored-unselected": "normal",
            "plaintext-in-backup": "critical"}


def loss_kind(report: Report, manifest: Manifest | None = None) -> LossKind | None:
    """The category of a failed verification (None if it passed). Missing items that all cross a
    size/pixel/side limit of the reference policy are an unexpected skip rather than plain data loss."""
    if report.ok:
        return None
    worst = report.worst
    if worst == "missing" and manifest is not None:
        limits = {item.path: item.limits for item in manifest.items}
        missing = [v for v in report.failures if v.verdict == "missing"]
        if missing and all(limits.get(v.path) for v in missing):
            return UNEXPECTED_SKIP
    for kind in LOSS_KINDS:
        if worst in kind.verdicts:
            return kind
    return DATA_LOSS


def severity(report: Report) -> str:
    """Allure severity from the worst verdict ('normal' for a round trip that verified)."""
    return "normal" if report.ok else SEVERITY.get(report.worst, "critical")


def failure_message(report: Report, manifest: Manifest | None = None) -> str:
    """The assertion message of a failed round trip: a stable marker that categories.json matches,
    one headline line, then the verifier's summary (worst items first)."""
    kind = loss_kind(report, manifest)
    if kind is None:
        return report.summary()
    failing = report.failures
    headline = (f"{kind.marker} {len(failing)} of {len(report.verdicts)} verdicts not acceptable, worst: "
                f"{report.worst} ({kind.description}); app {report.app or '?'}, profile {report.profile}, "
                f"seed {report.seed} (rerun with --phone-seed {report.seed})")
    return headline + "\n" + report.summary()


def verdict_summary(report: Report) -> str:
    """What came back, for a passing round trip as much as a failing one: the counts, how many items
    are intact, each item skipped as the app's policy promises (with its reason), then the failures."""
    counts = ", ".join(f"{n} {k}" for k, n in report.counts.items()) or "no items"
    intact = sum(1 for v in report.verdicts if v.verdict == "intact")
    lines = [f"{'verified' if report.ok else 'FAILED, worst ' + report.worst}: {len(report.verdicts)} verdicts "
             f"({counts}); app {report.app or '?'}, profile {report.profile}, seed {report.seed}, "
             f"phone {report.serial}",
             f"intact: {intact} of {len(report.verdicts)}"]
    skipped = [v for v in report.verdicts if v.verdict == "skipped-as-promised"]
    if skipped:
        lines.append(f"skipped as the policy promises: {len(skipped)}")
        lines += [f"  ~ {display(v.path)}: {v.reason}" for v in sorted(skipped, key=lambda v: v.path)]
    failing = report.failures
    if failing:
        lines.append(f"not acceptable under the policy: {len(failing)}")
        lines += [f"  {v.line()}" for v in failing]
    return "\n".join(lines) + "\n"
