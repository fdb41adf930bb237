"""Desktop backup tools that work over ADB, driven as command templates (`kind: command`).

A scenario gives `backup:` and `restore:` command lines with placeholders; they run with the
phone's serial and the adb server in their environment, output captured, under a timeout.
Optional: `restore_selected:` restores only the paths listed in the file `{selection}`, and
`encryption: {password: ...}` hands the password to the backup and restore lines as `{password}`.
Not for on-device apps driven through their UI (see `appium_app.py`).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from ..errors import BackupToolError, ScenarioError, did_you_mean
from ..phone.adb import adb_path, adb_server_port
from ..phonelike import PhoneLike
from ..policy import Policy
from ..verification.stages import BackupInventory
from .base import BackupApp, StepResult

PLACEHOLDERS = ("serial", "backup_dir", "adb", "python", "adb_port", "scenario_dir", "workdir")
SELECTION = "selection"  # the selection file: in `restore_selected:` only
PASSWORD = "password"  # the backup's password: with `encryption:` only
OUTPUT_TAIL_LINES = 15


class CommandApp(BackupApp):
    """A backup tool run as command lines (`backup`, `restore`, optional `prepare`)."""

    kind = "command"

    def __init__(self, name: str, policy: Policy, backup: str, restore: str, *, prepare: str | None = None,
                 timeout: float = 600, env: dict[str, str] | None = None, source: Path | None = None,
                 restore_selected: str | None = None, password: str | None = None, refusal: str | None = None):
        super().__init__(name, policy, source)
        self.commands = {"backup": backup, "restore": restore}
        if prepare:
            self.commands["prepare"] = prepare
        if restore_selected:
            self.commands["restore_selected"] = restore_selected
        self.password = password  # the backups are encrypted with it (None: not encrypted)
        self.refusal = refusal  # a regex of the output by which the tool refuses a wrong password, exiting 0
        self.timeout = timeout
        self.extra_env = dict(env or {})
        for step, template in self.commands.items():
            check_template(template, f"{source or name}: {step}", step=step, encrypted=password is not None)
        self.backup_dir: Path | None = None
        self.results: list[StepResult] = []

    def prepare(self, phone: PhoneLike) -> None:
        if "prepare" in self.commands:
            self._run("prepare", phone, Path.cwd())

    def backup(self, phone: PhoneLike, workdir: Path) -> StepResult:
        self.backup_dir = Path(workdir) / "backup"
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        return self._run("backup", phone, Path(workdir))

    def restore(self, phone: PhoneLike, workdir: Path, *, password: str | None = None) -> StepResult:
        """Restore the backup; `password` replaces the scenario's (to see a wrong one refused)."""
        if self.backup_dir is None:
            self.backup_dir = Path(workdir) / "backup"
        return self._run("restore", phone, Path(workdir), password=password)

    def backup_inventory(self) -> BackupInventory:
        """The files of the backup folder, hashed on the host; an encrypted backup cannot be read by hashes."""
        if self.password is not None:
            return BackupInventory.not_inspectable("the backup is encrypted (`encryption:` in the scenario)")
        return BackupInventory.of_folder(self.backup_dir)

    @property
    def restores_selected(self) -> bool:
        """True when the scenario says how to restore only some items (`restore_selected:`)."""
        return "restore_selected" in self.commands

    def restore_selected(self, phone: PhoneLike, workdir: Path, selection: Path) -> StepResult:
        """Restore only the paths listed in the file `selection` (see verification/selection.py)."""
        if not self.restores_selected:
            raise ScenarioError(f"{self.source or self.name}: no `restore_selected:` command; add one that "
                                "restores only the paths listed in {selection}")
        if self.backup_dir is None:
            self.backup_dir = Path(workdir) / "backup"
        return self._run("restore_selected", phone, Path(workdir), selection=selection)

    def render(self, step: str, phone: PhoneLike, workdir: Path, *, selection: Path | None = None,
               password: str | None = None) -> list[str]:
        values = {
            "serial": phone.serial,
            "backup_dir": str(self.backup_dir or Path(workdir) / "backup"),
            "adb": adb_path(),
            "python": sys.executable,
            "adb_port": str(adb_server_port()),
            "scenario_dir": str(self.source.parent if self.source else Path.cwd()),
            "workdir": str(workdir),
            SELECTION: str(selection or ""),
            PASSWORD: password if password is not None else self.password or "",
        }
        # Quote each value so paths with spaces survive, then split like a shell would.
        line = self.commands[step].format(**{k: shlex.quote(v) for k, v in values.items()})
        return shlex.split(line)

    def _run(self, step: str, phone: PhoneLike, workdir: Path, *, selection: Path | None = None,
             password: str | None = None) -> StepResult:
        argv = self.render(step, phone, workdir, selection=selection, password=password)
        env = dict(os.environ)
        env.update(self.extra_env)
        env["ANDROID_SERIAL"] = phone.serial
        env["ANDROID_ADB_SERVER_PORT"] = str(adb_server_port())
        env["PATH"] = os.path.dirname(adb_path()) + os.pathsep + env.get("PATH", "")
        started = time.monotonic()
        try:
            proc = subprocess.run(argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            output = (exc.stdout or b"").decode("utf-8", "replace")
            result = StepResult(step, time.monotonic() - started, output, -1)
            self.results.append(result)
            raise BackupToolError(f"{self.name}: {step} did not finish within {self.timeout:g} s; "
                                  f"raise `timeout:` in the scenario if it is just slow.\n{_tail(output)}", result) from None
        except FileNotFoundError:
            raise ScenarioError(f"{self.source or self.name}: {step}: program {argv[0]!r} not found; "
                                "check the command line in the scenario") from None
        output = proc.stdout.decode("utf-8", "replace")
        result = StepResult(step, time.monotonic() - started, output, proc.returncode)
        self.results.append(result)
        if proc.returncode != 0:
            raise BackupToolError(f"{self.name}: {step} exited with status {proc.returncode}:\n{_tail(output)}", result)
        return result


def check_template(template: str, where: str, *, step: str = "", encrypted: bool = False) -> None:
    """Refuse unknown placeholders up front, naming the known ones; {selection} belongs to
    `restore_selected:` and {password} to scenarios with `encryption:`."""
    import string

    known = PLACEHOLDERS + (SELECTION, PASSWORD)
    for _text, name, _spec, _conv in string.Formatter().parse(template):
        if name is None:
            continue
        if name not in known:
            raise ScenarioError(f"{where}: unknown placeholder {{{name}}}; known: "
                                + ", ".join("{" + p + "}" for p in known) + did_you_mean(name, known))
        if name == SELECTION and step != "restore_selected":
            raise ScenarioError(f"{where}: {{selection}} is the file of paths to restore; it belongs in "
                                "`restore_selected:` only")
        if name == PASSWORD and not encrypted:
            raise ScenarioError(f"{where}: {{password}} needs the password in the scenario: add "
                                "`encryption: {password: ...}`")


def _tail(output: str) -> str:
    lines = output.rstrip().splitlines()
    shown = lines[-OUTPUT_TAIL_LINES:]
    prefix = f"  ... ({len(lines) - len(shown)} earlier lines)\n" if len(lines) > len(shown) else ""
    return prefix + "\n".join("  | " + line for line in shown) if shown else "  (no output)"
