"""Allure reporting: steps for each phase, attachments, labels, categories and environment.
The only module that imports allure; every function is a no-op when allure-pytest is not
installed or not recording (no --alluredir). Not for judging results (that is `verify.py`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

try:  # allure-pytest is optional at run time
    import allure
    import allure_commons
except ImportError:  # pragma: no cover - exercised by the no-allure test environment
    allure = None
    allure_commons = None


def recording() -> bool:
    """True when an Allure listener is collecting results (pytest ran with --alluredir)."""
    if allure_commons is None:
        return False
    try:
        return bool(allure_commons.plugin_manager.get_plugins())
    except Exception:  # noqa: BLE001
        return False


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
            if recording() and found:
                attach_text(f"{name}: figures", "\n".join(f"{k}: {v}" for k, v in found.items()) + f"\nseconds: {seconds:.2f}")


def attach_text(name: str, text: str, kind: str = "text") -> None:
    if not recording():
        return
    types = {"text": allure.attachment_type.TEXT, "json": allure.attachment_type.JSON,
             "csv": allure.attachment_type.CSV, "html": allure.attachment_type.HTML,
             "xml": allure.attachment_type.XML}
    allure.attach(text, name=name, attachment_type=types.get(kind, allure.attachment_type.TEXT))


def attach_file(name: str, path: Any, kind: str = "text") -> None:
    if not recording():
        return
    types = {"text": allure.attachment_type.TEXT, "json": allure.attachment_type.JSON,
             "csv": allure.attachment_type.CSV, "html": allure.attachment_type.HTML,
             "png": allure.attachment_type.PNG, "xml": allure.attachment_type.XML}
    allure.attach.file(str(path), name=name, attachment_type=types.get(kind, allure.attachment_type.TEXT))


def attach_png(name: str, data: bytes) -> None:
    if recording():
        allure.attach(data, name=name, attachment_type=allure.attachment_type.PNG)
