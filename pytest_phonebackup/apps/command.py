"""Desktop backup tools that work over ADB, driven as command templates (`kind: command`).

A scenario gives `backup:` and `restore:` command lines with placeholders; they run with the
phone's serial and the adb server in their environment, output captured, under a timeout.
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
from .base import BackupApp, StepResult

PLACEHOLDERS = ("serial", "backup_dir", "adb", "python", "adb_port", "scenario_dir", "workdir")
OUTPUT_TAIL_LINES = 15


class CommandApp(BackupApp):
    """A backup tool run as command lines (`backup`, `restore`, optional `prepare`)."""

    kind = "command"

    def __init__(self, name: str, policy: Policy, backup: str, restore: str, *, prepare: str | None = None,
                 timeout: float = 600, env: dict[str, str] | None = None, source: Path | None = None):
        super().__init__(name, policy, source)
        self.commands = {"backup": backup, "restore": restore}
        if prepare:
            self.commands["prepare"] = prepare
        self.timeout = timeout
        self.extra_env = dict(env or {})
        for step, template in self.commands.items():
            check_template(template, f"{source or name}: {step}")
        self.backup_dir: Path | None = None
        self.results: list[StepResult] = []

    def prepare(self, phone: PhoneLike) -> None:
        if "prepare" in self.commands:
            self._run("prepare", phone, Path.cwd())

    def backup(self, phone: PhoneLike, workdir: Path) -> StepResult:
        self.backup_dir = Path(workdir) / "backup"
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        return self._run("backup", phone, Path(workdir))

    def restore(self, phone: PhoneLike, workdir: Path) -> StepResult:
        if self.backup_dir is None:
            self.backup_dir = Path(workdir) / "backup"
        return self._run("restore", phone, Path(workdir))

    def render(self, step: str, phone: PhoneLike, workdir: Path) -> list[str]:
        values = {
            "serial": phone.serial,
            "backup_dir": str(self.backup_dir or Path(workdir) / "backup"),
            "adb": adb_path(),
            "python": sys.executable,
            "adb_port": str(adb_server_port()),
            "scenario_dir": str(self.source.parent if self.source else Path.cwd()),
            "workdir": str(workdir),
        }
        # Quote each value so paths with spaces survive, then split like a shell would.
        line = self.commands[step].format(**{k: shlex.quote(v) for k, v in values.items()})
        return shlex.split(line)

    def _run(self, step: str, phone: PhoneLike, workdir: Path) -> StepResult:
        argv = self.render(step, phone, workdir)
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


def check_template(template: str, where: str) -> None:
    """Refuse unknown placeholders up front, naming the known ones."""
    import string

    for _text, name, _spec, _conv in string.Formatter().parse(template):
        if name is not None and name not in PLACEHOLDERS:
            raise ScenarioError(f"{where}: unknown placeholder {{{name}}}; known: "
                                + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + did_you_mean(name, PLACEHOLDERS))


def _tail(output: str) -> str:
    lines = output.rstrip().splitlines()
    shown = lines[-OUTPUT_TAIL_LINES:]
    prefix = f"  ... ({len(lines) - len(shown)} earlier lines)\n" if len(lines) > len(shown) else ""
    return prefix + "\n".join("  | " + line for line in shown) if shown else "  (no output)"
