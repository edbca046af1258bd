"""The backtest on the database: which contacts to replay, their facts, events and stage
outcomes read in chunks of ids (a few queries per chunk), and the pure engine's replay.

Contacts replayed: live contacts created in the window or with tracked behaviour in it;
a contact with neither cannot newly cross a bar inside the window (its score only
decays there). Their whole event history up to the end is read, since points earned
before the window still count, decayed, inside it.

Outcomes come from the stage history: the first change into a funnel stage at or after
MQL, SQL and customer. A contact whose current stage is past one of them with no change
row showing it (created there, e.g. imported as a customer) reached it when created.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.core import clock
from sarnakh.core.errors import ValidationFailed
from sarnakh.scoring import facts_loader
from sarnakh.scoring.engine import ModelSpec, SpecError
from sarnakh.scoring.engine.backtest import BacktestResult as EngineResult
from sarnakh.scoring.engine.backtest import ContactHistory, rolling_months, run_backtest
from sarnakh.scoring.engine.facts import EVENT_TYPES
from sarnakh.scoring.models import ScoringModel
from sarnakh.scoring.services import scoring_model_for, version_spec
from sarnakh.tracking import selectors as tracking_selectors

MAX_MONTHS = 24
CHUNK = 500
LEVELS = ("mql", "sql", "customer")  # the stages whose first reach the backtest measures


@dataclass(frozen=True)
class Backtest:
    """The engine's result and which stored model it was compared with."""

    result: EngineResult
    model: ScoringModel
    version: int
    computed_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {"computed_at": self.computed_at, "in_use_version": self.version, **self.result.to_dict()}


def _stage_levels() -> dict[str, set[str]]:
    """For each level, the funnel stage keys at or after it."""
    stages = [(s.key, s.order) for s in contact_selectors.stage_list() if s.kind == contact_selectors.StageKind.FUNNEL]
    orders = dict(stages)
    return {level: {key for key, order in stages if order >= orders[level]} if level in orders else set() for level in LEVELS}


def _candidate_ids(start: dt.datetime, end: dt.datetime) -> list[int]:
    ids = set(
        contact_selectors.live_contacts().filter(created_at__gte=start, created_at__lt=end).values_list("pk", flat=True)
    )
    ids.update(
        tracking_selectors.human_events().filter(
            contact_id__isnull=False, type__in=EVENT_TYPES, occurred_at__gte=start, occurred_at__lt=end
        ).values_list("contact_id", flat=True).distinct()
    )
    return sorted(ids)


def _reached(contact_ids: list[int], levels: Mapping[str, set[str]]) -> dict[int, dict[str, dt.datetime]]:
    """The first time each contact entered a stage at or after each level."""
    keys = set().union(*levels.values())
    found: dict[int, dict[str, dt.datetime]] = {}
    rows = contact_selectors.stage_changes().filter(contact_id__in=contact_ids, to_stage__in=keys).values_list("contact_id", "to_stage", "changed_at")
    for contact_id, stage, at in rows:
        mine = found.setdefault(contact_id, {})
        for level, stages in levels.items():
            if stage in stages and (level not in mine or at < mine[level]):
                mine[level] = at
    return found


def histories(contact_ids: list[int], *, chunk: int = CHUNK) -> Iterator[ContactHistory]:
    """Facts, events and stage outcomes of the live contacts among `contact_ids`."""
    levels = _stage_levels()
    for begin in range(0, len(contact_ids), chunk):
        ids = contact_ids[begin : begin + chunk]
        contacts = list(contact_selectors.live_contacts().filter(pk__in=ids).select_related("stage", "company"))
        facts = facts_loader.facts_for_contacts(contacts)
        reached = _reached(ids, levels)
        for contact in contacts:
            mine = dict(reached.get(contact.pk, {}))
            for level, stages in levels.items():
                if contact.stage_id in stages and level not in mine:
                    mine[level] = contact.created_at
            yield ContactHistory(
                contact_id=contact.pk, person=facts[contact.pk].person, events=facts[contact.pk].events,
                created_at=contact.created_at, reached_mql_at=mine.get("mql"), reached_sql_at=mine.get("sql"),
                reached_customer_at=mine.get("customer"),
            )


def _check(months: Any, target_per_month: Any) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
        errors["months"] = [_("Enter a whole number of months from 1 to %(max)s.") % {"max": MAX_MONTHS}]
    if target_per_month is not None and (
        not isinstance(target_per_month, int | float) or isinstance(target_per_month, bool) or not 0 < target_per_month <= 1_000_000
    ):
        errors["target_per_month"] = [_("Enter a positive number of MQLs per month.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)


def scoring_backtest(
    *, model_key: str | None = None, spec_dict: Any = None, months: int = 6, target_per_month: float | None = None,
    now: dt.datetime | None = None, chunk: int = CHUNK,
) -> Backtest:
    """Replays a model (the default, `model_key`'s current rules, or draft rules for it)
    over the last `months` months and compares it with the model in use; with a target
    volume, suggests a threshold. NotFound for an unknown model, ValidationFailed (by
    field path) for bad draft rules or arguments. Changes nothing."""
    _check(months, target_per_month)
    model = scoring_model_for(model_key or None)
    in_use = version_spec(model.current_version)
    spec = in_use
    if spec_dict is not None:
        if not isinstance(spec_dict, Mapping):
            raise SpecError({"__all__": [_("Expected an object.")]})
        spec = ModelSpec.parse({**spec_dict, "key": spec_dict.get("key") or model.key})
    now, tz = now or clock.now(), facts_loader.account_tz()
    start = rolling_months(now, months, tz)[0].start
    result = run_backtest(
        spec, histories(_candidate_ids(start, now), chunk=chunk), end=now, months=months, tz=tz,
        target_per_month=target_per_month, in_use=in_use,
    )
    return Backtest(result=result, model=model, version=model.current_version.number, computed_at=now)
