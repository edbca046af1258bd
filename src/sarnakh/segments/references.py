"""Segments that test membership of other segments (the `segment` filter field): which
segments a filter refers to, the order that evaluates a referenced segment before those
that refer to it, and the cycle a change would close. Pure: filters are plain JSON trees."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIELD = "segment"
MAX_NODES = 10_000  # a saved filter has at most 200 conditions; this bounds a malformed one


def referenced(tree: Any) -> set[int]:
    """The segment ids a filter's `segment` conditions name."""
    found: set[int] = set()
    stack, seen = [tree], 0
    while stack and seen < MAX_NODES:
        node, seen = stack.pop(), seen + 1
        if not isinstance(node, Mapping):
            continue
        if isinstance(node.get("conditions"), list):
            stack.extend(node["conditions"])
        elif node.get("field") == FIELD and isinstance(node.get("value"), list):
            found.update(v for v in node["value"] if isinstance(v, int) and not isinstance(v, bool))
    return found


def cycle_through(segment_id: int, refers_to: set[int], filters: Mapping[int, Any]) -> list[int] | None:
    """If `segment_id` referred to `refers_to`, the path back to itself, else None.
    `filters` are the other segments' filters by id."""
    parent: dict[int, int] = {}
    stack = [(target, segment_id) for target in sorted(refers_to)]
    while stack:  # each segment is visited once: bounded by the number of segments
        node, came_from = stack.pop()
        if node in parent:
            continue
        parent[node] = came_from
        if node == segment_id:
            path, step = [segment_id], came_from
            while step != segment_id:
                path.append(step)
                step = parent[step]
            return [segment_id, *reversed(path[1:]), segment_id]
        stack.extend((nxt, node) for nxt in sorted(referenced(filters.get(node))) if nxt not in parent)
    return None


def dependency_order(filters: Mapping[int, Any]) -> list[int]:
    """Segment ids with every referenced segment before those that refer to it (ids order
    otherwise); a cycle (refused when saved) cannot hang it: each id is placed once."""
    placed: list[int] = []
    state: dict[int, int] = {}  # 1 = being placed, 2 = placed
    for root in sorted(filters):
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                state[node] = 2
                placed.append(node)
                continue
            if state.get(node):
                continue
            state[node] = 1
            stack.append((node, True))
            stack.extend((dep, False) for dep in sorted(referenced(filters.get(node)), reverse=True)
                         if dep in filters and not state.get(dep))
    return placed
