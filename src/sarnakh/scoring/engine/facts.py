"""What the engine scores: plain snapshots of a person, their company and their events.

The database side builds these from rows; the engine never sees a model instance, so the
same rules run in the real-time hook, in previews, in backtests and in tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

BANT_KEYS = ("budget", "authority", "need", "timeline")


def _require_aware(moment: dt.datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")


@dataclass(frozen=True)
class CompanyFacts:
    name: str = ""
    domain: str = ""
    industry: str = ""
    employee_band: str = ""
    revenue_band: str = ""
    country: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        head, _, rest = name.partition(".")
        if head == "properties":
            return self.properties.get(rest) if rest else None
        return getattr(self, head) if head in COMPANY_ATTRIBUTES else None


COMPANY_ATTRIBUTES = frozenset(f.name for f in fields(CompanyFacts)) - {"properties"}


@dataclass(frozen=True)
class PersonFacts:
    """Contact facts fit rules read. `bant` holds the four BANT answers as typed."""

    email: str = ""
    job_title: str = ""
    country: str = ""
    city: str = ""
    language: str = ""
    channel: str = ""
    source_type: str = ""
    lead_status: str = ""
    stage: str = ""
    tags: tuple[str, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)
    bant: Mapping[str, Any] = field(default_factory=dict)
    company: CompanyFacts | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PersonFacts:
        values = dict(data)
        company = values.pop("company", None)
        if isinstance(company, Mapping):
            company = CompanyFacts(**company)
        if "tags" in values:
            values["tags"] = tuple(values["tags"] or ())
        return cls(company=company, **values)

    def get(self, name: str) -> Any:
        """The value of a dotted field such as `company.employee_band`; None when absent."""
        head, _, rest = name.partition(".")
        if head == "properties":
            return self.properties.get(rest) if rest else None
        if head == "bant":
            return self.bant.get(rest)
        if head == "company":
            return self.company.get(rest) if self.company is not None and rest else None
        return getattr(self, head) if head in PERSON_ATTRIBUTES else None


PERSON_ATTRIBUTES = frozenset(f.name for f in fields(PersonFacts)) - {"properties", "bant", "company"}


def person_field_error(name: str) -> str | None:
    """Why `name` is not a field fit rules may read, or None when it is."""
    head, _, rest = name.partition(".")
    if head in ("properties", "bant", "company") and not rest:
        return "incomplete"
    if head == "properties":
        return None
    if head == "bant":
        return None if rest in BANT_KEYS else "unknown"
    if head == "company":
        sub, _, key = rest.partition(".")
        if sub == "properties":
            return None if key else "incomplete"
        return None if sub in COMPANY_ATTRIBUTES and not key else "unknown"
    return None if head in PERSON_ATTRIBUTES and not rest else "unknown"


EVENT_TYPES = ("page_view", "track")  # identify events carry traits, not behaviour


@dataclass(frozen=True)
class EventFacts:
    id: int | str
    type: str
    at: dt.datetime
    name: str = ""
    path: str = ""
    url: str = ""
    title: str = ""
    label: str = ""
    referrer: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_aware(self.at, "event time")

    def get(self, name: str) -> Any:
        head, _, rest = name.partition(".")
        if head == "properties":
            return self.properties.get(rest) if rest else None
        if head == "path" and not self.path and self.url:
            return urlsplit(self.url).path
        return getattr(self, head) if head in EVENT_ATTRIBUTES else None

    @property
    def order_key(self) -> tuple:
        # Ids may be database integers or client strings; never compare one with the other.
        return (self.at, (0, self.id, "") if isinstance(self.id, int) else (1, 0, str(self.id)))


EVENT_ATTRIBUTES = frozenset({"name", "path", "url", "title", "label", "referrer"})


def event_field_error(name: str) -> str | None:
    head, _, rest = name.partition(".")
    if head == "properties":
        return None if rest else "incomplete"
    return None if head in EVENT_ATTRIBUTES and not rest else "unknown"
