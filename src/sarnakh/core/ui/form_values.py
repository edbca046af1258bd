"""A stored value as an input box shows it for editing (the scoring editor's and the segment
builder's condition rows): JSON booleans as true/false, whole floats without ".0"."""

from __future__ import annotations

from typing import Any


def as_input_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
