"""The Allure adapter, and the only module that imports allure: an `AllureObserver` that turns a
round trip's phases into steps, evidence into attachments and the verdicts into labels, parameters
(its historyId), severity and attachments; the attachments of a failed test; fixture teardown names. Everything is a no-op without allure-pytest or
without --alluredir. Not for judging results (verify) or drawing the verdict table (reporting.html).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..names import display, text_form
from ..observer import AttachmentKind, PhaseTiming, RoundTripStart
from .notes import phone_info
from .summary import failure_message, severity, verdict_summary

try:  # allure-pytest is optional at run time
    import allure as _allure
    import allure_commons as _allure_commons
except ImportError:  # pragma: no cover - exercised by the no-allure test environment
    _allure = None  # type: ignore[assignment]
    _allure_commons = None  # type: ignore[assignment]

# allure-pytest ships no type hints: its API is used as Any here, and nowhere else.
allure: Any = _allure
allure_commons: Any = _allure_commons

if TYPE_CHECKING:
    from ..phonelike import PhoneLike
    from ..roundtrip import RoundTripResult
    from ..verification import Report

_TYPES = {"text": "TEXT", "json": "JSON", "csv": "CSV", "html": "HTML", "xml": "XML", "png": "PNG",
          "jpg": "JPG", "uri": "URI_LIST"}


def recording() -> bool:
    """True when an Allure listener is collecting results (pytest ran with --alluredir)."""
    if allure_commons is None:
        return False
    try:
        # allure-pytest always registers its helpers; a logger (report_result) exists only with --alluredir.
        return any(hasattr(p, "report_result") for p in allure_commons.plugin_manager.get_plugins())
    except Exception:  # noqa: BLE001
        return False


def _attachment_type(kind: str) -> Any:
    return getattr(allure.attachment_type, _TYPES.get(kind, "TEXT"))


def attach(name: str, body: str | bytes, kind: AttachmentKind | str = "text") -> None:
    """One attachment of the running test or step (nothing when Allure is not recording). Its name is
    shown with `display`; bytes that are not UTF-8 in a text body become `\\xNN` (Allure writes UTF-8)."""
    if recording():
        text = text_form(body) if isinstance(body, str) else body
        allure.attach(text, name=display(name), attachment_type=_attachment_type(kind))


def attach_file(name: str, path: str | Path, kind: AttachmentKind | str = "text") -> None:
    if recording():
        allure.attach.file(str(path), name=display(name), attachment_type=_attachment_type(kind))


def _figure(name: str, value: Any) -> str:
    if name == "bytes" and isinstance(value, int):
        return f"{value:,} ({value / 1e6:.1f} MB)"
    return str(value)


class AllureObserver:
    """Round trips and apps into the running Allure test: each phase a step carrying its figures and
    timing, evidence as attachments, and at the end labels, severity and the verdict attachments."""

    def __init__(self) -> None:
        self._steps: list[Any] = []  # open phase steps, innermost last (None where not recording)

    def attach(self, name: str, body: str | bytes, kind: AttachmentKind = "text") -> None:
        attach(name, body, kind)

    def phase_started(self, name: str) -> None:
        step = allure.step(display(name)) if recording() else None
        if step is not None:
            step.__enter__()
        self._steps.append(step)

    def phase_finished(self, timing: PhaseTiming, error: BaseException | None = None) -> None:
        step = self._steps.pop() if self._steps else None
        if step is None:
            return
        lines = [f"{k}: {_figure(k, v)}" for k, v in timing.figures.items()]
        attach(f"{timing.name}: {timing.seconds:.2f} s", "\n".join(lines + [f"seconds: {timing.seconds:.2f}"]))
        step.__exit__(type(error) if error else None, error, error.__traceback__ if error else None)

    def phone_used(self, phone: PhoneLike) -> None:
        return None

    def round_trip_started(self, start: RoundTripStart) -> None:
        if recording():
            _identify(start.app, start.profile, start.seed, phone_info(start.target))

    def round_trip_finished(self, result: RoundTripResult, phone: PhoneLike) -> None:
        if not recording():
            return
        info = phone_info(phone)
        _label(result.report, info)
        _attach_round_trip(result, info)


def phone_name(info: dict[str, str]) -> str:
    """How the report names a phone: maker, model and API level (stable from run to run, unlike a serial)."""
    model = " ".join(filter(None, [info.get("manufacturer"), info.get("model")])) or "unknown phone"
    return f"{model} (API {info.get('api', '?')})"


def _identify(app: str, profile: str, seed: int, info: dict[str, str]) -> None:
    # Parameters that are not excluded make the test's historyId: one round trip of one app, profile,
    # seed and target phone is one test, not a retry of another app's run under the same test name.
    if app:
        allure.dynamic.feature(app)
        allure.dynamic.parameter("app", app)
    allure.dynamic.story(profile)
    allure.dynamic.parameter("profile", profile)
    allure.dynamic.parameter("seed", seed)
    if info:
        allure.dynamic.parameter("target phone", phone_name(info))
        allure.dynamic.label("phone_model", info.get("model", ""))
        allure.dynamic.label("api_level", info.get("api", ""))


def _label(rep: Report, info: dict[str, str]) -> None:
    _identify(rep.app, rep.profile, rep.seed, info)
    allure.dynamic.severity(severity(rep))
    allure.dynamic.tag(f"verdict:{rep.worst}")


def _attach_round_trip(result: RoundTripResult, info: dict[str, str]) -> None:
    from .html import verdict_table_csv, verdict_table_html

    rep, manifest, workdir = result.report, result.manifest, Path(result.workdir)
    step = allure.step(f"report: {'verified' if rep.ok else 'FAILED, worst ' + rep.worst} "
                       f"({', '.join(f'{n} {k}' for k, n in rep.counts.items())})")
    step.__enter__()
    try:
        attach("verdict summary", verdict_summary(rep))
        if not rep.ok:
            attach("verdict table", verdict_table_html(rep, manifest, workdir), "html")
        attach("verdicts.csv", verdict_table_csv(rep), "csv")
        attach("report.json", rep.to_json(), "json")
        attach("rclone-style check", "\n".join(rep.rclone_lines()) + "\n")
        attach("manifest.json", manifest.to_json(), "json")
        attach("timings", "\n".join(f"{t.seconds:8.2f} s  {t.name}" for t in result.timings) + "\n")
        if info:
            attach("device info", json.dumps(info, indent=1), "json")
        for tool_step in result.steps:
            attach(f"{tool_step.step} output (exit {tool_step.status}, {tool_step.seconds:.1f} s)",
                   tool_step.output or "(no output)")
        if result.checks:  # round trips of other shapes: e.g. no plaintext in the backup, a wrong password refused
            attach("checks", "".join(f"{'ok' if c.ok else 'FAILED'}  {c.name}: {c.message}\n" for c in result.checks))
            attach("checks.json", json.dumps([asdict(c) for c in result.checks], indent=1, default=str), "json")
    except BaseException as exc:
        step.__exit__(type(exc), exc, exc.__traceback__)
        raise
    # A round trip that did not verify is a failed step, with the test's failure message.
    verdict = None if rep.ok else AssertionError(failure_message(rep, manifest))
    step.__exit__(type(verdict) if verdict else None, verdict, None)


def attach_failure(phones: Iterable[PhoneLike], since: dict[str, str], error: BaseException | None = None) -> None:
    """On a failed test: each phone's screenshot and its logcat from the test's start, and the
    backup tool's output if the tool itself failed."""
    if not recording():
        return
    result = getattr(error, "result", None)
    if result is not None and hasattr(result, "output"):
        attach(f"{result.step} output (exit {result.status})", result.output or "(no output)")
    for phone in phones:
        serial = getattr(phone, "serial", "phone")
        try:
            attach(f"screenshot {serial}", phone.screenshot(), "png")
        except Exception as exc:  # noqa: BLE001 - the phone may be the thing that failed
            attach(f"screenshot {serial} unavailable", f"{type(exc).__name__}: {exc}")
        try:
            attach(f"logcat {serial} (this test)", phone.logcat(since=since.get(serial)))
        except Exception as exc:  # noqa: BLE001
            attach(f"logcat {serial} unavailable", f"{type(exc).__name__}: {exc}")


def name_teardowns(fixturedef: Any) -> None:
    """Give a fixture's teardowns in the report the fixture's name. allure-pytest names each finalizer
    by its function's __name__ and wraps it as a teardown step; pytest registers a yield fixture's end
    as a functools.partial (no name: the step is called `phone::1`) and its own bookkeeping as a lambda
    (`phone::<lambda>`, a step that never finishes, so its status is unknown). The lambda is no
    teardown of the test: it runs unwrapped; the rest are named `<fixture>::teardown`."""
    finalizers = getattr(fixturedef, "_finalizers", None)
    if not recording() or not finalizers:
        return
    for index, finalizer in enumerate(finalizers):
        if not isinstance(finalizer, allure_commons.fixture):
            continue
        inner = getattr(finalizer, "_fixture_function", None)
        if getattr(inner, "__name__", None) == "<lambda>":
            finalizers[index] = inner
        elif not hasattr(inner, "__name__"):
            finalizer._name = f"{fixturedef.argname}::teardown"
