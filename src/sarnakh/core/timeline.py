"""The contact timeline: the kinds of rows it holds, and the one way to write a row.

Each app registers the kinds it owns (`timeline_kind(...)`, in its `contact_page` module,
imported by its AppConfig.ready): a kind is the key stored on the row, a label, and a
renderer that turns the row's data into what the contact page shows. The row's kind
column takes any registered key, so a new kind needs no migration; an unknown key
raises, when written and when shown.

Core sits below contacts and cannot write its Activity rows, so contacts provides the
writer: ContactsConfig.ready installs it with `install_timeline_writer`, the one place
that wires it. Every app writes through `timeline_write`, inside the transaction of the
change the row explains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sarnakh.core.registry import Registry, Spec


@dataclass
class TimelineEntry:
    """What the contact page shows for one row."""

    title: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # label, old, new
    facts: list[tuple[str, str]] = field(default_factory=list)  # label, value
    reason: str = ""
    body: str = ""


class TimelineValues(Protocol):
    """How the page names fields and shows values (stages, owners, choices), looked up once
    for all rows of a page; the contact page (contacts) provides it to the renderers."""

    def label(self, name: str) -> str: ...

    def value(self, name: str, value: Any) -> str: ...

    def changes(self, changes: dict) -> list[tuple[str, str, str]]: ...


Renderer = Callable[[dict[str, Any], TimelineValues], TimelineEntry]


@dataclass(frozen=True)
class TimelineKind(Spec):
    """`handler` is the renderer: (row data, page values) -> TimelineEntry."""


TIMELINE_KINDS: Registry[TimelineKind] = Registry("timeline kind")


def timeline_kind(key: str, label: Any, render: Renderer | None = None) -> TimelineKind:
    """Registers a kind; without a renderer its rows show the label as their title."""

    def title_only(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
        return TimelineEntry(title=str(label))

    return TIMELINE_KINDS.register(TimelineKind(key=key, label=label, config_schema={}, handler=render or title_only))


def render_entry(kind: str, data: dict[str, Any] | None, values: TimelineValues) -> TimelineEntry:
    return TIMELINE_KINDS.get(kind).handler(data or {}, values)


class TimelineWriter(Protocol):
    def __call__(self, *, contact: Any, kind: str, actor: Any, data: dict[str, Any] | None = None, at: Any = None) -> Any: ...


class TimelineManyWriter(Protocol):
    def __call__(self, *, rows: list[tuple[int, dict[str, Any]]], kind: str, actor: Any, at: Any = None) -> int: ...


_writer: TimelineWriter | None = None
_many_writer: TimelineManyWriter | None = None


def install_timeline_writer(writer: TimelineWriter, many: TimelineManyWriter | None = None) -> None:
    global _writer, _many_writer
    _writer = writer
    _many_writer = many


def timeline_write(*, contact: Any, kind: str, actor: Any, data: dict[str, Any] | None = None, at: Any = None) -> Any:
    """Writes one row about `contact` (a contact or its id), by `actor` (core.actor.Actor),
    at `at` (default now). Raises for a kind nobody registered, before writing anything."""
    TIMELINE_KINDS.get(kind)
    if _writer is None:
        raise RuntimeError("no timeline writer installed: the contacts app installs it when Django starts")
    return _writer(contact=contact, kind=kind, actor=actor, data=data, at=at)


def timeline_write_many(*, rows: list[tuple[int, dict[str, Any]]], kind: str, actor: Any, at: Any = None) -> int:
    """Writes one row of `kind` per (contact id, data) in one statement per batch: for changes
    that touch many contacts at once (a segment rebuilt, a list filled). Ids of contacts that
    no longer exist are skipped (their history row outlives them elsewhere); how many written."""
    TIMELINE_KINDS.get(kind)
    if _many_writer is None:
        raise RuntimeError("no timeline writer installed: the contacts app installs it when Django starts")
    return _many_writer(rows=rows, kind=kind, actor=actor, at=at) if rows else 0
