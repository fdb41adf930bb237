"""Exceptions a user sees. Each message says what went wrong and what to do about it.

Infrastructure errors (phone, adb, boot, Appium) are kept apart from scenario errors (a bad YAML
file) and from findings about the backup app, so reports can tell "the product lost data" from
"the harness could not run".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .apps.base import StepResult


class PhoneBackupError(Exception):
    """Base class of every error this plugin raises on purpose."""


class InfrastructureError(PhoneBackupError):
    """The harness could not do its job: a phone, adb, the emulator or Appium failed."""


class PhoneError(InfrastructureError):
    """A phone could not be provisioned, reached or commanded."""


class ShellCommandError(PhoneError):
    """A shell command on a phone exited non-zero."""

    def __init__(self, serial: str, command: str, status: int, stdout: str, stderr: str):
        self.serial, self.command, self.status = serial, command, status
        self.stdout, self.stderr = stdout, stderr
        detail = (stderr or stdout).strip().splitlines()
        tail = detail[-1] if detail else "(no output)"
        super().__init__(f"{serial}: `{command}` exited with status {status}: {tail}")


class ScenarioError(PhoneBackupError):
    """A scenario, profile or policy file is invalid. The message names file, line and column."""


class SafetyError(PhoneBackupError):
    """A destructive action was refused to protect data the harness did not create."""


class NotReadyError(PhoneError):
    """A phone did not finish one readiness phase in its budget."""

    def __init__(self, serial: str, phase: str, budget: float, seen: str):
        self.serial, self.phase, self.budget, self.seen = serial, phase, budget, seen
        super().__init__(f"{serial} is not ready: phase '{phase}' did not finish within {budget:.0f}s "
                         f"(last seen: {seen or 'nothing'}); raise --phone-boot-timeout if the phone is "
                         "just slow, or look at its log")


# -- findings about the backup app under test (not infrastructure failures)
class BackupToolError(PhoneBackupError):
    """The backup tool under test failed (non-zero exit or timeout): a finding about the product."""

    def __init__(self, message: str, result: StepResult):
        super().__init__(message)
        self.result = result


class BackupIncomplete(PhoneBackupError):
    """A backup or restore step did not reach its end. `status` is the app's last status; `seeded`,
    once a round trip knows it, how many items it had seeded (the message then says so)."""

    def __init__(self, message: str, status: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status or {}
        self.seeded: int | None = None

    def __str__(self) -> str:
        text = super().__str__()
        if self.seeded is None:
            return text
        return f"{text}. The round trip had seeded {self.seeded} item{'' if self.seeded == 1 else 's'}"


class BackupPaused(BackupIncomplete):
    """The app is waiting (for Wi-Fi, for backup to be turned on): nothing is lost, nothing is done."""


class BackupStopped(BackupIncomplete):
    """The app stopped working without finishing: process gone, signed out, or status stuck."""


class RestoreFailed(BackupIncomplete):
    """The app says its restore failed (storage full, cloud unreachable)."""


class ScenarioStepFailed(PhoneBackupError):
    """A step of a UI flow failed on the phone (element never showed, assertion false): a finding
    about the app or the scenario, with the file, line and step in the message."""


# -- the harness's own inputs and outputs
class MakeError(PhoneBackupError, ValueError):
    """A spec asks for a file that cannot exist (e.g. a target size below the encoded size)."""


class ReportError(PhoneBackupError):
    """The HTML report could not be made; the message says what to do."""


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """' did you mean 'X'?' when `word` is a near miss of one of `choices` (a typo), else ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
