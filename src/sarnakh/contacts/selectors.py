"""Reads for views, the API and other apps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext

from sarnakh.contacts.choices import (  # noqa: F401 - the record's vocabularies, for other apps
    ActivityKind,
    Consent,
    EmployeeBand,
    Funnel,
    LeadStatus,
    ObjectType,
    PropertyType,
    RevenueBand,
    StageKind,
)
from sarnakh.contacts.models import (
    Activity,
    Company,
    Contact,
    LifecycleStage,
    Note,
    PropertyDefinition,
    StageChange,
    Tag,
)
from sarnakh.contacts.search import search_terms

# The list's own orders; other apps' columns add theirs (core.contact_list). Newest and
# oldest follow the Created column (created_at: an import may carry the original date,
# so ids need not follow it), with the id as the tiebreak.
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "updated": ("-updated_at", "-id"),
    "name": ("last_name", "first_name", "id"),
    "name_desc": ("-last_name", "-first_name", "-id"),
    "email": ("email", "id"),
    "stage": ("stage__order", "-id"),
    "stage_desc": ("-stage__order", "-id"),
}


@dataclass(frozen=True)
class ContactFilters:
    q: str = ""
    email: str = ""
    phone: str = ""
    stage: str = ""
    owner: int | None = None
    tag: str = ""
    source_type: str = ""
    channel: str = ""
    company: int | None = None
    updated_since: dt.datetime | None = None


def live_contacts() -> QuerySet[Contact]:
    return Contact.objects.filter(merged_into__isnull=True)


# Querysets for other apps' set-based reads over contacts' history (scoring's facts,
# backtests and predictive features): the rows as stored, filtered by the caller.


def companies() -> QuerySet[Company]:
    return Company.objects.all()


def stage_changes() -> QuerySet[StageChange]:
    """Every lifecycle move, merged-away contacts' included."""
    return StageChange.objects.all()


def activities() -> QuerySet[Activity]:
    """Every timeline row; `kind` is a key registered in core.timeline."""
    return Activity.objects.all()


def tag_names_by_contact(contact_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    for contact_id, name in Contact.tags.through.objects.filter(contact_id__in=contact_ids).values_list("contact_id", "tag__name"):
        tags.setdefault(contact_id, []).append(name)
    return tags


def stage_order(key: str) -> int | None:
    return LifecycleStage.objects.filter(key=key).values_list("order", flat=True).first()


def apply_search(queryset: QuerySet, query: str) -> QuerySet:
    for term in search_terms(query):
        queryset = queryset.filter(search_text__contains=term)
    return queryset


def contact_queryset(filters: ContactFilters) -> QuerySet[Contact]:
    from sarnakh.core.normalize import InvalidEmail, InvalidPhone, normalize_email, normalize_phone

    qs = live_contacts()
    if filters.q:
        qs = apply_search(qs, filters.q)
    if filters.email:
        try:
            qs = qs.filter(email=normalize_email(filters.email))
        except InvalidEmail:
            qs = qs.none()
    if filters.phone:
        from django.conf import settings

        try:
            qs = qs.filter(phone=normalize_phone(filters.phone, region=settings.SARNAKH_DEFAULT_REGION))
        except InvalidPhone:
            qs = qs.none()
    if filters.stage:
        qs = qs.filter(stage_id=filters.stage)
    if filters.owner is not None:
        qs = qs.filter(owner_id=filters.owner)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.source_type:
        qs = qs.filter(source_type=filters.source_type)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.company is not None:
        qs = qs.filter(company_id=filters.company)
    if filters.updated_since is not None:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    return qs


def with_relations(qs: QuerySet[Contact]) -> QuerySet[Contact]:
    return qs.select_related("company", "owner", "stage").prefetch_related("tags")


def contact_page_by_cursor(filters: ContactFilters, *, after_id: int | None, limit: int) -> tuple[list[Contact], int | None]:
    """Newest first, keyset on id: stable under inserts, cheap at any depth."""
    qs = contact_queryset(filters).order_by("-id")
    if after_id is not None:
        qs = qs.filter(id__lt=after_id)
    rows = list(with_relations(qs)[: limit + 1])
    next_cursor = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], next_cursor


def contact_count(filters: ContactFilters) -> int:
    """How many live contacts match, over all pages: one COUNT with the list's filters
    (an index-only or trigram-index scan on PostgreSQL; see docs/api.md for its cost)."""
    return contact_queryset(filters).count()


def resolve_contact_id(contact_id: int) -> tuple[int | None, bool]:
    """(live id, was_redirected): follows merges so a merged-away id still resolves."""
    seen = set()
    current = contact_id
    while current not in seen:
        seen.add(current)
        row = Contact.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if row is None and not Contact.objects.filter(pk=current).exists():
            return None, False
        if row is None:
            return current, current != contact_id
        current = row
    return None, False


def live_contact_id_by_email(email: str) -> int | None:
    """The live contact with this (normalised) email, if any."""
    if not email:
        return None
    ids = [row[0] for row in Contact.objects.filter(email=email).values_list("id", "merged_into_id") if row[1] is None]
    return ids[0] if ids else None


def live_contact_ids(ids: set[int]) -> dict[int, int]:
    """Each id → the live contact it is now (itself, or the survivor of its merges)."""
    resolved: dict[int, int] = {}
    for contact_id in ids:
        live, _moved = resolve_contact_id(contact_id)
        if live is not None:
            resolved[contact_id] = live
    return resolved


def conversions_sql(*, stage: str | None, since: dt.datetime, until: dt.datetime) -> tuple[str, list]:
    """SQL (and its parameters) for the contacts that converted in [since, until): live
    contacts created then (stage None), or whose first move to `stage` happened then. Its
    rows are (contact_id, converted_at, created_at, channel, campaign: the UTM campaign),
    for set-based reports (tracking's attribution) to build on."""
    q = connection.ops.quote_name
    contact, stage_change = q(Contact._meta.db_table), q(StageChange._meta.db_table)
    merged_into = q(Contact._meta.get_field("merged_into").column)
    stage_contact = q(StageChange._meta.get_field("contact").column)
    bounds = [connection.ops.adapt_datetimefield_value(since), connection.ops.adapt_datetimefield_value(until)]
    if stage is None:
        sql = f"""
            SELECT c.id AS contact_id, c.created_at AS converted_at, c.created_at AS created_at,
                   c.channel AS channel, c.utm_campaign AS campaign
            FROM {contact} c
            WHERE c.{merged_into} IS NULL AND c.created_at >= %s AND c.created_at < %s"""
        return sql, [*bounds]
    sql = f"""
            SELECT c.id AS contact_id, f.converted_at AS converted_at, c.created_at AS created_at,
                   c.channel AS channel, c.utm_campaign AS campaign
            FROM (SELECT sc.{stage_contact} AS contact_id, MIN(sc.changed_at) AS converted_at
                  FROM {stage_change} sc WHERE sc.to_stage = %s GROUP BY sc.{stage_contact}) f
            JOIN {contact} c ON c.id = f.contact_id
            WHERE c.{merged_into} IS NULL AND f.converted_at >= %s AND f.converted_at < %s"""
    return sql, [stage, *bounds]


def contact_exists(contact_id: int) -> bool:
    """Whether the contact exists, live or merged away."""
    return Contact.objects.filter(pk=contact_id).exists()


def contact_get(contact_id: int) -> Contact | None:
    return with_relations(live_contacts()).filter(pk=contact_id).first()


def contact_timeline(contact_id: int, *, before: tuple[dt.datetime, int] | None = None, limit: int = 50) -> tuple[list[Activity], tuple | None]:
    qs = Activity.objects.filter(contact_id=contact_id).select_related("actor").order_by("-occurred_at", "-id")
    if before is not None:
        at, row_id = before
        qs = qs.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=row_id))
    rows = list(qs[: limit + 1])
    next_key = (rows[limit - 1].occurred_at, rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_key


def contact_stage_history(contact_id: int) -> list[StageChange]:
    return list(StageChange.objects.filter(contact_id=contact_id).select_related("changed_by").order_by("-changed_at", "-id"))


def contact_notes(contact_id: int) -> list[Note]:
    return list(Note.objects.filter(contact_id=contact_id).select_related("author"))


def company_notes(company_id: int) -> list[Note]:
    return list(Note.objects.filter(company_id=company_id).select_related("author"))


def stage_list() -> list[LifecycleStage]:
    return list(LifecycleStage.objects.all())


def stage_labels() -> dict[str, str]:
    """Stage key → the reader's label, for code that holds only keys (history, charts, reports)."""
    return {stage.key: stage.display_name for stage in LifecycleStage.objects.all()}


def stage_label(key: str) -> str:
    """The reader's label of one stage; an unknown key (a deleted stage in old history) as it is."""
    stage = LifecycleStage.objects.filter(key=key).first()
    return stage.display_name if stage else key


def stage_counts() -> dict[str, int]:
    return dict(live_contacts().values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))


def property_definitions(object_type: str | None = None) -> list[PropertyDefinition]:
    qs = PropertyDefinition.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    return list(qs)


def company_queryset(q: str = "", domain: str = "") -> QuerySet[Company]:
    qs = Company.objects.annotate(contact_count=Count("contacts", filter=Q(contacts__merged_into__isnull=True)))
    if q:
        qs = apply_search(qs, q)
    if domain:
        from sarnakh.core.normalize import normalize_domain

        qs = qs.filter(domain=normalize_domain(domain))
    return qs


def company_get(company_id: int) -> Company | None:
    return Company.objects.filter(pk=company_id).first()


def company_contacts(company_id: int) -> QuerySet[Contact]:
    return with_relations(live_contacts().filter(company_id=company_id)).order_by("last_name", "first_name", "id")


# --- Staff UI reads (dashboard, pickers) ---


def contacts_created_by_channel(since: dt.datetime) -> list[tuple[str, int]]:
    """(channel, count) of live contacts created at or after `since`, largest first."""
    rows = live_contacts().filter(created_at__gte=since).values_list("channel").annotate(n=Count("id")).values_list("channel", "n")
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def latest_contacts(limit: int = 8) -> list[Contact]:
    return list(with_relations(live_contacts()).order_by("-created_at", "-id")[:limit])


def tag_names() -> list[str]:
    return list(Tag.objects.order_by("name").values_list("name", flat=True))


def field_label(path: str) -> str:
    """A field path as people read it, in their language: `job_title` → "Job title",
    `company.employee_band` → "Company: employees", `properties.plan` and `bant.budget` →
    the property's label. Pages show this, never the path; an unknown path as it is."""
    head, _sep, rest = path.partition(".")
    if head == "company" and rest:
        return gettext("Company: %(field)s") % {"field": _model_field_label(Company, ObjectType.COMPANY, rest)}
    if head == "bant" and rest:
        return _model_field_label(Contact, ObjectType.CONTACT, f"properties.bant_{rest}")
    return capfirst(_model_field_label(Contact, ObjectType.CONTACT, path))


def _model_field_label(model, object_type: str, name: str) -> str:
    if name.startswith("properties."):
        key = name.removeprefix("properties.")
        found = PropertyDefinition.objects.filter(object_type=object_type, key=key).first()
        return found.display_label if found else key
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def audience_identities(contact_ids: list[int]) -> dict[int, dict]:
    """Live contacts' identifiers and consent, by id (segments' retargeting audiences read
    these to build a hashed file; ids that are no live contact are absent)."""
    fields = ("pk", "email", "phone", "first_name", "last_name", "country", "city", "consent")
    return {row["pk"]: row for row in live_contacts().filter(pk__in=contact_ids).values(*fields)}


def merge_fields(contact_id: int) -> dict | None:
    """A live contact's personalisation values for email templates (mail's content reads
    them): the contact's own fields and custom properties, its company's, and its owner's
    name and email, all plain values. None when there is no such live contact."""
    return merge_fields_many([contact_id]).get(contact_id)


_MERGE_FIELDS = ("first_name", "last_name", "email", "phone", "job_title", "city", "country")


def merge_fields_many(contact_ids: list[int]) -> dict[int, dict]:
    """merge_fields of many live contacts in one query (a campaign's batch): id → values;
    ids of missing or merged-away contacts are left out."""
    out: dict[int, dict] = {}
    for contact in live_contacts().select_related("company", "owner").filter(pk__in=list(contact_ids)[:10_000]):
        values = {"contact": {name: getattr(contact, name) for name in _MERGE_FIELDS}, "company": {}, "owner": {}}
        values["contact"]["properties"] = dict(contact.properties or {})
        if contact.company is not None:
            company = contact.company
            values["company"] = {"name": company.name, "domain": company.domain, "industry": company.industry,
                                 "properties": dict(company.properties or {})}
        if contact.owner is not None:
            owner = contact.owner
            values["owner"] = {"name": owner.get_full_name() or owner.get_username(), "email": owner.email}
        out[contact.pk] = values
    return out


def time_zones(contact_ids: list[int]) -> dict[int, str]:
    """Live contacts' time zones (contacts.time_zone, "" when unknown): id → zone name."""
    return dict(live_contacts().filter(pk__in=list(contact_ids)[:10_000]).values_list("pk", "time_zone"))


def first_contact_id() -> int | None:
    """The oldest live contact's id (a default to preview email templates as)."""
    return live_contacts().order_by("id").values_list("pk", flat=True).first()


def contact_choices(limit: int = 50) -> list[tuple[int, str]]:
    """(id, "name <email>") of the first live contacts, oldest first, for a picker."""
    rows = live_contacts().order_by("id").values_list("pk", "first_name", "last_name", "email")[:limit]
    return [(pk, " ".join(p for p in (first, last) if p) + (f" <{email}>" if email else "")) for pk, first, last, email in rows]
