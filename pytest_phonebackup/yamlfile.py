"""Reading user-written YAML (scenarios, profiles) so every error names the file and the line.

`load_yaml(path)` returns plain Python data whose mappings and lists remember where they came
from (`where(node, key)` -> "file.yaml:12"). Not for schemas of particular files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ScenarioError


class LocatedDict(dict):  # type: ignore[type-arg]  # holds whatever YAML holds
    """A mapping that knows the file and line of itself and of each key."""

    source: str = ""
    line: int = 0
    key_lines: dict[str, int]


class LocatedList(list):  # type: ignore[type-arg]  # holds whatever YAML holds
    source: str = ""
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    result = LocatedDict()
    result.source = loader.name
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise ScenarioError(f"{loader.name}:{key_node.start_mark.line + 1}: a key must be a plain value")
        if key in result:
            raise ScenarioError(f"{loader.name}:{key_node.start_mark.line + 1}: key {key!r} appears twice")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.source = loader.name
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: str | Path, text: str | None = None) -> Any:
    """Parse a YAML file; syntax errors become ScenarioError('file:line: ...')."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScenarioError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{path}: cannot read: {exc}") from None
    loader = _Loader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ScenarioError(f"{path}{line}: invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def where(node: Any, key: str | int | None = None) -> str:
    """'file.yaml:LINE' for a loaded mapping/list (and one of its keys or indexes), or '' if unknown."""
    source = getattr(node, "source", "")
    if not source:
        return ""
    line = getattr(node, "line", 0)
    if isinstance(node, LocatedDict) and key is not None:
        line = node.key_lines.get(str(key), line)
    elif isinstance(node, LocatedList) and isinstance(key, int) and 0 <= key < len(node.item_lines):
        line = node.item_lines[key]
    return f"{source}:{line}"
