"""The start-up check of what a run names: every backup app (scenario, with its flow files) and media
profile is loaded and validated before anything starts, and the problems become one error of a few
lines, `file:line:col: message` each. Not for phones or options (settings.py, plugin/preflight.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import PhoneBackupError

MAX_SHOWN = 5  # problems listed one per line; the rest are counted


@dataclass(frozen=True)
class Named:
    """One backup app or media profile a run names, and where it is named (an option, a test's marker)."""

    what: str  # "app" or "profile"
    name: str
    origin: str  # e.g. "--phone-backup-app" or "tests/test_mine.py:7:26"


def problems(named: Iterable[Named]) -> list[str]:
    """One line per app or profile that cannot be used, in the order named (each checked once)."""
    found: list[str] = []
    seen: set[tuple[str, str]] = set()
    for item in named:
        if (item.what, item.name) in seen:
            continue
        seen.add((item.what, item.name))
        problem = _problem(item)
        if problem:
            found.append(" ".join(problem.split("\n")))
    return found


def one_error(found: list[str], limit: int = MAX_SHOWN) -> str:
    """The problems as one message: a line each for the first `limit`, then 'and N more'."""
    lines = found[:limit]
    if len(found) > limit:
        lines.append(f"and {len(found) - limit} more")
    return "\n".join(lines)


def _problem(item: Named) -> str | None:
    from .apps import find_scenario, load_app
    from .media.catalog import load_profile, profile_path

    find, load = (find_scenario, load_app) if item.what == "app" else (profile_path, load_profile)
    try:
        path = find(item.name)
    except PhoneBackupError as exc:  # the name itself is wrong: say where it was given
        return f"{item.origin}: {exc}"
    try:
        load(path)
    except (PhoneBackupError, ValueError) as exc:  # the file is wrong: its message names file:line:col
        return str(exc)
    return None
