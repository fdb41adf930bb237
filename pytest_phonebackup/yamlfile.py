"""Reading user-written YAML (scenarios, flows, profiles) so every error names file, line and column.

`load_yaml(path)` returns plain Python data whose mappings and lists remember where they came from
(`where(node, key)` -> "file.yaml:12:5"); `syntax_error` says where a file stops being YAML, and
`unknown_key` refuses a misspelled key. Not for schemas of particular files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .errors import ScenarioError, did_you_mean

Mark = tuple[int, int]  # 1-based line and column


class LocatedDict(dict):  # type: ignore[type-arg]  # holds whatever YAML holds
    """A mapping that knows the file, line and column of itself, of each key and of each value."""

    source: str = ""
    line: int = 0
    column: int = 0
    key_marks: dict[str, Mark]
    value_marks: dict[str, Mark]


class LocatedList(list):  # type: ignore[type-arg]  # holds whatever YAML holds
    source: str = ""
    line: int = 0
    column: int = 0
    item_marks: list[Mark]


class _Loader(yaml.SafeLoader):
    pass


def mark_of(node: yaml.Node) -> Mark:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    result = LocatedDict()
    result.source = loader.name
    result.line, result.column = mark_of(node)
    result.key_marks, result.value_marks = {}, {}
    for key_node, value_node in node.value:
        at = "{}:{}:{}".format(loader.name, *mark_of(key_node))
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise ScenarioError(f"{at}: a key must be a plain value")
        if key in result:
            raise ScenarioError(f"{at}: key {key!r} appears twice")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_marks[str(key)] = mark_of(key_node)
        result.value_marks[str(key)] = mark_of(value_node)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.source = loader.name
    result.line, result.column = mark_of(node)
    result.item_marks = [mark_of(child) for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_text(path: Path) -> str:
    """The text of a user's YAML file; a missing or unreadable file is a ScenarioError."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None


def load_yaml(path: str | Path, text: str | None = None) -> Any:
    """Parse a YAML file; syntax errors become ScenarioError('file:line:col: ...')."""
    path = Path(path)
    loader = _Loader(read_text(path) if text is None else text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise syntax_error(path, exc) from None
    finally:
        loader.dispose()


def syntax_error(path: str | Path, exc: yaml.YAMLError) -> ScenarioError:
    """'file:line:col: invalid YAML: ...' at the place a reader has to fix.

    PyYAML reports where it gave up (`problem_mark`). When that is the end of the file (a quote or
    bracket never closed), the place to fix is where the unclosed thing began (`context_mark`)."""
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return ScenarioError(f"{path}: invalid YAML: {exc}")
    problem, context = exc.problem_mark, exc.context_mark
    message = str(exc.problem)
    at_end = problem.buffer is not None and problem.index >= len(problem.buffer.rstrip("\0")) - 1
    if at_end and context is not None:
        message = f"{message} at line {problem.line + 1}, {exc.context} that starts here"
        problem = context
    elif context is not None and exc.context:
        message += f" ({exc.context} that starts at {context.line + 1}:{context.column + 1})"
    if "'\\t'" in message:
        message += "; YAML indents with spaces, not tabs"
    if "<block end>" in message or "mapping values are not allowed" in message:
        message += "; check the indentation of this line and the one before"
    return ScenarioError(f"{path}:{problem.line + 1}:{problem.column + 1}: invalid YAML: {message}")


def where(node: Any, key: str | int | None = None, *, value: bool = False) -> str:
    """'file.yaml:LINE:COL' of a loaded mapping/list, or of one of its keys (`value`: that key's value)
    or indexes; '' if unknown."""
    source = getattr(node, "source", "")
    if not source:
        return ""
    mark: Mark = (getattr(node, "line", 0), getattr(node, "column", 0))
    if isinstance(node, LocatedDict) and key is not None:
        mark = (node.value_marks if value else node.key_marks).get(str(key), mark)
    elif isinstance(node, LocatedList) and isinstance(key, int) and 0 <= key < len(node.item_marks):
        mark = node.item_marks[key]
    return f"{source}:{mark[0]}:{mark[1]}"


def unknown_key(node: Any, allowed: Iterable[str], fallback: str, *, prefix: str = "",
                noun: str = "key") -> ScenarioError | None:
    """The error for the first key of `node` not in `allowed` (at that key, with a suggestion), or None."""
    allowed = list(allowed)
    unknown = [str(key) for key in node if str(key) not in allowed]
    if not unknown:
        return None
    key = unknown[0]
    return ScenarioError(f"{where(node, key) or fallback}: {prefix}unknown {noun} {key!r}; allowed: "
                         f"{', '.join(allowed)}{did_you_mean(key, allowed)}")


def relocate(data: dict[Any, Any], like: Any, renamed: dict[str, str] | None = None) -> Any:
    """`data` as a mapping that keeps the file and marks of the located mapping `like` (whose keys
    `renamed` maps to the new names), or `data` itself when `like` is not located."""
    if not isinstance(like, LocatedDict):
        return data
    renamed = renamed or {}
    copy = LocatedDict(data)
    copy.source, copy.line, copy.column = like.source, like.line, like.column
    copy.key_marks = {renamed.get(key, key): mark for key, mark in like.key_marks.items()}
    copy.value_marks = {renamed.get(key, key): mark for key, mark in like.value_marks.items()}
    return copy
