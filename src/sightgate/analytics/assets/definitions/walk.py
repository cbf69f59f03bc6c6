"""A definition walked as plain JSON: every object in it, with the JSON path that leads
there (``Definition.Sheets[0].Visuals[2].BarChartVisual``).

The checks look for members by name wherever they occur (a ``Column`` in any visual, a
``SourceFilterId`` in any control) rather than per visual type, so the 900-odd shapes of
``DashboardVersionDefinition`` need no table here, and a member this code has never seen
is kept as given and still checked when it holds a known reference.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 200
"""Deeper than any shape of the model nests (about 30 levels): a guard, not a limit."""


@dataclass(frozen=True)
class Node:
    """An object of the definition, its path, and the member name it is the value of
    (the name of the list for a list's item; ``""`` at the root)."""

    path: str
    key: str
    value: Mapping[str, Any]


def child(path: str, key: str) -> str:
    """The path of a member."""
    return f"{path}.{key}" if path else key


def nodes(value: object, path: str, key: str = "") -> Iterator[Node]:
    """Every object under ``value`` (itself included), parents before children, members
    and list items in order. Iterative, so nesting depth costs no stack."""
    stack: list[tuple[object, str, str, int]] = [(value, path, key, 0)]
    while stack:
        current, where, name, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(current, Mapping):
            yield Node(where, name, current)
            members = [(v, child(where, k), str(k), depth + 1) for k, v in current.items()]
            stack.extend(reversed(members))
        elif isinstance(current, list):
            items = [(v, f"{where}[{i}]", name, depth + 1) for i, v in enumerate(current)]
            stack.extend(reversed(items))
