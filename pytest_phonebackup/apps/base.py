"""What a backup app is to the harness: a `BackupApp` with prepare / backup / restore, holding the
`Policy` it promises (policy.py, read from scenario YAML). Not for running commands or UIs (see
`command.py`, `scenario.py`) or for judging results (verification/).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..phonelike import PhoneLike
from ..policy import Policy
from ..verification.stages import BackupInventory

__all__ = ["BackupApp", "StepResult"]


@dataclass
class StepResult:
    """What one backup or restore step did: output, status and time, for reports and errors."""

    step: str
    seconds: float
    output: str = ""
    status: int = 0


class BackupApp(ABC):
    """A backup app under test. Subclasses drive it (commands, intents, UI flows)."""

    kind: str = ""

    def __init__(self, name: str, policy: Policy, source: Path | None = None):
        self.name = name
        self.policy = policy
        self.source = source  # the scenario file it came from

    def prepare(self, phone: PhoneLike) -> None:  # noqa: B027 - optional hook
        """Get the app ready on a phone (install, sign in, settings). Default: nothing."""

    @abstractmethod
    def backup(self, phone: PhoneLike, workdir: Path) -> StepResult:
        """Back up the phone's gallery."""

    @abstractmethod
    def restore(self, phone: PhoneLike, workdir: Path) -> StepResult:
        """Restore the last backup onto `phone` (the same phone, or a new one)."""

    def backup_inventory(self) -> BackupInventory:
        """What the last backup holds, to tell losses at backup from losses at restore. Default: an
        app whose backup the harness cannot read."""
        return BackupInventory.not_inspectable(f"{self.name} keeps its backup where the harness cannot read it")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "source": str(self.source or ""),
                "policy": self.policy.to_dict()}
