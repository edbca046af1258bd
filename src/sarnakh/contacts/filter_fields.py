"""What filters can test on the contact record (core.filters.fields): contact and company
fields, custom properties, tags, owner, lifecycle stage and stage history."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.contacts.choices import Consent, EmployeeBand, LeadStatus
from sarnakh.contacts.models import Company, Contact, LifecycleStage, StageChange
from sarnakh.core.conditions import EMPLOYEE_BANDS
from sarnakh.core.filters import evaluate as py
from sarnakh.core.filters import sql
from sarnakh.core.filters.fields import (
    DATE_OPS,
    JSON_OPS,
    FieldSpec,
    fact_loader,
    field,
    prepare_json,
)
from sarnakh.core.filters.tree import FilterError
from sarnakh.core.lead_source import Channel, SourceType

CONTACT, COMPANY = _("Contact"), _("Company")
MAX_DOMAINS = 100  # a domain list is ORed LIKEs (SQLite bounds an expression's depth)


def _column(name: str) -> dict[str, Any]:
    return {"to_q": lambda op, p, now: sql.text_q(name, op, p),
            "evaluate": lambda facts, op, p, now: py.text(op, p, facts["contact"][name])}


def _choice_column(name: str) -> dict[str, Any]:
    return {"to_q": lambda op, p, now: sql.exact_q(name, op, p),
            "evaluate": lambda facts, op, p, now: py.exact(op, p, facts["contact"][name])}


def _date_column(name: str) -> dict[str, Any]:
    return {"to_q": lambda op, p, now: sql.date_q(name, op, p, now),
            "evaluate": lambda facts, op, p, now: py.date(op, p, facts["contact"][name], now)}


for key, label in (
    ("first_name", _("First name")), ("last_name", _("Last name")), ("email", _("Email")),
    ("phone", _("Phone")), ("job_title", _("Job title")), ("country", _("Country")),
    ("city", _("City")), ("language", _("Language")), ("utm_source", _("UTM source")),
    ("utm_medium", _("UTM medium")), ("utm_campaign", _("UTM campaign")),
    ("utm_term", _("UTM term")), ("utm_content", _("UTM content")),
):
    field(key, label, group=CONTACT, **_column(key))

for key, label, choices in (
    ("lead_status", _("Lead status"), LeadStatus.choices),
    ("source_type", _("Source type"), SourceType.choices),
    ("channel", _("Channel"), Channel.choices),
    ("consent", _("Email consent"), Consent.choices),
):
    field(key, label, group=CONTACT, value_type="choice", choices=tuple(choices), **_choice_column(key))

for key, label in (("created_at", _("Created")), ("updated_at", _("Updated")),
                   ("consent_at", _("Consent changed"))):
    field(key, label, group=CONTACT, value_type="date", **_date_column(key))


# ---------------------------------------------------------------- email domain


def _domains(op: str, value: Any) -> Any:
    values = [value] if op in ("eq", "ne") else value
    if not isinstance(values, list) or not values or len(values) > MAX_DOMAINS:
        raise ValueError(_("Enter one to %(count)s domains.") % {"count": MAX_DOMAINS})
    out = []
    for item in values:
        if not isinstance(item, str) or not item.strip().lstrip("@") or " " in item.strip():
            raise ValueError(_("Enter a domain such as example.com."))
        out.append(item.strip().lstrip("@").lower())
    return out[0] if op in ("eq", "ne") else tuple(out)


def _domain_q(op: str, prepared: Any, now: dt.datetime) -> Q:
    wanted = [prepared] if op in ("eq", "ne") else prepared
    found = reduce(or_, (Q(email__iendswith="@" + d) for d in wanted))
    return ~found if op in ("ne", "not_in") else found


def _domain_eval(facts: dict, op: str, prepared: Any, now: dt.datetime) -> bool:
    email = facts["contact"]["email"].lower()
    wanted = [prepared] if op in ("eq", "ne") else prepared
    found = any(email.endswith("@" + d) for d in wanted)
    return not found if op in ("ne", "not_in") else found


field("email_domain", _("Email domain"), group=CONTACT, operators=("eq", "ne", "in", "not_in"),
      prepare=_domains, to_q=_domain_q, evaluate=_domain_eval)


# ---------------------------------------------------------------- owner, stage, tags


def _ids(op: str, value: Any) -> Any:
    if op in ("is_set", "is_not_set"):
        if value is not None:
            raise ValueError(_("This operator takes no value."))
        return None
    values = [value] if op in ("eq", "ne") else value
    if not isinstance(values, list) or not values or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
        raise ValueError(_("Enter user ids."))
    return values[0] if op in ("eq", "ne") else frozenset(values)


field("owner", _("Owner"), group=CONTACT, value_type="choice",
      operators=("eq", "ne", "in", "not_in", "is_set", "is_not_set"), prepare=_ids,
      to_q=lambda op, p, now: sql.exact_q("owner_id", op, p, blank=None),
      evaluate=lambda facts, op, p, now: py.exact(op, p, facts["contact"]["owner_id"]))


def _stage_keys(op: str, value: Any) -> Any:
    values = [value] if op in ("eq", "ne") else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ValueError(_("Enter one or more lifecycle stages."))
    known = set(LifecycleStage.objects.values_list("key", flat=True))
    for i, item in enumerate(values):
        if item not in known:
            path = "" if op in ("eq", "ne") else f"[{i}]"
            raise FilterError(path, gettext("Unknown lifecycle stage %(stage)s; known: %(known)s.") % {"stage": repr(item), "known": ", ".join(sorted(known))})
    return values[0] if op in ("eq", "ne") else frozenset(values)


field("stage", _("Lifecycle stage"), group=CONTACT, value_type="choice", prepare=_stage_keys,
      to_q=lambda op, p, now: sql.exact_q("stage_id", op, p),
      evaluate=lambda facts, op, p, now: py.exact(op, p, facts["contact"]["stage_id"]))


def _tagged(names: Any) -> Q:
    through = Contact.tags.through.objects.filter(tag__name__in=sorted(names)) if names else Contact.tags.through.objects
    return Q(pk__in=through.values("contact_id"))


def _tags_q(op: str, prepared: Any, now: dt.datetime) -> Q:
    if op in ("in", "not_in"):
        found = _tagged(prepared)
        return found if op == "in" else ~found
    return _tagged(None) if op == "is_set" else ~_tagged(None)


field("tags", _("Tags"), group=CONTACT, value_type="list", to_q=_tags_q,
      evaluate=lambda facts, op, p, now: py.items(op, p, facts["tags"]))


# ---------------------------------------------------------------- stage history


def _stage_reached(stage: str) -> FieldSpec:
    def to_q(op: str, prepared: Any, now: dt.datetime) -> Q:
        ever = Q(stage_id=stage) | Q(pk__in=StageChange.objects.filter(to_stage=stage).values("contact_id"))
        if op == "is_set":
            return ever
        if op == "is_not_set":
            return ~ever
        changes = StageChange.objects.filter(to_stage=stage, **sql.date_filter("changed_at", op, prepared, now))
        return Q(pk__in=changes.values("contact_id"))

    def evaluate(facts: dict, op: str, prepared: Any, now: dt.datetime) -> bool:
        moments = [at for to, at in facts["stage_changes"] if to == stage]
        if op in ("is_set", "is_not_set"):
            ever = bool(moments) or facts["contact"]["stage_id"] == stage
            return ever if op == "is_set" else not ever
        return py.dates_any(op, prepared, moments, now)

    return FieldSpec(f"stage_reached:{stage}", _("Reached stage"), {}, to_q, group=CONTACT,
                     value_type="date", operators=DATE_OPS, evaluate=evaluate)


def _known_stage(key: str) -> None:
    if not LifecycleStage.objects.filter(key=key).exists():
        raise ValueError(gettext("No lifecycle stage %(stage)s.") % {"stage": repr(key)})


field("stage_reached", _("Reached lifecycle stage"), group=CONTACT, value_type="date",
      family=True, bind=_stage_reached, check_member=_known_stage, to_q=None, evaluate=None)


# ---------------------------------------------------------------- custom properties


def _property(column: str, facts_key: str, group: Any):
    def bind(name: str) -> FieldSpec:
        def to_q(op: str, prepared: Any, now: dt.datetime) -> Q:
            return sql.json_q(column, name, op, prepared)

        def evaluate(facts: dict, op: str, prepared: Any, now: dt.datetime) -> bool:
            return py.json_value(op, prepared, (facts[facts_key] or {}).get(name))

        return FieldSpec(f"{facts_key}:{name}", _("Property"), {}, to_q, group=group, value_type="text",
                         operators=JSON_OPS, evaluate=evaluate, prepare=prepare_json)

    return bind


def _date_property(column: str, facts_key: str, group: Any):
    """A property holding a day ("YYYY-MM-DD", as date properties are stored): date operators,
    the day read as its midnight UTC; any other value counts as no date."""
    def bind(name: str) -> FieldSpec:
        def to_q(op: str, prepared: Any, now: dt.datetime) -> Q:
            return sql.iso_date_q(sql.json_iso_date(column, name), op, prepared, now)

        def evaluate(facts: dict, op: str, prepared: Any, now: dt.datetime) -> bool:
            return py.iso_date(op, prepared, py.iso_date_value((facts[facts_key] or {}).get(name)), now)

        return FieldSpec(f"{facts_key}_date:{name}", _("Date property"), {}, to_q, group=group, value_type="date",
                         operators=DATE_OPS, evaluate=evaluate)

    return bind


field("property", _("Contact property"), group=CONTACT, family=True, operators=JSON_OPS,
      bind=_property("properties", "property", CONTACT), to_q=None, evaluate=None)
field("company_property", _("Company property"), group=COMPANY, family=True, operators=JSON_OPS,
      bind=_property("company__properties", "company_property", COMPANY), to_q=None, evaluate=None)
field("property_date", _("Contact property (date)"), group=CONTACT, family=True, operators=DATE_OPS, value_type="date",
      bind=_date_property("properties", "property", CONTACT), to_q=None, evaluate=None)
field("company_property_date", _("Company property (date)"), group=COMPANY, family=True, operators=DATE_OPS,
      value_type="date", bind=_date_property("company__properties", "company_property", COMPANY), to_q=None, evaluate=None)


# ---------------------------------------------------------------- company fields


def _company_text(name: str) -> dict[str, Any]:
    return {"to_q": lambda op, p, now: sql.text_q(f"company__{name}", op, p),
            "evaluate": lambda facts, op, p, now: py.text(op, p, (facts["company"] or {}).get(name))}


for key, label in (("name", _("Company name")), ("domain", _("Company domain")),
                   ("industry", _("Industry")), ("country", _("Company country"))):
    field(f"company_{key}", label, group=COMPANY, **_company_text(key))


def _band_prepare(op: str, value: Any) -> Any:
    values = [value] if op in ("eq", "ne", "gte", "lte") else value
    if not isinstance(values, list) or not values or any(v not in EMPLOYEE_BANDS for v in values):
        raise ValueError(_("Enter employee bands: %(bands)s") % {"bands": ", ".join(EMPLOYEE_BANDS)})
    if op in ("gte", "lte"):
        at = EMPLOYEE_BANDS.index(values[0])
        return frozenset(EMPLOYEE_BANDS[at:] if op == "gte" else EMPLOYEE_BANDS[: at + 1])
    return values[0] if op in ("eq", "ne") else frozenset(values)


field("company_employee_band", _("Employees"), group=COMPANY, value_type="choice",
      choices=tuple(EmployeeBand.choices), operators=("eq", "ne", "in", "not_in", "gte", "lte"),
      prepare=_band_prepare,
      to_q=lambda op, p, now: sql.exact_q("company__employee_band", "in" if op in ("gte", "lte") else op, p),
      evaluate=lambda facts, op, p, now: py.exact("in" if op in ("gte", "lte") else op, p,
                                                  (facts["company"] or {}).get("employee_band")))


# ---------------------------------------------------------------- facts for evaluate

_CONTACT_COLUMNS = ("first_name", "last_name", "email", "phone", "job_title", "country", "city",
                    "language", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
                    "lead_status", "source_type", "channel", "consent", "created_at", "updated_at",
                    "consent_at", "owner_id", "stage_id", "company_id")


@fact_loader
def load_facts(contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = Contact.objects.filter(pk__in=contact_ids).values("pk", "properties", *_CONTACT_COLUMNS)
    facts: dict[int, dict[str, Any]] = {}
    company_ids = set()
    for row in rows:
        pk = row.pop("pk")
        facts[pk] = {"contact": row, "property": row.pop("properties") or {}, "tags": [],
                     "stage_changes": [], "company": None, "company_property": {}}
        company_ids.add(row["company_id"])
    companies = {c["pk"]: c for c in Company.objects.filter(pk__in=company_ids).values(
        "pk", "name", "domain", "industry", "country", "employee_band", "properties")}
    for fact in facts.values():
        company = companies.get(fact["contact"]["company_id"])
        if company:
            fact["company"] = company
            fact["company_property"] = company["properties"] or {}
    for cid, name in Contact.tags.through.objects.filter(contact_id__in=contact_ids).values_list(
            "contact_id", "tag__name"):
        facts[cid]["tags"].append(name)
    for cid, to, at in StageChange.objects.filter(contact_id__in=contact_ids).values_list(
            "contact_id", "to_stage", "changed_at"):
        facts[cid]["stage_changes"].append((to, at))
    return facts


__all__ = ["load_facts"]
