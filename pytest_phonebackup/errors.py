"""Exceptions a user sees. Each message says what went wrong and what to do about it.

Infrastructure errors (phone, adb, boot, Appium) are kept apart from scenario errors (a bad YAML
file) and from findings about the backup app, so reports can tell "the product lost data" from
"the harness could not run".
"""


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
    """A scenario, profile or policy file is invalid. The message names file and line."""


class SafetyError(PhoneBackupError):
    """A destructive action was refused to protect data the harness did not create."""
