"""Set-based scoring of every live contact under one model: the bulk re-score after a rule
change, and its dry run, the impact preview. Both give the numbers `score_contact` gives.

How (first over whole tables, then per batch of contact ids; SQL over temporary tables):
1. Rules are decided per distinct field value (`engine/bulk_plan.py`): one DISTINCT scan
   per field the rules read, masks computed in Python, sent back into `sc_emask` and
   `sc_fmask` (only the masks that differ from the field's most common one); every
   combined mask an event can have is expanded to its rules in `sc_maskrule`.
2. `sc_hit`: every non-bot page view or custom event with each rule it satisfies, in one
   pass over the events table (the masks AND-ed, then an equality join on the result).
3. The hits the caps let through. Per-day and total caps are window functions (ranks
   are enough: an event refused by the per-day cap does not use up the total, and once
   the total is used up nothing later counts), rules grouped by the caps they have; a
   rule with a points-per-period cap (partial cuts over a sliding window) is walked in
   one ordered pass with the engine's own `cap_walk` into `sc_count`.
4. `sc_eng`: the sum of each counted event's points after decay, rounded to the cent per
   event as the engine does (`_Dialect.decayed_cents`); `sc_fit` from the fit masks; then
   per batch `sc_result` with grade and the bar.
5. Re-score: in one transaction per batch, score history rows for changed values, an
   UPDATE … FROM and an INSERT of the missing rows. Contacts that cross the bar get
   `qualified_since`; what a crossing does (MQL stage with its timeline row, the
   `became_mql` event) is a job queued in the same transaction (`act_on_crossings`), so
   the re-score's time does not depend on how many cross. Rows written by the real-time
   path after the run began (`computed_at` > the run's `now`) are newer and left alone.

Stored rows get an empty breakdown: the explanation is computed on read with the engine
at the row's `computed_at` (`selectors.contact_score`), so it adds up to the same numbers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext

from sarnakh.contacts.models import Company, Contact, Tag
from sarnakh.core import clock
from sarnakh.core.events import publish
from sarnakh.core.jobs import enqueue
from sarnakh.scoring import facts_loader
from sarnakh.scoring.engine import ModelSpec
from sarnakh.scoring.engine import bulk_plan as plan
from sarnakh.scoring.engine.engagement import cap_walk, decay_factor
from sarnakh.scoring.engine.facts import EVENT_TYPES
from sarnakh.scoring.engine.qualification import GRADES
from sarnakh.scoring.engine.result import cents
from sarnakh.scoring.events import ScoresRescored
from sarnakh.scoring.models import ContactScore, ScoreHistory, ScoringModel
from sarnakh.tracking.models import Event

logger = logging.getLogger("sarnakh.scoring")

BATCH = 100_000
SQLITE_BATCH = 20_000  # each batch's writes hold SQLite's one write lock: keep them short
WORK_MEM = "512MB"  # per sort or hash of this session only, while a run lasts
Progress = Callable[[int, int, str], None]  # (contacts written, contacts, phase)
MATCHING, WRITING = "matching", "writing"


@dataclass(frozen=True)
class RescoreOutcome:
    total: int
    changed: int
    crossed: int
    timings: dict[str, float] | None = None  # seconds per step


def _c(value: Any) -> int:
    """Points as integer cents."""
    return int(cents(Decimal(str(value))) * 100)


def _q(table) -> str:
    return connection.ops.quote_name(table._meta.db_table)


def _col(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


# ------------------------------------------------------------------ dialects


class _Dialect:
    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def json_key(self, column: str, key: str) -> tuple[str, list]:
        if self.postgres:
            return f"COALESCE('v:' || ({column} -> %s)::text, 'n')", [key]
        return f"COALESCE('v:' || ({column} -> %s), 'n')", ['$."' + key.replace('"', '\\"') + '"']

    def tags_key(self) -> str:
        through = Contact.tags.through
        link, tag = _q(through), _q(Tag)
        contact_col, tag_col = _col(through, "contact"), _col(through, "tag")
        if self.postgres:
            return (
                f"'v:' || COALESCE((SELECT string_agg(t.name, chr(31) ORDER BY t.name) FROM {link} ct "
                f"JOIN {tag} t ON t.id = ct.{tag_col} WHERE ct.{contact_col} = c.id), '')"
            )
        return (
            f"'v:' || COALESCE((SELECT group_concat(name, char(31)) FROM (SELECT t.name FROM {link} ct "
            f"JOIN {tag} t ON t.id = ct.{tag_col} WHERE ct.{contact_col} = c.id ORDER BY t.name)), '')"
        )

    def day(self, column: str, tz_name: str) -> tuple[str, list]:
        if self.postgres:
            return f"({column} AT TIME ZONE %s)::date", [tz_name]
        return f"django_datetime_cast_date({column}, %s, 'UTC')", [tz_name]

    def decayed_cents(self, sign: str, magnitude: str, at: str, half_life: str) -> str:
        """SQL for one counted event's points after decay, in cents, rounded half away from
        zero as the engine rounds; needs the `now` parameter twice (PostgreSQL) or once
        (SQLite), in the order returned by now_params.

        PostgreSQL rounds the float product |cents| × factor: the same as the engine's exact
        Decimal product unless that product lies within one float ulp of a half cent (exact
        halves, e.g. a factor of 0.5, are exact in both)."""
        if self.postgres:
            factor = (
                f"(CASE WHEN {half_life} = 0 OR {at} >= %s THEN 1::float8 ELSE "
                f"power(0.5::float8, EXTRACT(EPOCH FROM (%s - {at}))::float8 / ({half_life} * 86400.0::float8)) END)"
            )
            return f"({sign} * floor({magnitude}::float8 * {factor} + 0.5))::bigint"
        return f"sarnakh_decayed_cents({sign} * {magnitude}, {at}, %s, {half_life})"

    def db_time(self, moment: dt.datetime) -> Any:
        """A moment as a raw-SQL parameter (SQLite stores Django's text form)."""
        return moment if self.postgres else connection.ops.adapt_datetimefield_value(moment)

    def now_params(self, now: dt.datetime) -> list:
        return [now, now] if self.postgres else [self.db_time(now)]

    @property
    def empty_json(self) -> str:
        return "'{}'::jsonb" if self.postgres else "'{}'"

    def setup(self) -> None:
        if self.postgres:
            return
        connection.ensure_connection()
        connection.connection.create_function("sarnakh_decayed_cents", 4, _sqlite_decayed_cents, deterministic=True)


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def _sqlite_decayed_cents(raw_cents: int, at: str, now: str, half_life: float) -> int:
    raw = Decimal(raw_cents) / 100
    return int(cents(raw * Decimal(decay_factor(_aware(at), _aware(now), half_life))) * 100)


# ------------------------------------------------------------------ field keys


_EVENT_TEXT = ("name", "url", "title", "label", "referrer")
_PERSON_TEXT = ("email", "job_title", "country", "city", "language", "channel", "source_type", "lead_status")
_COMPANY_TEXT = ("name", "domain", "industry", "employee_band", "revenue_band", "country")


def _event_key(d: _Dialect, field: str) -> tuple[str, list]:
    if field in _EVENT_TEXT:
        return f"COALESCE('v:' || e.{connection.ops.quote_name(field)}, 'n')", []
    if field == "path":
        return "(CASE WHEN e.path = '' THEN 'u' || e.url ELSE 'p' || e.path END)", []
    if field.startswith("properties."):
        return d.json_key("e.properties", field.removeprefix("properties."))
    raise ValueError(f"no SQL key for event field {field!r}")


def _person_key(d: _Dialect, field: str) -> tuple[str, list]:
    head, _sep, rest = field.partition(".")
    if field in _PERSON_TEXT:
        return f"COALESCE('v:' || c.{_col(Contact, field)}, 'n')", []
    if field == "stage":
        return f"'v:' || c.{_col(Contact, 'stage')}", []
    if field == "tags":
        return d.tags_key(), []
    if head == "properties":
        return d.json_key("c.properties", rest)
    if head == "bant":
        return d.json_key("c.properties", facts_loader.BANT_PROPERTY_PREFIX + rest)
    if head == "company":
        if rest.startswith("properties."):
            return d.json_key("co.properties", rest.removeprefix("properties."))
        if rest in _COMPANY_TEXT:
            return f"COALESCE('v:' || co.{_col(Company, rest)}, 'n')", []
    raise ValueError(f"no SQL key for person field {field!r}")


# ------------------------------------------------------------------ the run


_TEMP_TABLES = {
    "sc_emask": "g integer NOT NULL, f integer NOT NULL, k text NOT NULL, m bigint NOT NULL, PRIMARY KEY (g, f, k)",
    "sc_fmask": "g integer NOT NULL, f integer NOT NULL, k text NOT NULL, m bigint NOT NULL, PRIMARY KEY (g, f, k)",
    "sc_rule": (
        "rule integer PRIMARY KEY, g integer NOT NULL, bit bigint NOT NULL, mag_c bigint NOT NULL, sign integer NOT NULL, "
        "high integer NOT NULL, hl double precision NOT NULL, max_per_day integer, max_total integer, walked integer NOT NULL"
    ),
    "sc_maskrule": "g integer NOT NULL, m bigint NOT NULL, rule integer NOT NULL",
    "sc_hit": "contact_id bigint NOT NULL, rule integer NOT NULL, event_id bigint NOT NULL, at timestamp NOT NULL, day date",
    "sc_count": "contact_id bigint NOT NULL, rule integer NOT NULL, at timestamp NOT NULL, mag_c bigint NOT NULL",
    "sc_eng": "contact_id bigint PRIMARY KEY, eng_c bigint NOT NULL, high_c bigint NOT NULL",
    "sc_fit": "contact_id bigint PRIMARY KEY, fit_c bigint NOT NULL",
    "sc_result": (
        "contact_id bigint PRIMARY KEY, fit_c bigint NOT NULL, eng_c bigint NOT NULL, high_c bigint NOT NULL, "
        "grade varchar(1) NOT NULL, qualified integer NOT NULL, crossing integer NOT NULL DEFAULT 0"
    ),
}


class _Run:
    """One model's rules over the database: temp tables, masks and the batch pipeline."""

    def __init__(self, spec: ModelSpec, now: dt.datetime, tz: dt.tzinfo) -> None:
        self.spec, self.now, self.tz = spec, now, tz
        self.tz_name = getattr(tz, "key", None) or "UTC"
        self.d = _Dialect()
        self.egroups = plan.engagement_groups(spec)
        self.fgroups = plan.fit_groups(spec)
        self.edefaults: dict[tuple[int, int], int] = {}
        self.fdefaults: dict[tuple[int, int], int] = {}
        self.timings: Counter = Counter()
        self.emask_values: dict[tuple[int, int], set[int]] = {}

    # -- setup

    def __enter__(self) -> _Run:
        self.d.setup()
        ts = "timestamptz" if self.d.postgres else "timestamp"
        with connection.cursor() as cursor:
            if self.d.postgres:  # sorts and hashes of millions of hits stay in memory
                cursor.execute("SET work_mem = %s", [WORK_MEM])
            for name, columns in _TEMP_TABLES.items():
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
                cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns.replace('timestamp ', ts + ' ')})")
        with self._step("masks (all)"):
            self._load_rules()
            self._load_masks("sc_emask", self.egroups, _event_key, self._event_source, self.edefaults)
            self._load_masks("sc_fmask", self.fgroups, _person_key, self._person_source, self.fdefaults)
            self._load_mask_rules()
        return self

    def __exit__(self, *exc: Any) -> None:
        with connection.cursor() as cursor:
            for name in _TEMP_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
            if self.d.postgres:
                cursor.execute("RESET work_mem")

    def _load_rules(self) -> None:
        rows = []
        for group_no, group in enumerate(self.egroups):
            for i, rule in enumerate(group.rules):
                half_life = self.spec.half_life_days if rule.half_life_days is None else rule.half_life_days
                rows.append((
                    group.offset + i, group_no, group.bit(i), _c(abs(Decimal(str(rule.points)))), -1 if rule.points < 0 else 1,
                    1 if rule.intent == "high" else 0, float(half_life or 0), rule.max_per_day, rule.max_total,
                    1 if rule.max_points_per_period is not None else 0,
                ))
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO sc_rule VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)

    def _event_source(self) -> tuple[str, list]:
        types = ", ".join("%s" for _ in EVENT_TYPES)
        return f"FROM {_q(Event)} e WHERE e.contact_id IS NOT NULL AND e.is_bot = %s AND e.type IN ({types})", [False, *EVENT_TYPES]

    def _person_source(self) -> tuple[str, list]:
        return (
            f"FROM {_q(Contact)} c LEFT JOIN {_q(Company)} co ON co.id = c.{_col(Contact, 'company')} "
            f"WHERE c.{_col(Contact, 'merged_into')} IS NULL"
        ), []

    def _distinct_keys(self, fields: tuple[str, ...], key_of, source) -> dict[str, list]:
        """Each field's distinct keys, one DISTINCT scan per field (one GROUPING SETS scan
        for all of them measured no faster on PostgreSQL and held twice the memory)."""
        from_sql, from_params = source()
        found: dict[str, list] = {}
        with connection.cursor() as cursor:
            for field in fields:
                sql, params = key_of(self.d, field)
                cursor.execute(f"SELECT DISTINCT {sql} {from_sql}", [*params, *from_params])
                found[field] = [row[0] for row in cursor.fetchall()]
        return found

    def _load_masks(self, table: str, groups: list[plan.RuleGroup], key_of, source, defaults: dict) -> None:
        with connection.cursor() as cursor:
            for group_no, group in enumerate(groups):
                with self._step(f"{table}: distinct values"):
                    distinct = self._distinct_keys(group.fields, key_of, source)
                for field_no, field in enumerate(group.fields):
                    with self._step(f"{table}: decide"):
                        masks = group.masks(field, distinct[field])
                    default = plan.most_common(masks)
                    defaults[group_no, field_no] = default
                    if table == "sc_emask":
                        self.emask_values[group_no, field_no] = {*masks.values(), default}
                    self._insert_masks(cursor, table, ((group_no, field_no, k, m) for k, m in masks.items() if m != default))
            if self.d.postgres:
                cursor.execute(f"ANALYZE {table}")

    def _load_mask_rules(self) -> None:
        """Every mask an event can end up with, expanded to the rules it names, so events
        meet their rules through an equality (hash) join instead of a test per rule."""
        rows = []
        for group_no, group in enumerate(self.egroups):
            reachable = {group.type_mask("page_view"), group.type_mask("track")}
            for field_no in range(len(group.fields)):
                values = self.emask_values[group_no, field_no]
                reachable = {mask & value for mask in reachable for value in values}
            for mask in reachable:
                rows += [(group_no, mask, group.offset + i) for i in range(len(group.rules)) if mask & group.bit(i)]
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO sc_maskrule (g, m, rule) VALUES (%s, %s, %s)", rows)
            if self.d.postgres:
                cursor.execute("ANALYZE sc_maskrule")

    def _insert_masks(self, cursor, table: str, rows) -> None:
        if self.d.postgres:
            with cursor.cursor.copy(f"COPY {table} (g, f, k, m) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        cursor.executemany(f"INSERT INTO {table} (g, f, k, m) VALUES (%s, %s, %s, %s)", list(rows))

    # -- one batch

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self.timings[name] += time.perf_counter() - began

    def engagement(self) -> None:
        """Fills sc_eng and sc_fit, every contact's engagement and fit, in a few statements
        over whole tables: one pass beats one index range scan (or hash build) per batch."""
        with connection.cursor() as cursor:
            with self._step("match events"):
                for group_no, group in enumerate(self.egroups):
                    cursor.execute(*self._hits_sql(group_no, group))
                if self.d.postgres:
                    cursor.execute("ANALYZE sc_hit")
            with self._step("period caps"):
                self._walk_period_caps()
            with self._step("caps and decay"):
                cursor.execute(*self._engagement_sql())
            with self._step("fit"):
                cursor.execute(*self._fit_sql())
            if self.d.postgres:
                cursor.execute("ANALYZE sc_eng")
                cursor.execute("ANALYZE sc_fit")

    def batch(self, low: int, high: int) -> None:
        """Fills sc_result for the live contacts with low <= id < high."""
        with connection.cursor() as cursor, self._step("bar"):
            cursor.execute("DELETE FROM sc_result")
            cursor.execute(*self._result_sql(low, high))

    def _hits_sql(self, group_no: int, group: plan.RuleGroup) -> tuple[str, list]:
        joins, masks, params = [], [], []
        for field_no, field in enumerate(group.fields):
            key, key_params = _event_key(self.d, field)
            joins.append(f"LEFT JOIN sc_emask m{field_no} ON m{field_no}.g = {group_no} AND m{field_no}.f = {field_no} AND m{field_no}.k = {key}")
            params += key_params
            masks.append(f"COALESCE(m{field_no}.m, CAST({self.edefaults[group_no, field_no]} AS bigint))")
        type_mask = (
            f"(CASE WHEN e.type = 'page_view' THEN CAST({group.type_mask('page_view')} AS bigint) "
            f"ELSE CAST({group.type_mask('track')} AS bigint) END)"
        )
        needs_day = any(rule.max_per_day is not None for rule in group.rules)
        day_sql, day_params = self.d.day("e.occurred_at", self.tz_name) if needs_day else ("NULL", [])
        types = ", ".join("%s" for _ in EVENT_TYPES)
        sql = (
            f"INSERT INTO sc_hit (contact_id, rule, event_id, at, day) "
            f"SELECT x.contact_id, r.rule, x.id, x.occurred_at, x.day FROM ("
            f"SELECT e.contact_id, e.id, e.occurred_at, {day_sql} AS day, {' & '.join([type_mask, *masks])} AS m "
            f"FROM {_q(Event)} e {' '.join(joins)} "
            f"WHERE e.contact_id IS NOT NULL AND e.is_bot = %s AND e.type IN ({types})"
            f") x JOIN sc_maskrule r ON r.g = {group_no} AND r.m = x.m"
        )
        return sql, [*day_params, *params, False, *EVENT_TYPES]

    def _counted_sql(self) -> str:
        """The hits of rules without a period cap that their per-day and total caps let
        through, as (contact_id, rule, at, mag_c); the walked rules' are in sc_count.
        Rules are split by the caps they have so each hit is sorted only as often as its
        caps need (most rules have a per-day cap only: one window)."""
        kinds: dict[tuple[bool, bool], list[str]] = {}
        for i, rule in enumerate(self.spec.engagement_rules):
            if rule.max_points_per_period is None:
                kinds.setdefault((rule.max_per_day is not None, rule.max_total is not None), []).append(str(i))
        day_rank = "ROW_NUMBER() OVER (PARTITION BY h.contact_id, h.rule, h.day ORDER BY h.at, h.event_id)"
        total_rank = "ROW_NUMBER() OVER (PARTITION BY {a}.contact_id, {a}.rule ORDER BY {a}.at, {a}.event_id)"
        parts = ["SELECT contact_id, rule, at, mag_c FROM sc_count"]
        for (per_day, total), rules in kinds.items():
            among = f"h.rule IN ({', '.join(rules)})"
            if not per_day and not total:
                inner = f"SELECT h.contact_id, h.rule, h.at, 1 AS ok FROM sc_hit h WHERE {among}"
            elif per_day and not total:
                inner = (
                    f"SELECT d.contact_id, d.rule, d.at, CASE WHEN d.day_rank <= r1.max_per_day THEN 1 ELSE 0 END AS ok FROM ("
                    f"SELECT h.contact_id, h.rule, h.at, {day_rank} AS day_rank FROM sc_hit h WHERE {among}"
                    f") d JOIN sc_rule r1 ON r1.rule = d.rule"
                )
            elif total and not per_day:
                inner = (
                    f"SELECT d.contact_id, d.rule, d.at, CASE WHEN d.total_rank <= r1.max_total THEN 1 ELSE 0 END AS ok FROM ("
                    f"SELECT h.contact_id, h.rule, h.at, {total_rank.format(a='h')} AS total_rank FROM sc_hit h WHERE {among}"
                    f") d JOIN sc_rule r1 ON r1.rule = d.rule"
                )
            else:
                inner = (
                    f"SELECT p.contact_id, p.rule, p.at, CASE WHEN p.total_rank <= r2.max_total THEN 1 ELSE 0 END AS ok FROM ("
                    f"SELECT d.contact_id, d.rule, d.at, {total_rank.format(a='d')} AS total_rank FROM ("
                    f"SELECT h.contact_id, h.rule, h.at, h.event_id, {day_rank} AS day_rank FROM sc_hit h WHERE {among}"
                    f") d JOIN sc_rule r1 ON r1.rule = d.rule WHERE d.day_rank <= r1.max_per_day"
                    f") p JOIN sc_rule r2 ON r2.rule = p.rule"
                )
            parts.append(f"SELECT q.contact_id, q.rule, q.at, r.mag_c FROM ({inner}) q JOIN sc_rule r ON r.rule = q.rule WHERE q.ok = 1")
        return " UNION ALL ".join(parts)

    def _walk_period_caps(self) -> None:
        walked = {i: rule for i, rule in enumerate(self.spec.engagement_rules) if rule.max_points_per_period is not None}
        if not walked:
            return
        marks = ", ".join("%s" for _ in walked)

        def hits() -> Iterator[tuple]:
            with connection.chunked_cursor() as reader:
                reader.execute(
                    f"SELECT contact_id, rule, at FROM sc_hit WHERE rule IN ({marks}) ORDER BY contact_id, rule, at, event_id",
                    list(walked),
                )
                while rows := reader.fetchmany(10_000):
                    yield from rows

        rows = []
        with connection.cursor() as writer:
            for (contact_id, rule_no), group in itertools.groupby(hits(), key=lambda row: (row[0], row[1])):
                moments = [_aware(row[2]) for row in group]
                for at, (counted, _cap) in zip(moments, cap_walk(walked[rule_no], moments, self.tz), strict=True):
                    if counted > 0:
                        rows.append((contact_id, rule_no, self.d.db_time(at), int(counted * 100)))
                if len(rows) >= 10_000:
                    writer.executemany("INSERT INTO sc_count (contact_id, rule, at, mag_c) VALUES (%s, %s, %s, %s)", rows)
                    rows = []
            if rows:
                writer.executemany("INSERT INTO sc_count (contact_id, rule, at, mag_c) VALUES (%s, %s, %s, %s)", rows)

    def _fit_parts(self) -> tuple[list[str], str, list]:
        joins, terms, params = [], [], []
        for group_no, group in enumerate(self.fgroups):
            masks = []
            for field_no, field in enumerate(group.fields):
                alias = f"f{group_no}_{field_no}"
                key, key_params = _person_key(self.d, field)
                joins.append(f"LEFT JOIN sc_fmask {alias} ON {alias}.g = {group_no} AND {alias}.f = {field_no} AND {alias}.k = {key}")
                params += key_params
                masks.append(f"COALESCE({alias}.m, CAST({self.fdefaults[group_no, field_no]} AS bigint))")
            mask = " & ".join(masks) if masks else f"CAST({group.all_bits} AS bigint)"
            for i, rule in enumerate(group.rules):
                terms.append(f"(CASE WHEN ({mask}) & CAST({group.bit(i)} AS bigint) <> 0 THEN {_c(rule.points)} ELSE 0 END)")
        return joins, " + ".join(terms) or "0", params

    def _grade_sql(self) -> str:
        cases = " ".join(f"WHEN s.fit_c >= {_c(self.spec.grade_cutoffs[g])} THEN '{g}'" for g in GRADES[:-1])
        return f"(CASE {cases} ELSE '{GRADES[-1]}' END)"

    def _qualified_sql(self) -> str:
        q = self.spec.qualification
        if q.kind == "combined":
            test = f"s.fit_c + s.eng_c >= {_c(q.min_combined)}"
        elif q.kind == "grade_and_engagement":
            grade = f"s.fit_c >= {_c(self.spec.grade_cutoffs[q.min_grade])}" if q.min_grade != GRADES[-1] else "1 = 1"
            test = f"{grade} AND s.eng_c >= {_c(q.min_engagement)}"
        else:  # a registered kind without SQL: refuse rather than guess
            raise ValueError(f"the bulk re-score has no SQL for qualification kind {q.kind!r}")
        return f"(CASE WHEN {test} THEN 1 ELSE 0 END)"

    def _engagement_sql(self) -> tuple[str, list]:
        points = self.d.decayed_cents("r.sign", "k.mag_c", "k.at", "r.hl")
        sql = (
            f"INSERT INTO sc_eng (contact_id, eng_c, high_c) "
            f"SELECT k.contact_id, SUM(k.pts), SUM(CASE WHEN k.high = 1 THEN k.pts ELSE 0 END) FROM ("
            f"SELECT k.contact_id, r.high, {points} AS pts FROM ("
            f"{self._counted_sql()}"
            f") k JOIN sc_rule r ON r.rule = k.rule"
            f") k GROUP BY k.contact_id"
        )
        return sql, self.d.now_params(self.now)

    def _fit_sql(self) -> tuple[str, list]:
        fit_joins, fit_sum, fit_params = self._fit_parts()
        sql = (
            f"INSERT INTO sc_fit (contact_id, fit_c) SELECT c.id, {fit_sum} "
            f"FROM {_q(Contact)} c LEFT JOIN {_q(Company)} co ON co.id = c.{_col(Contact, 'company')} "
            f"{' '.join(fit_joins)} WHERE c.{_col(Contact, 'merged_into')} IS NULL"
        )
        return sql, fit_params

    def _result_sql(self, low: int, high: int) -> tuple[str, list]:
        sql = (
            f"INSERT INTO sc_result (contact_id, fit_c, eng_c, high_c, grade, qualified) "
            f"SELECT s.contact_id, s.fit_c, s.eng_c, s.high_c, {self._grade_sql()}, {self._qualified_sql()} FROM ("
            f"SELECT f.contact_id, f.fit_c, COALESCE(a.eng_c, 0) AS eng_c, COALESCE(a.high_c, 0) AS high_c "
            f"FROM sc_fit f LEFT JOIN sc_eng a ON a.contact_id = f.contact_id "
            f"WHERE f.contact_id >= %s AND f.contact_id < %s"
            f") s"
        )
        return sql, [low, high]


def _scored_batches(spec: ModelSpec, now: dt.datetime, ranges: list[tuple[int, int]]) -> Iterator[tuple[_Run, int, int]]:
    """Runs `spec` over every contact, then yields each id range with its sc_result filled."""
    with _Run(spec, now, facts_loader.account_tz()) as run:
        run.engagement()
        for low, high in ranges:
            run.batch(low, high)
            yield run, low, high


def _id_ranges(batch: int | None) -> tuple[int, list[tuple[int, int]]]:
    batch = batch or (BATCH if connection.vendor == "postgresql" else SQLITE_BATCH)
    ids = list(Contact.objects.filter(merged_into__isnull=True).order_by("pk").values_list("pk", flat=True))
    ranges = []
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        upper = ids[start + batch] if start + batch < len(ids) else chunk[-1] + 1
        ranges.append((chunk[0], upper))
    return len(ids), ranges


# ------------------------------------------------------------------ re-score


def _apply_batch(model: ScoringModel, now: dt.datetime, d: _Dialect, low: int, high: int) -> tuple[int, int]:
    """Writes sc_result into the model's stored scores and queues the crossings' job;
    returns (changed, crossed)."""
    from sarnakh.scoring.tasks import act_on_crossings

    scores, history = _q(ContactScore), _q(ScoreHistory)
    # The id range lets the stored scores be read through the (contact, model) index
    # instead of being hashed whole for every batch.
    join = f"LEFT JOIN {scores} s ON s.contact_id = r.contact_id AND s.model_id = %s AND s.contact_id >= %s AND s.contact_id < %s"
    now_db = d.db_time(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE sc_result SET crossing = 1 WHERE qualified = 1 AND NOT EXISTS "
            f"(SELECT 1 FROM {scores} s WHERE s.contact_id = sc_result.contact_id AND s.model_id = %s AND s.qualified = %s)",
            [model.pk, True],
        )
        cursor.execute("SELECT contact_id FROM sc_result WHERE crossing = 1 ORDER BY contact_id")
        crossers = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"INSERT INTO {history} (contact_id, model_id, at, fit, engagement, score, grade) "
            f"SELECT r.contact_id, %s, %s, r.fit_c / 100.0, r.eng_c / 100.0, (r.fit_c + r.eng_c) / 100.0, r.grade "
            f"FROM sc_result r {join} WHERE s.id IS NULL OR (s.computed_at <= %s AND ("
            f"ROUND(s.fit * 100) <> r.fit_c OR ROUND(s.engagement * 100) <> r.eng_c "
            f"OR ROUND(s.score * 100) <> r.fit_c + r.eng_c OR s.grade <> r.grade))",
            [model.pk, now_db, model.pk, low, high, now_db],
        )
        changed = cursor.rowcount
        cursor.execute(
            f"UPDATE {scores} SET version_id = %s, fit = r.fit_c / 100.0, engagement = r.eng_c / 100.0, "
            f"score = (r.fit_c + r.eng_c) / 100.0, grade = r.grade, qualified = (r.qualified = 1), "
            f"below_bar = (r.qualified = 0 AND ({scores}.qualified OR {scores}.below_bar)), "
            f"qualified_since = (CASE WHEN r.crossing = 1 THEN %s ELSE {scores}.qualified_since END), "
            f"breakdown = {d.empty_json}, computed_at = %s "
            f"FROM sc_result r WHERE {scores}.contact_id = r.contact_id AND {scores}.model_id = %s AND {scores}.computed_at <= %s "
            f"AND {scores}.contact_id >= %s AND {scores}.contact_id < %s",
            [model.current_version_id, now_db, now_db, model.pk, now_db, low, high],
        )
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM sc_result) - (SELECT COUNT(*) FROM sc_result r JOIN {scores} s "
            f"ON s.contact_id = r.contact_id AND s.model_id = %s AND s.contact_id >= %s AND s.contact_id < %s)",
            [model.pk, low, high],
        )
        missing = cursor.fetchone()[0]
        if missing:  # a steady state has every row: spare the conflict checks
            cursor.execute(
                f"INSERT INTO {scores} (contact_id, model_id, version_id, fit, grade, engagement, score, qualified, qualified_since, "
                f"below_bar, breakdown, computed_at) "
                f"SELECT r.contact_id, %s, %s, r.fit_c / 100.0, r.grade, r.eng_c / 100.0, (r.fit_c + r.eng_c) / 100.0, "
                f"(r.qualified = 1), (CASE WHEN r.crossing = 1 THEN %s END), %s, {d.empty_json}, %s FROM sc_result r WHERE 1 = 1 "
                f"ON CONFLICT (contact_id, model_id) DO NOTHING",
                [model.pk, model.current_version_id, now_db, False, now_db],
            )
        if crossers:
            enqueue(act_on_crossings, model.pk, crossers)
    return changed, len(crossers)


def rescore_model(
    model: ScoringModel, *, progress: Progress | None = None, now: dt.datetime | None = None, batch: int | None = None,
) -> RescoreOutcome:
    """Re-scores every live contact under the model's current version, set-based."""
    from sarnakh.scoring.services import version_spec

    model = ScoringModel.objects.select_related("current_version").get(pk=model.pk)
    spec = version_spec(model.current_version)
    now = now or clock.now()
    total, ranges = _id_ranges(batch)
    done = changed = crossed = 0
    timings: Counter = Counter()
    if progress is not None:
        progress(0, total, MATCHING)
    for run, low, high in _scored_batches(spec, now, ranges):
        with run._step("write"):
            batch_changed, batch_crossed = _apply_batch(model, now, run.d, low, high)
        changed += batch_changed
        crossed += batch_crossed
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sc_result")
            done += cursor.fetchone()[0]
        timings = run.timings
        if progress is not None:
            progress(done, total, WRITING)
    if changed:
        with transaction.atomic():
            publish(ScoresRescored(model=model.key, version=model.current_version.number, changed=changed),
                    actor=gettext("Scoring: %(model)s") % {"model": model.name})
    return RescoreOutcome(total=done, changed=changed, crossed=crossed, timings=dict(timings))


# ------------------------------------------------------------------ preview


def preview(model: ScoringModel | None, spec: ModelSpec, *, now: dt.datetime | None = None, batch: int | None = None) -> dict[str, Any]:
    """The dry run of a re-score with `spec`: how many live contacts would change grade,
    cross the bar (qualify without qualifying now) or drop below it, against the stored
    scores of `model` (none stored: every contact counts as a change)."""
    now = now or clock.now()
    model_id = model.pk if model is not None else -1
    counts: Counter = Counter()
    grades_before: Counter = Counter()
    grades_after: Counter = Counter()
    _total, ranges = _id_ranges(batch)
    with connection.cursor() as cursor:
        for _run, _low, _high in _scored_batches(spec, now, ranges):
            cursor.execute(
                f"SELECT COUNT(*), "
                f"SUM(CASE WHEN s.id IS NULL OR s.grade <> r.grade THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN r.qualified = 1 AND (s.id IS NULL OR s.qualified = %s) THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN r.qualified = 0 AND s.qualified = %s THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN s.qualified = %s THEN 1 ELSE 0 END), SUM(r.qualified) "
                f"FROM sc_result r LEFT JOIN {_q(ContactScore)} s ON s.contact_id = r.contact_id AND s.model_id = %s",
                [False, True, True, model_id],
            )
            row = cursor.fetchone()
            for name, value in zip(
                ("contacts", "grade_changes", "would_cross", "would_drop", "qualified_before", "qualified_after"), row, strict=True
            ):
                counts[name] += int(value or 0)
            cursor.execute(
                f"SELECT s.grade, COUNT(*) FROM sc_result r JOIN {_q(ContactScore)} s ON s.contact_id = r.contact_id "
                f"AND s.model_id = %s GROUP BY s.grade", [model_id],
            )
            grades_before.update(dict(cursor.fetchall()))
            cursor.execute("SELECT grade, COUNT(*) FROM sc_result GROUP BY grade")
            grades_after.update(dict(cursor.fetchall()))
    return {
        **{name: counts[name] for name in ("contacts", "grade_changes", "would_cross", "would_drop", "qualified_before", "qualified_after")},
        "grades_before": dict(sorted(grades_before.items())), "grades_after": dict(sorted(grades_after.items())),
        "computed_at": now,
    }


def results(spec: ModelSpec, *, now: dt.datetime, batch: int | None = None) -> dict[int, tuple[Decimal, Decimal, str, bool]]:
    """Every live contact's (fit, engagement, grade, qualified) under `spec`, set-based:
    for tests and tools comparing the SQL with the engine."""
    found = {}
    _total, ranges = _id_ranges(batch)
    with connection.cursor() as cursor:
        for _run, _low, _high in _scored_batches(spec, now, ranges):
            cursor.execute("SELECT contact_id, fit_c, eng_c, grade, qualified FROM sc_result")
            for contact_id, fit_c, eng_c, grade, qualified in cursor.fetchall():
                found[contact_id] = (Decimal(fit_c) / 100, Decimal(eng_c) / 100, grade, bool(qualified))
    return found
