"""Which nodes of a screen's page source (UiAutomator2 XML) a step's selector means: text or regex,
resource id, accessibility id, class, state, and the relations below / above / childOf. Pure: no driver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass
class Found:
    """A node of the page source that a selector matched."""

    node: Any  # lxml element
    bounds: tuple[int, int, int, int]

    @property
    def xpath(self) -> str:
        return str(self.node.getroottree().getpath(self.node))


def _bounds(node: Any) -> tuple[int, int, int, int]:
    numbers = [int(n) for n in re.findall(r"-?\d+", node.get("bounds", "[0,0][0,0]"))]
    return (numbers + [0, 0, 0, 0])[:4]  # type: ignore[return-value]


def _text_matches(wanted: str, actual: str | None) -> bool:
    if actual is None:
        return False
    if wanted == actual:
        return True
    try:
        return re.fullmatch(wanted, actual, re.DOTALL) is not None
    except re.error:
        return False


def _visible(node: Any, size: tuple[int, int]) -> bool:
    left, top, right, bottom = _bounds(node)
    return (node.get("displayed", "true") == "true" and right > left and bottom > top
            and right > 0 and bottom > 0 and left < size[0] and top < size[1])


def match(root: Any, selector: dict[str, Any], app_id: str) -> list[Found]:
    """Visible nodes matching a selector, in screen order (the relative ones nearest first)."""
    size = (int(root.get("width", "1080")), int(root.get("height", "2400")))
    nodes = [n for n in root.iter() if n is not root and _visible(n, size)]
    out = []
    for node in nodes:
        if "text" in selector and not (_text_matches(str(selector["text"]), node.get("text"))
                                       or _text_matches(str(selector["text"]), node.get("content-desc"))):
            continue
        if "id" in selector:
            wanted = str(selector["id"])
            wanted = wanted if ":id/" in wanted else f"{app_id}:id/{wanted}"
            if node.get("resource-id") != wanted:
                continue
        if "accessibilityId" in selector and not _text_matches(str(selector["accessibilityId"]), node.get("content-desc")):
            continue
        if "className" in selector and node.get("class") != str(selector["className"]):
            continue
        if any(k in selector and (node.get(k) == "true") != bool(selector[k]) for k in ("enabled", "checked", "selected")):
            continue
        out.append(Found(node, _bounds(node)))
    for relation in ("childOf", "below", "above"):
        if relation not in selector:
            continue
        anchors = match(root, selector[relation], app_id)
        if not anchors:
            return []
        anchor = anchors[0]
        if relation == "childOf":
            out = [f for f in out if anchor.node in f.node.iterancestors()]
        elif relation == "below":
            out = sorted((f for f in out if f.bounds[1] >= anchor.bounds[3]), key=lambda f: f.bounds[1] - anchor.bounds[3])
        else:
            out = sorted((f for f in out if f.bounds[3] <= anchor.bounds[1]), key=lambda f: anchor.bounds[1] - f.bounds[3])
    if not any(r in selector for r in ("below", "above")):
        # The deepest match wins where a parent and its child both match (a card and its title).
        out = [f for f in out if not any(f.node in g.node.iterancestors() for g in out)] or out
    if "index" in selector:
        index = selector["index"]
        out = out[index:index + 1]
    return out


def describe(selector: dict[str, Any]) -> str:
    parts = []
    for key, value in selector.items():
        if key in ("optional", "timeout"):
            continue
        parts.append(f"{key}={describe(value) if isinstance(value, dict) else repr(value)}")
    return "{" + ", ".join(parts) + "}"
