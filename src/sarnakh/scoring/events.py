"""Domain events of the scoring app (core.events)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import DomainEvent, domain_event


@domain_event("contact.qualified", label=_("Lead crossed a scoring bar"))
@dataclass(frozen=True, kw_only=True)
class ContactQualified(DomainEvent):
    """A contact's score crossed a model's qualification bar (it was below it at its last
    stored score). `moved_to_mql`: the default model moved the contact to MQL with it."""

    model: str = ""
    version: int = 0
    score: float = 0.0
    fit: float = 0.0
    engagement: float = 0.0
    grade: str = ""
    moved_to_mql: bool = False
    since: str = ""  # when it crossed (ISO 8601): one announcement per crossing


@domain_event("contact.score_changed", label=_("Lead score changed"))
@dataclass(frozen=True, kw_only=True)
class ContactScoreChanged(DomainEvent):
    """A contact's stored score under a model changed (fit, engagement, total or grade).
    Published by the one-contact path; a model's bulk re-score publishes `scoring.rescored`."""

    model: str = ""
    fit: float = 0.0
    engagement: float = 0.0
    score: float = 0.0
    grade: str = ""
    previous_score: float | None = None
    previous_grade: str = ""


@domain_event("scoring.rescored", label=_("Every lead re-scored"))
@dataclass(frozen=True, kw_only=True)
class ScoresRescored(DomainEvent):
    """A model re-scored every live contact set-based (a new version, a rescore run):
    `changed` contacts got new values. One event for the run, not one per contact."""

    model: str = ""
    version: int = 0
    changed: int = 0
