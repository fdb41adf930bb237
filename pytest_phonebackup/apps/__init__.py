"""Backup apps under test: load one from a scenario YAML by name or path.

`load_app("adb-mirror")` looks in the built-in scenarios; `load_app("my-tool.yaml")` reads a file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ScenarioError, did_you_mean
from ..policy import Policy
from ..yamlfile import LocatedDict, load_yaml, unknown_key, where
from .base import BackupApp

if TYPE_CHECKING:
    from .appium_server import AppiumService

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
KINDS = ("command", "intent", "appium")
COMMAND_KEYS = ("backup", "description", "env", "kind", "name", "policy", "prepare", "restore", "timeout",
                "restore_selected", "encryption")


def builtin_scenarios() -> dict[str, Path]:
    """Built-in scenario names and their files."""
    if not SCENARIO_DIR.is_dir():
        return {}
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.yaml"))}


def find_scenario(name_or_path: str | Path) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise ScenarioError(f"no scenario file {candidate}; give a YAML path or one of: "
                                + ", ".join(builtin_scenarios()))
        return candidate
    known = builtin_scenarios()
    if str(name_or_path) in known:
        return known[str(name_or_path)]
    raise ScenarioError(f"no backup app named {name_or_path!r}; built-in: {', '.join(known) or '(none)'}; "
                        f"or pass the path of a scenario YAML file{did_you_mean(name_or_path, known)}")


def load_app(name_or_path: str | Path, *, appium: AppiumService | None = None) -> BackupApp:
    """The backup app a scenario describes. `appium`: the service UI-driven apps (`kind: appium`) get
    their sessions from; share one between apps. Without it such an app makes its own on first use."""
    path = find_scenario(name_or_path)
    data = load_yaml(path)
    if not isinstance(data, LocatedDict):
        raise ScenarioError(f"{where(data) or path}: a scenario is a mapping with name, kind, policy and the steps")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ScenarioError(f"{where(data, 'kind', value=True) or path}: kind must be one of {', '.join(KINDS)}, "
                            f"got {kind!r}{did_you_mean(kind, KINDS)}")
    name = str(data.get("name") or path.stem)
    if not isinstance(data.get("policy") or {}, dict):
        raise ScenarioError(f"{where(data, 'policy', value=True)}: policy is a mapping with limits: and preserves:")
    policy = Policy.from_dict(data.get("policy") or {})
    if kind == "command":
        from .command import CommandApp, check_template

        error = unknown_key(data, COMMAND_KEYS, str(path))
        if error:
            raise error
        for key in ("backup", "restore"):
            if not isinstance(data.get(key), str):
                raise ScenarioError(f"{where(data, key) or path}: `{key}:` must be a command line")
        password = encryption_password(data, path)
        if "restore_selected" in data and not isinstance(data["restore_selected"], str):
            raise ScenarioError(f"{where(data, 'restore_selected')}: `restore_selected:` must be a command line "
                                "that restores the paths listed in {selection}")
        for key in ("prepare", "backup", "restore", "restore_selected"):
            if isinstance(data.get(key), str):
                check_template(data[key], f"{where(data, key, value=True)}: {key}", step=key,
                               encrypted=password is not None)
        timeout = data.get("timeout", 600)
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ScenarioError(f"{where(data, 'timeout')}: timeout must be a positive number of seconds")
        env = data.get("env") or {}
        return CommandApp(name, policy, data["backup"], data["restore"], prepare=data.get("prepare"),
                          timeout=float(timeout), env={str(k): str(v) for k, v in env.items()}, source=path,
                          restore_selected=data.get("restore_selected"), password=password,
                          refusal=encryption_refusal(data, path))
    if kind == "intent":
        from .intent import load_intent_app

        return load_intent_app(name, policy, data, path)
    from .appium_app import load_appium_app

    return load_appium_app(name, policy, data, path, appium=appium)


ENCRYPTION_KEYS = ("password", "refusal")


def encryption_refusal(data: LocatedDict, path: Path) -> str | None:
    """`encryption.refusal`: a regular expression of the output by which a tool that exits 0 says it
    refused a wrong password (a non-zero exit always counts as refusing)."""
    section = data.get("encryption")
    if not isinstance(section, dict) or "refusal" not in section:
        return None
    refusal = section["refusal"]
    at = where(section, "refusal", value=True) or f"{path}: encryption"
    if not isinstance(refusal, str) or not refusal:
        raise ScenarioError(f"{at}: encryption.refusal is a regular expression of what the tool prints "
                            "when it refuses a wrong password")
    try:
        re.compile(refusal)
    except re.error as exc:
        raise ScenarioError(f"{at}: encryption.refusal is not a regular expression: {exc}") from None
    return refusal


def encryption_password(data: LocatedDict, path: Path) -> str | None:
    """The password of `encryption: {password: ...}`, or None when the backups are not encrypted."""
    if "encryption" not in data:
        return None
    section = data["encryption"]
    if not isinstance(section, dict):
        raise ScenarioError(f"{where(data, 'encryption', value=True) or path}: encryption is a mapping: "
                            "`encryption: {password: ...}`")
    error = unknown_key(section, ENCRYPTION_KEYS, f"{path}: encryption", prefix="encryption: ")
    if error:
        raise error
    password = section.get("password")
    if not isinstance(password, str) or not password:
        raise ScenarioError(f"{where(section, 'password', value=True) or where(data, 'encryption') or path}: "
                            "encryption.password must be a non-empty string (quote it if YAML reads it as a number)")
    return password
