"""Allure reporting: steps for each phase, attachments, labels, severity, categories.json and
environment.properties, and the failure messages those categories match. The only module that
imports allure; everything is a no-op without allure-pytest or without --alluredir.
Not for judging results (that is `verify.py`) or for drawing the verdict table (`report_html.py`).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

try:  # allure-pytest is optional at run time
    import allure
    import allure_commons
except ImportError:  # pragma: no cover - exercised by the no-allure test environment
    allure = None  # type: ignore[assignment]
    allure_commons = None  # type: ignore[assignment]


def recording() -> bool:
    """True when an Allure listener is collecting results (pytest ran with --alluredir)."""
    if allure_commons is None:
        return False
    try:
        # allure-pytest always registers its helpers; a logger (report_result) exists only with --alluredir.
        return any(hasattr(p, "report_result") for p in allure_commons.plugin_manager.get_plugins())
    except Exception:  # noqa: BLE001
        return False


# -- steps --------------------------------------------------------------------------------------
@dataclass
class PhaseTiming:
    name: str
    seconds: float
    figures: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def phase(name: str, timings: list[PhaseTiming] | None = None, **figures: Any) -> Iterator[dict[str, Any]]:
    """A timed phase of a round trip (an Allure step when recording). The yielded dict takes
    figures found during the phase (items, bytes); they end up in the step's title and timings."""
    found: dict[str, Any] = dict(figures)
    started = time.monotonic()
    step_cm = allure.step(name) if recording() else contextlib.nullcontext()
    with step_cm:
        try:
            yield found
        finally:
            seconds = time.monotonic() - started
            if timings is not None:
                timings.append(PhaseTiming(name, seconds, found))
            if recording():
                lines = [f"{k}: {_figure(k, v)}" for k, v in found.items()]
                attach_text(f"{name}: {seconds:.2f} s", "\n".join(lines + [f"seconds: {seconds:.2f}"]))


def _figure(name: str, value: Any) -> str:
    if name == "bytes" and isinstance(value, int):
        return f"{value:,} ({value / 1e6:.1f} MB)"
    return str(value)


# -- attachments --------------------------------------------------------------------------------
_KINDS = {"text": "TEXT", "json": "JSON", "csv": "CSV", "html": "HTML", "xml": "XML", "png": "PNG",
          "jpg": "JPG", "uri": "URI_LIST"}


def _attachment_type(kind: str) -> Any:
    return getattr(allure.attachment_type, _KINDS.get(kind, "TEXT"))


def attach_text(name: str, text: str, kind: str = "text") -> None:
    if recording():
        allure.attach(text, name=name, attachment_type=_attachment_type(kind))


def attach_file(name: str, path: Any, kind: str = "text") -> None:
    if recording():
        allure.attach.file(str(path), name=name, attachment_type=_attachment_type(kind))


def attach_png(name: str, data: bytes) -> None:
    if recording():
        allure.attach(data, name=name, attachment_type=allure.attachment_type.PNG)


# -- what kind of loss a failed round trip is --------------------------------------------------
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
    return "".join("\\" + c if c in r"\^$.|?*+()[]{}" else c for c in text)


LOSS_KINDS = [
    LossKind("Data loss", "[phonebackup: data loss]", ("missing",),
             "seeded items that did not come back under any name"),
    LossKind("Unexpected skip", "[phonebackup: unexpected skip]", ("missing",),
             "items over a size, pixel or side limit were not backed up, though the app's policy promises them"),
    LossKind("Corruption", "[phonebackup: corruption]", ("corrupted",),
             "items that came back damaged: truncated, flipped bytes, another picture, does not decode"),
    LossKind("Metadata loss", "[phonebackup: metadata loss]", ("metadata-lost", "timestamp-changed"),
             "EXIF fields, capture time or file time lost or changed"),
    LossKind("Altered on restore", "[phonebackup: altered]", ("recompressed", "renamed", "moved"),
             "items that came back re-encoded, renamed or moved, which the policy does not allow"),
    LossKind("Unwanted files", "[phonebackup: unwanted files]", ("duplicated", "extra"),
             "second copies of seeded items, or files nobody seeded"),
]

#: Allure severity of a failed round trip, by its worst verdict.
SEVERITY = {"missing": "blocker", "corrupted": "blocker", "metadata-lost": "critical",
            "timestamp-changed": "normal", "recompressed": "normal", "moved": "normal", "renamed": "minor",
            "duplicated": "minor", "extra": "minor"}


def loss_kind(report: Any, manifest: Any = None) -> LossKind | None:
    """The category of a failed verification (None if it passed). Missing items that all cross a
    size/pixel/side limit of the reference policy are an unexpected skip rather than plain data loss."""
    if report.ok:
        return None
    worst = report.worst
    if worst == "missing" and manifest is not None:
        limits = {item.path: item.limits for item in manifest.items}
        missing = [v for v in report.failures if v.verdict == "missing"]
        if missing and all(limits.get(v.path) for v in missing):
            return LOSS_KINDS[1]
    for kind in LOSS_KINDS:
        if worst in kind.verdicts:
            return kind
    return LOSS_KINDS[0]


def severity(report: Any) -> str:
    """Allure severity from the worst verdict ('normal' for a round trip that verified)."""
    return "normal" if report.ok else SEVERITY.get(report.worst, "critical")


def failure_message(report: Any, manifest: Any = None) -> str:
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


# -- categories.json and environment.properties --------------------------------------------------
#: Exception classes from outside the package that mean "the harness could not run".
FOREIGN_INFRASTRUCTURE = ("AdbError", "AdbTimeout", "AdbConnectionError", "AdbInstallError")


def _subclass_names(base: type) -> list[str]:
    names, todo = set(), [base]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return sorted(names)


def _load_error_classes() -> None:
    """Import the modules that define error subclasses, so the categories name all of them."""
    import importlib

    for name in ("pytest_phonebackup.phone", "pytest_phonebackup.provision", "pytest_phonebackup.apps.command",
                 "pytest_phonebackup.apps.appium_app", "pytest_phonebackup.provision.avd"):
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _class_regex(names: Iterable[str]) -> str:
    # The message starts with the exception, qualified or not: "pytest_phonebackup.errors.PhoneError: ..."
    return r"^(?:[\w.]*\.)?(?:" + "|".join(sorted(names)) + r")\b[\s\S]*"


def categories() -> list[dict[str, Any]]:
    """The content of categories.json: kinds of loss by message marker, then the harness's own
    failures (infrastructure, scenario files, the backup tool itself) by exception class."""
    from .errors import BackupToolError, InfrastructureError, SafetyError, ScenarioError

    _load_error_classes()
    out: list[dict[str, Any]] = [
        {"name": kind.name, "description": kind.description, "matchedStatuses": ["failed", "broken"],
         "messageRegex": kind.message_regex} for kind in LOSS_KINDS]
    out.append({"name": "Backup tool failed", "description": "the backup or restore command exited non-zero or timed out",
                "matchedStatuses": ["failed", "broken"], "messageRegex": _class_regex(_subclass_names(BackupToolError))})
    out.append({"name": "Infrastructure", "description": "the harness could not run: phone, boot, adb, emulator, Appium",
                "matchedStatuses": ["failed", "broken"],
                "messageRegex": _class_regex(_subclass_names(InfrastructureError) + list(FOREIGN_INFRASTRUCTURE))})
    out.append({"name": "Scenario errors", "description": "a scenario, profile or policy file is invalid, or the "
                "test asked for something the harness refuses to do (overwrite or wipe files it did not create)",
                "matchedStatuses": ["failed", "broken"],
                "messageRegex": _class_regex(_subclass_names(ScenarioError) + _subclass_names(SafetyError))})
    return out


def category_of(status: str, message: str, cats: list[dict[str, Any]] | None = None) -> str | None:
    """Which category name Allure files a result under (the first whose status and regex match)."""
    import re

    for cat in cats if cats is not None else categories():
        if status not in cat.get("matchedStatuses", [status]):
            continue
        if "messageRegex" in cat and not re.fullmatch(cat["messageRegex"], message or ""):
            continue
        return cat["name"]
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
    cats.write_text(json.dumps(categories(), indent=1), encoding="utf-8")
    env = folder / "environment.properties"
    env.write_text(environment_properties(merge_environment(folder, environment)), encoding="utf-8")
    return [cats, env]


ENVIRONMENT_SIDECAR = "phonebackup-environment.json"  # what earlier sessions into this folder recorded


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
    sidecar.write_text(json.dumps(seen, indent=1), encoding="utf-8")
    return {key: ", ".join(values) for key, values in seen.items()}


# -- one round trip into the report ---------------------------------------------------------------
@dataclass
class RoundTripNote:
    """What the terminal summary and environment.properties need from one round trip (crosses xdist)."""

    app: str
    profile: str
    seed: int
    ok: bool
    worst: str
    counts: dict[str, int]
    seconds: float
    phone: dict[str, str] = field(default_factory=dict)
    app_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_notes: list[RoundTripNote] = []
_phones: list[Any] = []  # phones of round trips since the last take_phones(): the failure hook shows them
_notes_lock = threading.Lock()


def take_notes() -> list[RoundTripNote]:
    """Round trips finished since the last call (the plugin files them under the running test)."""
    with _notes_lock:
        taken = list(_notes)
        _notes.clear()
    return taken


def take_phones() -> list[Any]:
    """Phones that round trips used since the last call (phones a test made itself, not fixtures)."""
    with _notes_lock:
        taken = list(_phones)
        _phones.clear()
    return taken


def round_trip_finished(result: Any, phone: Any = None) -> RoundTripNote:
    """Report a finished round trip: labels, severity, parameters and attachments when Allure is
    recording; always a note for the terminal summary. `result` is a RoundTripResult."""
    rep = result.report
    info: dict[str, str] = {}
    if recording() and phone is not None:
        with contextlib.suppress(Exception):  # a phone gone after the restore must not hide the verdicts
            info = phone.info()
    app_version = str(getattr(getattr(result, "app", None), "version", "") or "")
    note = RoundTripNote(app=rep.app, profile=rep.profile, seed=rep.seed, ok=rep.ok, worst=rep.worst,
                         counts=rep.counts, seconds=round(sum(t.seconds for t in result.timings), 2),
                         phone=info, app_version=app_version)
    with _notes_lock:
        _notes.append(note)
        if recording() and phone is not None and all(phone is not p for p in _phones):
            _phones.append(phone)
    if recording():
        _label(rep, info)
        _attach_round_trip(result, info)
    return note


def _label(rep: Any, info: dict[str, str]) -> None:
    if rep.app:
        allure.dynamic.feature(rep.app)
    allure.dynamic.story(rep.profile)
    allure.dynamic.severity(severity(rep))
    allure.dynamic.parameter("seed", rep.seed)
    allure.dynamic.tag(f"verdict:{rep.worst}")
    if info:
        model = " ".join(filter(None, [info.get("manufacturer"), info.get("model")]))
        allure.dynamic.parameter("phone", f"{model} (API {info.get('api', '?')})", excluded=True)
        allure.dynamic.label("phone_model", info.get("model", ""))
        allure.dynamic.label("api_level", info.get("api", ""))


def _attach_round_trip(result: Any, info: dict[str, str]) -> None:
    from . import report_html

    rep, manifest, workdir = result.report, result.manifest, Path(result.workdir)
    with allure.step(f"report: {'verified' if rep.ok else 'FAILED, worst ' + rep.worst} "
                     f"({', '.join(f'{n} {k}' for k, n in rep.counts.items())})"):
        if not rep.ok:
            attach_text("verdict table", report_html.verdict_table_html(rep, manifest, workdir), "html")
        attach_text("verdicts.csv", report_html.verdict_table_csv(rep), "csv")
        attach_text("report.json", json.dumps(rep.to_dict(), indent=1, ensure_ascii=False), "json")
        attach_text("rclone-style check", "\n".join(rep.rclone_lines()) + "\n")
        attach_text("manifest.json", manifest.to_json(), "json")
        attach_text("timings", "\n".join(f"{t.seconds:8.2f} s  {t.name}" for t in result.timings) + "\n")
        if info:
            attach_text("device info", json.dumps(info, indent=1), "json")
        for step in getattr(result, "steps", []):
            attach_text(f"{step.step} output (exit {step.status}, {step.seconds:.1f} s)", step.output or "(no output)")


# -- failures ---------------------------------------------------------------------------------
def attach_failure(phones: Iterable[Any], since: dict[str, str], error: BaseException | None = None) -> None:
    """On a failed test: each phone's screenshot and its logcat from the test's start, and the
    backup tool's output if the tool itself failed."""
    if not recording():
        return
    result = getattr(error, "result", None)
    if result is not None and hasattr(result, "output"):
        attach_text(f"{result.step} output (exit {result.status})", result.output or "(no output)")
    for phone in phones:
        serial = getattr(phone, "serial", "phone")
        try:
            attach_png(f"screenshot {serial}", phone.screenshot())
        except Exception as exc:  # noqa: BLE001 - the phone may be the thing that failed
            attach_text(f"screenshot {serial} unavailable", f"{type(exc).__name__}: {exc}")
        try:
            attach_text(f"logcat {serial} (this test)", phone.logcat(since=since.get(serial)))
        except Exception as exc:  # noqa: BLE001
            attach_text(f"logcat {serial} unavailable", f"{type(exc).__name__}: {exc}")
