"""The encrypted round trip, for tools whose scenario has `encryption: {password: ...}`: seed -> back up
with the password -> look for plaintext in the backup folder -> wipe -> restore with a wrong password
(it must fail, by a non-zero exit or output matching `encryption.refusal`, and change nothing on the
phone) -> restore with the right one -> verify. What counts as plaintext lives in verification/plaintext.py.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from .android import is_private
from .apps.base import BackupApp
from .apps.command import CommandApp
from .errors import BackupToolError, ScenarioError
from .manifest import Manifest
from .names import display
from .phonelike import PhoneLike
from .roundtrip import Check, Phase, RoundTrip
from .verification import Report
from .verification.plaintext import Finding, find_plaintext, judge_plaintext

NO_PLAINTEXT = "no plaintext in the backup"
WRONG_PASSWORD = "a wrong password restores nothing"
SHOWN = 5  # changed paths named in a message


def encryption_missing(app: BackupApp) -> str | None:
    """Why `app` cannot take the encrypted round trip, in words for a skipped test; None when it can."""
    if not isinstance(app, CommandApp):
        return (f"{app.name} (kind: {app.kind}) has no encrypted backups to test: only `kind: command` scenarios "
                "take `encryption: {password: ...}`")
    if app.password is None:
        return (f"{app.name} does not encrypt its backups: {app.source or 'its scenario'} has no "
                "`encryption: {password: ...}`; add it, and {password} to the backup and restore lines, to test them")
    return None


def wrong_password(password: str) -> str:
    """A password that is certainly not the right one, and looks like one."""
    return "not-" + password[::-1]


def phone_state(phone: PhoneLike, root: str) -> dict[str, tuple[int, float]]:
    """The user's files on a phone, with size and time: what a refused restore must leave as it was."""
    out = {}
    for entry in phone.list_tree(root):
        rel = posixpath.relpath(entry.path, root)
        if not entry.is_dir and not is_private(rel):
            out[rel] = (entry.size, entry.mtime)
    return out


class EncryptedRoundTrip(RoundTrip):
    """A round trip of a tool that encrypts its backups: three checks, two of them in `checks`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        why = encryption_missing(self.app)
        if why:
            raise ScenarioError(why)
        self.findings: list[Finding] = []

    @property
    def tool(self) -> CommandApp:
        assert isinstance(self.app, CommandApp)
        return self.app

    def after_backup(self, manifest: Manifest, phase: Phase) -> None:
        backup = self.tool.backup_dir or self.workdir / "backup"
        originals = Path(manifest.source_dir) if manifest.source_dir else None
        with phase("look for plaintext in the backup") as figures:
            self.findings = find_plaintext(manifest, backup, originals)
            figures.update(files=sum(1 for p in backup.rglob("*") if p.is_file()), readable=len(self.findings))
        message = (f"{len(self.findings)} of {len(manifest.items)} items readable in the encrypted backup {backup}"
                   if self.findings else f"none of {len(manifest.items)} items readable in {backup}")
        self.checks.append(Check(NO_PLAINTEXT, not self.findings, message,
                                 {"readable": [f.item for f in self.findings]}))

    def before_restore(self, target: PhoneLike, manifest: Manifest, phase: Phase) -> None:
        from .media.gallery import Gallery

        root = manifest.root.rstrip("/")
        before = phone_state(target, root)
        with phase("restore with a wrong password") as figures:
            try:
                step = self.tool.restore(target, self.workdir, password=wrong_password(self.tool.password or ""))
                status, output = step.status, step.output
                refused = bool(self.tool.refusal and re.search(self.tool.refusal, output))
            except BackupToolError as exc:
                refused, status, output = True, exc.result.status, str(exc)
            after = phone_state(target, root)
            changed = sorted(rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel))
            figures.update(status=status, changed=len(changed))
        said = f" and its output does not match refusal {self.tool.refusal!r}" if self.tool.refusal else ""
        problems = ([] if refused else [f"the restore succeeded (exit status {status}{said})"]) + (
            [f"it changed {len(changed)} file(s) on the phone: " + ", ".join(display(r) for r in changed[:SHOWN])
             + (" ..." if len(changed) > SHOWN else "")] if changed else [])
        message = ("refused, and nothing on the phone changed" if not problems else
                   f"{self.app.name} given a wrong password: " + "; ".join(problems))
        self.checks.append(Check(WRONG_PASSWORD, not problems, message,
                                 {"refused": refused, "status": status, "changed": changed, "output": output[-2000:]}))
        if changed:  # the right password's restore starts from the wiped phone again
            Gallery(target, progress=False).wipe(manifest)

    def judge(self, report: Report) -> Report:
        return judge_plaintext(report, self.findings)
