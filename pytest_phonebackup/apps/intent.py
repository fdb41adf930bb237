"""`kind: intent` backup apps: an app on the phone driven through ADB only — `am start`,
`am broadcast`, `pm` — whose progress is read by polling a status command. It tells a paused
backup from a stopped one and from data loss. Not for UI flows (Appium: `appium_app.py`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BackupIncomplete, BackupPaused, BackupStopped, PhoneError, RestoreFailed, ScenarioError
from ..phonelike import PhoneLike
from ..policy import Policy
from ..verification.stages import BackupInventory
from ..yamlfile import LocatedDict, unknown_key, where
from .base import BackupApp, StepResult

if TYPE_CHECKING:
    from ..virtual.cloud import CloudStore


@dataclass
class Step:
    """One step (backup or restore): commands, then wait on the status card."""

    run: list[str]
    until: str  # regex on the status card that ends the step
    card: str = "card"  # where the card is in the status JSON (dotted: "restore.card")
    paused: list[str] = field(default_factory=list)  # cards that mean "waiting, not failing"
    fails: list[str] = field(default_factory=list)  # cards that mean the step failed
    timeout: float = 300.0
    paused_after: float = 10.0  # a paused card for this long ends the step as paused
    stopped_after: float = 10.0  # the app's process absent this long = stopped
    stuck_after: float = 60.0  # card and counts unchanged this long = stuck


STEP_KEYS = {"run", "until", "card", "paused", "fails", "timeout", "paused_after", "stopped_after", "stuck_after"}
TOP_KEYS = {"name", "kind", "description", "policy", "package", "install", "cloud", "account", "status",
            "prepare", "backup", "restore", "poll"}
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class IntentApp(BackupApp):
    """Drives an on-device backup app with shell commands and judges its status card."""

    kind = "intent"

    def __init__(self, name: str, policy: Policy, *, package: str, status: str, prepare: list[str],
                 backup: Step, restore: Step, install: str | None = None, cloud: str | None = None,
                 account: str | None = None, poll: float = 0.5, source: Path | None = None):
        super().__init__(name, policy, source)
        self.package = package
        self.status_command = status
        self.prepare_commands = prepare
        self.backup_step = backup
        self.restore_step = restore
        self.install_spec = install
        self.cloud_spec = cloud
        self.account = account
        self.poll = poll
        self.cloud: CloudStore | None = None  # the CloudStore this app object started (cloud: loopback)
        self.variables: dict[str, str] = {}
        self.history: list[dict[str, Any]] = []  # every distinct status seen, for reports and tests
        self.status_error = ""  # why the status command failed last

    # -- set-up --------------------------------------------------------------------------------
    def use_cloud(self, store: CloudStore) -> None:
        """Use a running CloudStore (tests share one and inspect it) instead of starting one."""
        self.cloud = store

    def ensure_cloud(self) -> None:
        """Start (or adopt) the cloud store and pick the account, once; prepare and steps call it."""
        if self.cloud_spec is None:
            return
        if self.cloud is None:
            if self.cloud_spec != "loopback":
                self.variables.setdefault("CLOUD_URL", self.cloud_spec)
            else:
                from ..virtual.cloud import CloudStore

                self.cloud = CloudStore().start()
                weakref.finalize(self, self.cloud.stop)
        if self.cloud is not None:
            self.variables["CLOUD_URL"] = self.cloud.url_for_phone
        if not self.account:
            self.account = self.cloud.new_account(self.name) if self.cloud is not None else f"{self.name}-tester"
        self.variables["ACCOUNT"] = self.account

    def backup_inventory(self) -> BackupInventory:
        """What the loopback cloud stores for this app's account (a cloud elsewhere: not inspectable)."""
        if self.cloud is None or not self.account:
            return super().backup_inventory()
        return BackupInventory.of_contents(((item.sha256, item.mtime, item.size) for item in
                                            self.cloud.items(self.account)), f"{self.cloud.url} {self.account}")

    def close(self) -> None:
        """Stop the cloud store this app started (a store given with use_cloud is the giver's)."""
        if self.cloud is not None and self.cloud_spec == "loopback":
            self.cloud.stop()

    def expand(self, text: str) -> str:
        values = {**os.environ, "PACKAGE": self.package, **self.variables}

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise ScenarioError(f"{self.source or self.name}: ${{{name}}} is not set; known: PACKAGE, "
                                    "ACCOUNT, CLOUD_URL or an environment variable")
            return values[name]

        return VARIABLE.sub(value, text)

    def install(self, phone: PhoneLike) -> None:
        if not self.install_spec:
            return
        if self.install_spec.startswith("builtin:"):
            apk = builtin_apk(self.install_spec.split(":", 1)[1])
            with tempfile.TemporaryDirectory(prefix="phonebackup-apk-") as tmp:
                path = Path(tmp) / f"{self.package}.apk"
                path.write_bytes(apk)
                phone.install(path)
            return
        path = Path(self.expand(self.install_spec))
        if not path.is_absolute() and self.source is not None:
            path = self.source.parent / path
        if not path.is_file():
            raise ScenarioError(f"{self.source}: install: no APK at {path}")
        phone.install(path)

    def prepare(self, phone: PhoneLike) -> None:
        self.ensure_cloud()
        self.install(phone)
        self.run_commands(phone, self.prepare_commands)

    def run_commands(self, phone: PhoneLike, commands: list[str]) -> str:
        out = []
        for command in commands:
            result = phone.shell(self.expand(command), check=False)
            text = (result.stdout + result.stderr).strip()
            out.append(f"$ {self.expand(command)}\n{text}")
            if result.status != 0 or re.search(r"^Error", text, re.M):
                raise PhoneError(f"{phone.serial}: `{self.expand(command)}` failed ({result.status}): {text[:300]}")
        return "\n".join(out)

    # -- status ---------------------------------------------------------------------------------
    def read_status(self, phone: PhoneLike) -> dict[str, Any] | None:
        """The app's status as a dict (at least `card`), or None when it has none to show."""
        result = phone.shell(self.expand(self.status_command), check=False, timeout=30)
        if result.status != 0:
            self.status_error = (result.stderr or result.stdout).strip()[:200] or f"exit status {result.status}"
            return None
        try:
            data = json.loads(result.stdout)
        except ValueError:
            return {"card": result.stdout.strip()}  # a plain-text status: the card itself
        return data if isinstance(data, dict) else None

    def process_running(self, phone: PhoneLike) -> bool:
        out = phone.shell("ps -A", check=False, timeout=30).stdout
        return any(line.split()[-1:] == [self.package] for line in out.splitlines())

    # -- steps ----------------------------------------------------------------------------------
    def backup(self, phone: PhoneLike, workdir: Path) -> StepResult:
        return self._step(phone, "backup", self.backup_step)

    def restore(self, phone: PhoneLike, workdir: Path) -> StepResult:
        return self._step(phone, "restore", self.restore_step)

    def _step(self, phone: PhoneLike, name: str, step: Step) -> StepResult:
        self.ensure_cloud()
        started = time.monotonic()
        # The card of an earlier step must not end this one: remember it, wait for a change first.
        before = self.read_status(phone)
        output = self.run_commands(phone, step.run)
        status = self.wait(phone, name, step, before)
        return StepResult(name, time.monotonic() - started, output + "\n" + json.dumps(status), 0)

    def wait(self, phone: PhoneLike, name: str, step: Step, before: dict[str, Any] | None = None) -> dict[str, Any]:
        """Poll the status until the step's `until` card; raise BackupPaused / BackupStopped /
        RestoreFailed (or BackupIncomplete at the timeout) with what the app showed."""
        start = now = time.monotonic()
        fresh = before is None
        # A failure card counts only once the step's own part of the status has moved: a write to
        # another part (the backup's own heartbeat) says nothing about a card an earlier step left.
        before_view = card_of(before, step.card)[0] if before is not None else None
        moved = before is None
        last_sig: tuple[Any, ...] | None = None
        changed_at: float | None = None
        silent, paused, gone = _Spell(), _Spell(), _Spell()
        status: dict[str, Any] = {}
        while True:
            now = time.monotonic()
            try:
                found = self.read_status(phone)
                running = self.process_running(phone)
            except PhoneError:
                # The phone is away (a reboot): the app should carry on once it is back.
                phone.wait_ready(timeout=max(step.timeout - (now - start), 5))
                changed_at = None
                gone.end()
                silent.end()
                continue
            status = found or {}
            if silent.held(found is None, now, step.stopped_after):
                raise BackupStopped(f"{name}: {self.package} shows no status: `{self.expand(self.status_command)}` "
                                    f"failed ({self.status_error}); is the app installed and signed in?", status)
            view, card = card_of(status, step.card)
            sig = (card, view.get("done"), view.get("total"), view.get("restored"), view.get("error"))
            if sig != last_sig:
                self.history.append({"step": name, "t": round(now - start, 2), **status})
                last_sig, changed_at = sig, now
                if before is not None and status != before:
                    fresh = True
            moved = moved or view != before_view
            if fresh and re.fullmatch(step.until, card):
                return status
            if fresh and moved and any(re.fullmatch(p, card) for p in step.fails):
                kind = RestoreFailed if name == "restore" else BackupStopped
                detail = "; ".join(str(view.get(k)) for k in ("detail", "error") if view.get(k))
                raise kind(f"{name} failed: {card}" + (f" ({detail})" if detail else ""), status)
            if paused.held(any(re.fullmatch(p, card) for p in step.paused), now, step.paused_after):
                raise BackupPaused(f"paused: {card} — the app is waiting, not losing data "
                                   f"(the app shows {view.get('done', '?')} of {view.get('total', '?')} done); "
                                   "restore the condition and run the step again", status)
            if gone.held(not running, now, step.stopped_after):
                raise BackupStopped(f"{name} stopped: {self.package} is not running and its status is stuck "
                                    f"at {card!r} (force-stopped or crashed?); open the app to resume", status)
            if changed_at is not None and now - changed_at >= step.stuck_after and not paused.active:
                raise BackupStopped(f"{name} stuck: status {card!r} unchanged for {step.stuck_after:.0f}s", status)
            if now - start >= step.timeout:
                raise BackupIncomplete(f"{name} did not finish within {step.timeout:.0f}s; last status {card!r}",
                                       status)
            time.sleep(self.poll)


class _Spell:
    """How long a condition has held without a break, for the 'for N seconds' rules of a step."""

    def __init__(self) -> None:
        self.since: float | None = None

    @property
    def active(self) -> bool:
        return self.since is not None

    def held(self, holds: bool, now: float, seconds: float) -> bool:
        """Record whether the condition holds now; True once it has held for `seconds` without a break."""
        if not holds:
            self.since = None
            return False
        if self.since is None:
            self.since = now
        return now - self.since >= seconds

    def end(self) -> None:
        self.since = None


def card_of(status: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """(the part of the status holding the card, the card) for a dotted path like 'restore.card'."""
    *parents, key = path.split(".")
    view: Any = status
    for part in parents:
        view = view.get(part) if isinstance(view, dict) else None
    view = view if isinstance(view, dict) else {}
    return view, str(view.get(key, ""))


def builtin_apk(name: str) -> bytes:
    """APKs of the apps that ship with the virtual phone, by short name."""
    if name == "cloudphotos":
        from ..virtual.apps.cloudphotos import cloudphotos_apk

        return cloudphotos_apk()
    raise ScenarioError(f"no built-in APK named {name!r}; built-in: cloudphotos")


def _commands(data: Any, what: str) -> list[str]:
    if data is None:
        return []
    if isinstance(data, str):
        return [data]
    if isinstance(data, list) and all(isinstance(c, str) for c in data):
        return list(data)
    raise ScenarioError(f"{what}: expected a command or a list of commands")


def _step(data: Any, what: str) -> Step:
    if not isinstance(data, dict):
        raise ScenarioError(f"{what}: a step is a mapping with run: and until:")
    error = unknown_key(data, sorted(STEP_KEYS), what)
    if error:
        raise error
    if not isinstance(data.get("until"), str):
        raise ScenarioError(f"{where(data, 'until') or what}: `until:` must be the card (a regex) that ends the step")
    numbers = {}
    for key in ("timeout", "paused_after", "stopped_after", "stuck_after"):
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ScenarioError(f"{where(data, key) or what}: {key} must be a positive number of seconds")
            numbers[key] = float(value)
    patterns = {}
    for key in ("paused", "fails"):
        patterns[key] = _commands(data.get(key), f"{where(data, key) or what}: {key}")
        for pattern in patterns[key] + [data["until"]]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ScenarioError(f"{where(data, key) or what}: bad pattern {pattern!r}: {exc}") from None
    card = data.get("card", "card")
    if not isinstance(card, str) or not card:
        raise ScenarioError(f"{where(data, 'card') or what}: card is the status field holding the card, e.g. restore.card")
    return Step(run=_commands(data.get("run"), f"{where(data, 'run') or what}: run"), until=data["until"], card=card,
                paused=patterns["paused"], fails=patterns["fails"], **numbers)


def load_intent_app(name: str, policy: Policy, data: LocatedDict, path: Path) -> IntentApp:
    """Build an IntentApp from a `kind: intent` scenario (errors name file, line and column)."""
    error = unknown_key(data, sorted(TOP_KEYS), str(path))
    if error:
        raise error
    for key in ("package", "status"):
        if not isinstance(data.get(key), str):
            raise ScenarioError(f"{where(data, key) or path}: `{key}:` is required (a string)")
    cloud = data.get("cloud")
    if cloud is not None and not isinstance(cloud, str):
        raise ScenarioError(f"{where(data, 'cloud')}: cloud is `loopback` or the URL the app uses")
    for key in ("backup", "restore"):
        if key not in data:
            raise ScenarioError(f"{where(data) or path}: `{key}:` step is required")
    poll = data.get("poll", 0.5)
    if isinstance(poll, bool) or not isinstance(poll, (int, float)) or poll <= 0:
        raise ScenarioError(f"{where(data, 'poll')}: poll must be a positive number of seconds")
    return IntentApp(name, policy, package=data["package"], status=data["status"],
                     prepare=_commands(data.get("prepare"), f"{where(data, 'prepare') or path}: prepare"),
                     backup=_step(data["backup"], f"{path}: backup"), restore=_step(data["restore"], f"{path}: restore"),
                     install=data.get("install"), cloud=cloud, account=data.get("account"), poll=float(poll),
                     source=path)
