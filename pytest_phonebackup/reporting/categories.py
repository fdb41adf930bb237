"""The files an Allure results folder gets once per session: categories.json (product defects, kinds
of loss by their message marker; then infrastructure and test setup, by exception class) and environment.properties (merged over
the sessions that write into one folder). Needs no Allure. Not for per-test results (reporting.allure).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import (
    BackupIncomplete,
    BackupToolError,
    InfrastructureError,
    SafetyError,
    ScenarioError,
    ScenarioStepFailed,
)
from ..files import write_json, write_text
from .summary import LOSS_KINDS

#: Exception classes from outside the package that mean "the harness could not run".
FOREIGN_INFRASTRUCTURE = ("AdbError", "AdbTimeout", "AdbConnectionError", "AdbInstallError")
#: Exception classes that mean something ran out of time (a phone that never got ready, adb, a subprocess).
TIMEOUTS = ("NotReadyError", "AdbTimeout", "TimeoutExpired", "TimeoutError")
ENVIRONMENT_SIDECAR = "phonebackup-environment.json"  # what earlier sessions into this folder recorded
Category = dict[str, Any]  # one entry of categories.json, as Allure reads it
STATUSES = ["failed", "broken"]
#: The families a category name starts with: what came back is wrong, or no verdict could be reached.
PRODUCT, INFRASTRUCTURE, SETUP = "Product defect", "Infrastructure", "Test setup"


def _subclass_names(base: type) -> list[str]:
    names, todo = set(), [base]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return sorted(names)


def _class_regex(names: Iterable[str], then: str = "") -> str:
    # The message starts with the exception, qualified or not: "pytest_phonebackup.errors.PhoneError: ..."
    return r"^(?:[\w.]*\.)?(?:" + "|".join(sorted(names)) + r")\b" + (r"[\s\S]*" + then if then else "") + r"[\s\S]*"


def _category(family: str, name: str, description: str, regex: str) -> Category:
    return {"name": f"{family}: {name}", "description": description, "matchedStatuses": list(STATUSES),
            "messageRegex": regex}


def categories() -> list[Category]:
    """The content of categories.json, first match wins. Product defects: what came back is wrong
    (kinds of loss by their message marker) or the app under test did not finish. Infrastructure: no
    verdict could be reached (a timeout, the backup tool crashed, the phone or adb failed). Test setup:
    a scenario, profile or policy file is wrong. Every exception class lives in errors.py, so its
    subclasses are all known once it is imported."""
    out = [_category(PRODUCT, kind.name, kind.description, kind.message_regex) for kind in LOSS_KINDS]
    out.append(_category(PRODUCT, "App did not finish", "the app under test paused, stopped or reported a "
                         "failed restore; the message says what was seeded and what the app had done",
                         _class_regex(_subclass_names(BackupIncomplete))))
    out.append(_category(PRODUCT, "UI flow step failed", "a step of the app's UI flow failed on the phone "
                         "(an element never showed, an assertion was false)",
                         _class_regex(_subclass_names(ScenarioStepFailed))))
    out.append(_category(INFRASTRUCTURE, "Timeout", "something ran out of time: the backup tool, a phone "
                         "that never got ready, adb, a subprocess, the test itself",
                         "|".join([_class_regex(TIMEOUTS), _class_regex(["BackupToolError"], "did not finish within"),
                                   r"^Failed: Timeout[\s\S]*"])))
    out.append(_category(INFRASTRUCTURE, "Backup tool crashed", "the backup or restore command exited non-zero, "
                         "so nothing could be verified", _class_regex(_subclass_names(BackupToolError))))
    out.append(_category(INFRASTRUCTURE, "Phone or adb", "the harness could not run: phone, boot, adb, emulator, "
                         "Appium", _class_regex(_subclass_names(InfrastructureError) + list(FOREIGN_INFRASTRUCTURE))))
    out.append(_category(SETUP, "Scenario errors", "a scenario, profile or policy file is invalid, or the test "
                         "asked for something the harness refuses to do (overwrite or wipe files it did not create)",
                         _class_regex(_subclass_names(ScenarioError) + _subclass_names(SafetyError))))
    return out


def category_of(status: str, message: str, cats: list[Category] | None = None) -> str | None:
    """Which category name Allure files a result under (the first whose status and regex match)."""
    for cat in cats if cats is not None else categories():
        if status not in cat.get("matchedStatuses", [status]):
            continue
        if "messageRegex" in cat and not re.fullmatch(cat["messageRegex"], message or ""):
            continue
        return str(cat["name"])
    return None


def environment_properties(values: dict[str, str]) -> str:
    """Java-properties text (what Allure reads) with keys and values escaped."""
    def esc(text: str, key: bool = False) -> str:
        text = text.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\=").replace(":", "\\:")
        return text.replace(" ", "\\ ") if key else text

    return "".join(f"{esc(k, key=True)}={esc(str(v))}\n" for k, v in sorted(values.items()))


def write_session_files(results_dir: str | Path, environment: dict[str, str]) -> list[Path]:
    """Write categories.json and environment.properties into an Allure results folder."""
    folder = Path(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    cats = folder / "categories.json"
    write_json(cats, categories())
    env = folder / "environment.properties"
    write_text(env, environment_properties(merge_environment(folder, environment)))
    return [cats, env]


def merge_environment(folder: Path, environment: dict[str, str]) -> dict[str, str]:
    """Several pytest sessions may write into one results folder (the demo runs two): keep every
    session's values, so the report names all apps, profiles and phones. `--clean-alluredir`
    empties the folder, and with it this memory."""
    sidecar = folder / ENVIRONMENT_SIDECAR
    try:
        seen: dict[str, list[str]] = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        seen = {}
    for key, value in environment.items():
        values = seen.setdefault(key, [])
        for part in str(value).split(", "):
            if part and part not in values:
                values.append(part)
    write_json(sidecar, seen)
    return {key: ", ".join(values) for key, values in seen.items()}
