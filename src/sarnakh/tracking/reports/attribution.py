"""Which channels and campaigns earn the conversions: first-touch, last-touch, linear and
U-shaped attribution, computed by one SQL query over sets (SQLite and PostgreSQL).

A conversion is a live contact being created, or its first move to MQL or to customer.
Its touches are the contact's human sessions that started at or before that moment; a
contact with none (imported, created over the API) gets one touch from the first-touch
channel and campaign stored on the contact. Each touch earns the credit given by
attribution_credit.credits(model, n); the query reproduces those rules with window
functions, so every conversion's credits sum to 1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from sarnakh.contacts.selectors import conversions_sql
from sarnakh.core import clock
from sarnakh.core.errors import ValidationFailed
from sarnakh.tracking.models import Session
from sarnakh.tracking.reports.attribution_credit import (
    FIRST_TOUCH,
    LAST_TOUCH,
    LINEAR,
    MODELS,
    U_ENDS,
    U_MIDDLE,
    U_SHAPED,
)

CREATED, MQL, CUSTOMER = "created", "mql", "customer"
CONVERSIONS = (CREATED, MQL, CUSTOMER)
BY_CHANNEL, BY_CAMPAIGN = "channel", "campaign"
GROUPINGS = (BY_CHANNEL, BY_CAMPAIGN)
NO_CAMPAIGN = "(none)"
DEFAULT_DAYS = 90

# Credit of the touch at position `pos` (1-based, time order) among `n`; the "1.0 *"
# forces decimal division on both databases. Mirrors attribution_credit.credits().
_CREDIT_SQL = {
    FIRST_TOUCH: "CASE WHEN pos = 1 THEN 1.0 ELSE 0.0 END",
    LAST_TOUCH: "CASE WHEN pos = n THEN 1.0 ELSE 0.0 END",
    LINEAR: "1.0 / n",
    U_SHAPED: (
        "CASE WHEN n = 1 THEN 1.0 WHEN n = 2 THEN 0.5"
        f" WHEN pos = 1 OR pos = n THEN {U_ENDS!r} ELSE 1.0 * {U_MIDDLE!r} / (n - 2) END"
    ),
}


@dataclass(frozen=True)
class AttributionRow:
    key: str
    conversions: float  # credited conversions; unrounded
    touches: int
    share: float  # conversions / total conversions


@dataclass(frozen=True)
class Attribution:
    model: str
    conversion: str
    group_by: str
    since: dt.datetime
    until: dt.datetime
    total_conversions: int
    rows: list[AttributionRow]


@dataclass(frozen=True)
class ComparisonRow:
    key: str
    touches: int
    conversions: dict[str, float]  # model -> credited conversions
    shares: dict[str, float]


@dataclass(frozen=True)
class AttributionComparison:
    conversion: str
    group_by: str
    since: dt.datetime
    until: dt.datetime
    total_conversions: int
    rows: list[ComparisonRow]


# ---------------------------------------------------------------- periods

def day_start(day: dt.date) -> dt.datetime:
    """Midnight that starts `day` in the installation's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


def today() -> dt.date:
    return timezone.localtime(clock.now(), timezone.get_default_timezone()).date()


def default_period(days: int = DEFAULT_DAYS) -> tuple[dt.date, dt.date]:
    """(since, until) covering today and the days before it; until is exclusive."""
    until = today() + dt.timedelta(days=1)
    return until - dt.timedelta(days=days), until


# ---------------------------------------------------------------- reports

def attribution_report(*, model: str, conversion: str, group_by: str, since: dt.datetime, until: dt.datetime) -> Attribution:
    """Credited conversions per channel or campaign under one model, largest first."""
    _check(model=model, conversion=conversion, group_by=group_by, since=since, until=until)
    total, groups = _credited(models=(model,), conversion=conversion, group_by=group_by, since=since, until=until)
    rows = [
        AttributionRow(key=key, conversions=credit[model], touches=touches, share=_share(credit[model], total))
        for key, touches, credit in _sorted(groups, model)
    ]
    return Attribution(model=model, conversion=conversion, group_by=group_by, since=since, until=until, total_conversions=total, rows=rows)


def attribution_comparison(
    *, conversion: str, group_by: str, since: dt.datetime, until: dt.datetime, sort_by: str = LINEAR
) -> AttributionComparison:
    """All four models side by side (one query), sorted by the `sort_by` model's credit."""
    _check(model=sort_by, conversion=conversion, group_by=group_by, since=since, until=until)
    total, groups = _credited(models=MODELS, conversion=conversion, group_by=group_by, since=since, until=until)
    rows = [
        ComparisonRow(key=key, touches=touches, conversions=credit, shares={m: _share(c, total) for m, c in credit.items()})
        for key, touches, credit in _sorted(groups, sort_by)
    ]
    return AttributionComparison(conversion=conversion, group_by=group_by, since=since, until=until, total_conversions=total, rows=rows)


def _check(*, model: str, conversion: str, group_by: str, since: dt.datetime, until: dt.datetime) -> None:
    fields: dict[str, list[str]] = {}
    for name, value, allowed in (("model", model, MODELS), ("conversion", conversion, CONVERSIONS), ("group_by", group_by, GROUPINGS)):
        if value not in allowed:
            fields[name] = [_("Use one of: %(values)s.") % {"values": ", ".join(allowed)}]
    if since >= until:
        fields["until"] = [_("The end of the period must come after its start.")]
    if fields:
        raise ValidationFailed(_("Some fields are not valid."), fields=fields)


def _share(credit: float, total: int) -> float:
    return credit / total if total else 0.0


def _sorted(groups, model: str):
    # Rounded so PostgreSQL's decimals and SQLite's floats order equal credits the same way.
    return sorted(groups, key=lambda group: (-round(group[2][model], 9), group[0]))


# ---------------------------------------------------------------- the query

def _credited(*, models, conversion: str, group_by: str, since: dt.datetime, until: dt.datetime):
    """(total conversions, [(key, touch count, {model: credit})]) from one query."""
    sql, params = _query(models=models, conversion=conversion, group_by=group_by, since=since, until=until)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if not fetched:
        return 0, []
    total = int(fetched[0][2])
    groups = [(key, int(touches), {m: float(c) for m, c in zip(models, credits, strict=True)}) for key, touches, _total, *credits in fetched]
    return total, groups


def _query(*, models, conversion: str, group_by: str, since: dt.datetime, until: dt.datetime) -> tuple[str, list]:
    q = connection.ops.quote_name
    session = q(Session._meta.db_table)
    col = {"contact_id": q(Session._meta.get_field("contact").column)}
    conversions, params = conversions_sql(stage=None if conversion == CREATED else conversion, since=since, until=until)
    key_sql = "channel" if group_by == BY_CHANNEL else f"COALESCE(NULLIF(campaign, ''), '{NO_CAMPAIGN}')"
    credit_columns = ", ".join(f"SUM({_CREDIT_SQL[m]}) AS credit_{m}" for m in models)
    sql = f"""
        WITH conversions AS ({conversions}
        ),
        touch_rows AS (
            SELECT v.contact_id, s.started_at AS touched_at, s.id AS touch_id, s.channel AS channel, s.utm_campaign AS campaign
            FROM conversions v JOIN {session} s ON s.{col["contact_id"]} = v.contact_id
            WHERE s.is_bot = %s AND s.started_at <= v.converted_at
            UNION ALL
            SELECT v.contact_id, v.created_at, 0, v.channel, v.campaign
            FROM conversions v
            WHERE NOT EXISTS (
                SELECT 1 FROM {session} s
                WHERE s.{col["contact_id"]} = v.contact_id AND s.is_bot = %s AND s.started_at <= v.converted_at
            )
        ),
        ranked AS (
            SELECT {key_sql} AS grp,
                   ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY touched_at, touch_id) AS pos,
                   COUNT(*) OVER (PARTITION BY contact_id) AS n
            FROM touch_rows
        )
        SELECT grp, COUNT(*) AS touches, (SELECT COUNT(*) FROM conversions) AS total, {credit_columns}
        FROM ranked
        GROUP BY grp"""
    return sql, [*params, False, False]
