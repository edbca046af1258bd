"""Writing a batch of clean rows as contacts (imports), with the identity rules of
contact_upsert. Other apps reach it through contacts.bulk.services.

Two writers with the same results:

- `RowWriter` calls `contacts.services.contact_upsert` once per row: the reference, and
  the fallback when a batch meets a concurrent change.
- `BatchWriter` is the set-based fast path: one query finds the existing contacts of the
  whole batch by email and phone, rows are matched and applied in memory in file order
  (so duplicates inside the file behave exactly as if they came one by one), then new
  companies, new contacts, changed contacts, tags, stage history and one timeline row per
  imported row are written with bulk statements.

Both run inside the caller's transaction (one per batch).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Q

from sarnakh.contacts.choices import ActivityKind
from sarnakh.contacts.contact_input import CleanContact
from sarnakh.contacts.models import Activity, Company, Contact, LifecycleStage, StageChange, Tag
from sarnakh.contacts.properties import apply_property_values
from sarnakh.contacts.search import company_search_text, contact_search_text
from sarnakh.contacts.services import DEFAULT_STAGE, contact_upsert
from sarnakh.contacts.stages import StageInfo, decide_move
from sarnakh.contacts.upsert_rules import creation_snapshot, drop_empty, keep_first_touch
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import DomainError
from sarnakh.core.fast_sql import insert_rows, update_rows, values_of
from sarnakh.core.normalize import email_domain, is_free_mail_domain, normalize_text

NEW, UPDATED, SKIPPED = "new", "updated", "skipped"
CACHE_LIMIT = 100_000
EMAIL_INDEX = "contact_email_unique"  # Contact.Meta.constraints: unique live email
SQL_IN_CHUNK = 500


@dataclass(frozen=True)
class RowError:
    row_number: int
    column: str
    value: str
    message: str
    # A note the caller words in the reader's language later: its code and parameters.
    code: str = ""
    params: dict[str, Any] | None = None


@dataclass
class CleanRow:
    """One row to write: its number in the file, its input as checked by
    clean_contact_input (and by the caller for stage and properties), and the input as
    given, for the per-row writer."""

    number: int
    clean: CleanContact
    data: dict[str, Any]  # the contact input as given to clean_contact_input / contact_upsert
    created_at: dt.datetime | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def email(self) -> str:
        return self.clean.values.get("email") or ""

    @property
    def phone(self) -> str:
        return self.clean.values.get("phone") or ""


class UpsertOptions(Protocol):
    """What the writers need from the caller's options (capture's ImportOptions)."""

    on_duplicate: str  # "update" or "skip"

    @property
    def activity_data(self) -> dict[str, Any]: ...  # added to every timeline row written


@dataclass
class RowResult:
    number: int
    action: str
    preview: dict[str, Any] | None = None
    contact_id: int | None = None
    # An updated or skipped row: what it matched on ("email"/"phone"), the contact as it
    # was found, and, when an earlier row of the same batch created that contact, its row.
    matched_on: str = ""
    matched_email: str = ""
    matched_phone: str = ""
    same_as_row: int | None = None


@dataclass
class BatchResult:
    rows: list[RowResult] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def contact_ids(self, action: str) -> list[int]:
        return sorted({r.contact_id for r in self.rows if r.action == action and r.contact_id is not None})


def contact_preview(contact: Contact, tags) -> dict[str, Any]:
    """A contact as it will be stored, for the dry-run preview."""
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "company": contact.company.name if contact.company is not None else "",
        "job_title": contact.job_title,
        "country": contact.country,
        "city": contact.city,
        "stage": contact.stage_id,
        "lead_status": contact.lead_status,
        "source_type": contact.source_type,
        "channel": contact.channel,
        "tags": sorted(tags),
        "properties": dict(contact.properties or {}),
    }


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _chunks(items: list, size: int = SQL_IN_CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _live_for_update():
    qs = Contact.objects.filter(merged_into__isnull=True).select_related("stage", "company").order_by()
    return qs.select_for_update(of=("self",)) if connection.features.has_select_for_update else qs


def _ids_by_email(emails: list[str]) -> list[int]:
    """Ids of live contacts with these emails, through the partial unique index on email.
    SQLite without statistics would rather scan the merged_into index (every live contact)
    for a long IN list, so it is told which index to use."""
    if connection.vendor != "sqlite":
        return list(Contact.objects.filter(merged_into__isnull=True).exclude(email="").filter(email__in=emails).order_by().values_list("pk", flat=True))
    table = Contact._meta.db_table
    sql = (
        f'SELECT "id" FROM "{table}" INDEXED BY "{EMAIL_INDEX}" '
        f'WHERE "merged_into_id" IS NULL AND NOT ("email" = \'\') AND "email" IN ({", ".join(["%s"] * len(emails))})'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, emails)
        return [row[0] for row in cursor.fetchall()]


def find_existing(values: dict[str, Any]) -> Contact | None:
    """The contact an upsert of `values` would update (email first, then phone), read-only."""
    live = Contact.objects.filter(merged_into__isnull=True)
    email, phone = values.get("email"), values.get("phone")
    if email:
        found = live.exclude(email="").filter(email=email).first()
        if found is not None:
            return found
    if phone:
        query = live.filter(phone=phone)
        if email:
            query = query.filter(email="")
        return query.order_by("id").first()
    return None


class RowWriter:
    """Per-row contact_upsert: each row is one call, exactly like the API."""

    def __init__(self, options: UpsertOptions, actor: Actor):
        self.options = options
        self.actor = actor

    def write(self, rows: list[CleanRow], *, preview_limit: int = 0) -> BatchResult:
        result = BatchResult()
        created_by_row: dict[int, int] = {}  # contact id -> the row of this batch that created it
        for row in rows:
            existing = find_existing(row.clean.values)
            if self.options.on_duplicate == "skip" and existing is not None:
                result.rows.append(RowResult(row.number, SKIPPED, contact_id=existing.pk, matched_on=_matched_on(existing, row),
                                             matched_email=existing.email, matched_phone=existing.phone,
                                             same_as_row=created_by_row.get(existing.pk)))
                continue
            try:
                with transaction.atomic():
                    upsert = contact_upsert(data=row.data, actor=self.actor, activity_data=self.options.activity_data)
                    if upsert.created and row.created_at:
                        Contact.objects.filter(pk=upsert.contact.pk).update(created_at=row.created_at)
            except DomainError as exc:
                for name, messages in (exc.fields or {"": [exc.message]}).items():
                    for message in messages:
                        result.errors.append(RowError(row.number, name, str(row.data.get(name, ""))[:1000], message))
                result.rows.append(RowResult(row.number, "invalid"))
                continue
            preview = None
            if len(result.rows) < preview_limit:
                preview = contact_preview(upsert.contact, upsert.contact.tags.values_list("name", flat=True))
            outcome = RowResult(row.number, NEW if upsert.created else UPDATED, preview, upsert.contact.pk)
            if upsert.created:
                created_by_row[upsert.contact.pk] = row.number
            elif existing is not None:
                outcome.matched_on, outcome.matched_email, outcome.matched_phone = upsert.matched_on, existing.email, existing.phone
                outcome.same_as_row = created_by_row.get(upsert.contact.pk)
            result.rows.append(outcome)
        return result


def _matched_on(contact: Contact, row: CleanRow) -> str:
    return "email" if row.email and contact.email == row.email else "phone"


@dataclass
class _Slot:
    contact: Contact
    is_new: bool
    seq: int
    tags: set[str] | None = None
    dirty: bool = False
    row: int | None = None  # the file row that created it (new contacts)

    @property
    def order(self) -> tuple[int, int]:
        return (0, self.contact.pk) if self.contact.pk else (1, self.seq)


class _Companies:
    """Company look-ups for a whole import: by domain and by normalised name, cached."""

    def __init__(self):
        self.by_domain: dict[str, Company | None] = {}
        self.by_name: dict[str, Company | None] = {}
        self.pending: list[Company] = []

    def reset_if_large(self) -> None:
        if len(self.by_domain) + len(self.by_name) > CACHE_LIMIT:
            self.by_domain.clear()
            self.by_name.clear()

    def forget_unsaved(self) -> None:
        self.by_domain = {k: v for k, v in self.by_domain.items() if v is None or v.pk}
        self.by_name = {k: v for k, v in self.by_name.items() if v is None or v.pk}
        self.pending = []

    def prefetch(self, rows: list[CleanRow]) -> None:
        domains, names = set(), set()
        for row in rows:
            domain = email_domain(row.email)
            if domain and not is_free_mail_domain(domain) and domain not in self.by_domain:
                domains.add(domain)
            if isinstance(row.clean.company, str) and row.clean.company:
                key = normalize_text(row.clean.company)
                if key not in self.by_name:
                    names.add(key)
        for chunk in _chunks(sorted(domains)):
            found = {c.domain: c for c in Company.objects.filter(domain__in=chunk)}
            for domain in chunk:
                self.by_domain[domain] = found.get(domain)
        for chunk in _chunks(sorted(names), 100):
            query = Q()
            for key in chunk:
                query |= Q(search_text__startswith=key + "\n")
            found: dict[str, Company] = {}
            for company in Company.objects.filter(query).order_by("name", "id"):
                found.setdefault(company.search_text.split("\n", 1)[0], company)
            for key in chunk:
                self.by_name[key] = found.get(key)

    def for_email(self, email: str) -> Company | None:
        domain = email_domain(email)
        if not domain or is_free_mail_domain(domain):
            return None
        return self.by_domain.get(domain)

    def resolve(self, name: str, *, email: str, now: dt.datetime) -> Company:
        """contacts.services._resolve_company for a name: the company of that name (the
        explicit value wins over the email's domain), else a new company (saved with the
        batch) that takes the email's domain when no company holds it."""
        key = normalize_text(name)
        if self.by_name.get(key) is not None:
            return self.by_name[key]
        domain = email_domain(email)
        company_domain = domain if domain and not is_free_mail_domain(domain) else ""
        if company_domain and self.by_domain.get(company_domain) is not None:
            company_domain = ""
        company = Company(name=name, domain=company_domain, created_at=now, updated_at=now)
        company.search_text = company_search_text(company)
        self.pending.append(company)
        self.by_name[key] = company
        if company_domain:
            self.by_domain[company_domain] = company
        return company


class BatchWriter:
    """Set-based upsert of a batch; same outcome as RowWriter, a few queries per batch."""

    UPDATE_FIELDS = [
        "first_name", "last_name", "email", "phone", "company", "job_title", "country", "city", "language",
        "time_zone", "stage", "lead_status", "owner", "utm_source", "utm_medium", "utm_campaign", "utm_term",
        "utm_content", "referrer", "landing_page", "consent", "consent_at", "consent_method", "properties",
        "search_text", "updated_at",
    ]

    def __init__(self, options: UpsertOptions, actor: Actor):
        self.options = options
        self.actor = actor
        self.user = actor.user if getattr(actor.user, "pk", None) else None
        self.companies = _Companies()
        self.tag_ids: dict[str, int] = {}
        self.default_stage = LifecycleStage.objects.get(key=DEFAULT_STAGE)

    def after_failure(self) -> None:
        """The batch rolled back: drop cached objects that were never saved."""
        self.companies.forget_unsaved()
        self.tag_ids.clear()

    # -- matching -------------------------------------------------------------------

    def _load(self, rows: list[CleanRow]) -> tuple[dict[str, _Slot], dict[str, list[_Slot]], dict[int, _Slot]]:
        emails = sorted({r.email for r in rows if r.email})
        phones = sorted({r.phone for r in rows if r.phone})
        found: dict[int, Contact] = {}
        for chunk in _chunks(emails):
            found.update({c.pk: c for c in _live_for_update().filter(pk__in=_ids_by_email(chunk))})
        for chunk in _chunks(phones):
            # No `merged_into IS NULL` in SQL: with it, SQLite (no statistics) scans the
            # merged_into index, i.e. every live contact, instead of probing the phone index.
            ids = [pk for pk, merged in Contact.objects.filter(phone__in=chunk).order_by().values_list("pk", "merged_into_id") if merged is None]
            found.update({c.pk: c for c in _live_for_update().filter(pk__in=ids)})
        slots = {pk: _Slot(contact=c, is_new=False, seq=0) for pk, c in sorted(found.items())}
        by_email = {s.contact.email: s for s in slots.values() if s.contact.email}
        by_phone: dict[str, list[_Slot]] = {}
        for slot in slots.values():
            if slot.contact.phone:
                by_phone.setdefault(slot.contact.phone, []).append(slot)
        if slots and any(r.clean.tags for r in rows):
            through = Contact.tags.through
            for slot in slots.values():
                slot.tags = set()
            for contact_id, name in through.objects.filter(contact_id__in=list(slots)).values_list("contact_id", "tag__name"):
                slots[contact_id].tags.add(name)
        return by_email, by_phone, slots

    @staticmethod
    def _match(row: CleanRow, by_email, by_phone) -> tuple[_Slot | None, str]:
        if row.email and row.email in by_email:
            return by_email[row.email], "email"
        if row.phone:
            candidates = by_phone.get(row.phone, [])
            if row.email:
                candidates = [s for s in candidates if s.contact.email == ""]
            if candidates:
                return min(candidates, key=lambda s: s.order), "phone"
        return None, ""

    # -- applying -------------------------------------------------------------------

    def _create(self, row: CleanRow, now, seq: int, plan: _Plan) -> _Slot:
        clean = row.clean
        stage = clean.stage or self.default_stage
        contact = Contact(stage=stage, created_at=row.created_at or now, updated_at=now, **clean.values)
        if clean.has_company and isinstance(clean.company, str) and clean.company:
            contact.company = self.companies.resolve(clean.company, email=contact.email, now=now)
        elif contact.email:
            contact.company = self.companies.for_email(contact.email)
        if clean.properties:
            contact.properties = apply_property_values({}, clean.properties)
        if "consent" in clean.values and contact.consent != "not_asked" and "consent_at" not in clean.values:
            contact.consent_at = now
        slot = _Slot(contact=contact, is_new=True, seq=seq, tags=set(clean.tags or ()))
        snapshot = creation_snapshot(contact, clean)
        if clean.tags:
            plan.tag_links.extend((contact, name) for name in clean.tags)
        plan.activity(contact, ActivityKind.CREATED, {"fields": snapshot, "stage": stage.key, **self.options.activity_data})
        plan.stage_change(contact, "", stage.key)
        return slot

    def _update(self, slot: _Slot, row: CleanRow, matched_on: str, now, plan: _Plan) -> None:
        """contacts.services._apply_update(as_upsert=True), in memory."""
        contact, clean = slot.contact, row.clean
        values = dict(clean.values)
        keep_first_touch(contact, values)
        drop_empty(values)
        changes: dict[str, list[Any]] = {}
        for name, value in values.items():
            old = getattr(contact, name)
            if old != value:
                changes[name.removesuffix("_id")] = [_jsonable(old), _jsonable(value)]
                setattr(contact, name, value)
        if "consent" in changes and "consent_at" not in values:
            contact.consent_at = now
        if clean.has_company and isinstance(clean.company, str) and clean.company:
            company = self.companies.resolve(clean.company, email=contact.email, now=now)
            if company is not contact.company and (company.pk is None or company.pk != contact.company_id):
                changes["company"] = [contact.company.name if contact.company else None, company.name]
                contact.company = company
        elif "email" in changes and contact.company is None:
            company = self.companies.for_email(contact.email)
            if company is not None:
                changes["company"] = [None, company.name]
                contact.company = company
        if clean.properties:
            new_properties = apply_property_values(contact.properties, clean.properties)
            for key in sorted(set(contact.properties) | set(new_properties)):
                if contact.properties.get(key) != new_properties.get(key):
                    changes[f"properties.{key}"] = [contact.properties.get(key), new_properties.get(key)]
            contact.properties = new_properties
        stage_move = None
        if clean.stage is not None and clean.stage.key != contact.stage_id:
            current = contact.stage
            decision = decide_move(StageInfo(current.key, current.order, current.kind), StageInfo(clean.stage.key, clean.stage.order, clean.stage.kind, clean.stage.display_name), "")
            if decision.allowed:
                stage_move = (contact.stage_id, clean.stage.key)
                contact.stage = clean.stage
        tag_change = None
        if clean.tags is not None:
            current_tags = slot.tags if slot.tags is not None else set()
            added = sorted(set(clean.tags) - current_tags)
            if added:
                tag_change = {"added": added, "removed": []}
                current_tags.update(added)
                slot.tags = current_tags
                plan.tag_links.extend((contact, name) for name in added)
        if changes or stage_move or tag_change:
            contact.updated_at = now
            slot.dirty = True
        data = {"changes": changes, "matched_on": matched_on, **self.options.activity_data}
        if tag_change:
            data["tags"] = tag_change
        plan.activity(contact, ActivityKind.UPDATED, data)
        if stage_move:
            plan.stage_change(contact, *stage_move)

    # -- the batch ------------------------------------------------------------------

    def write(self, rows: list[CleanRow], *, preview_limit: int = 0) -> BatchResult:
        result = BatchResult()
        now = clock.now()
        self.companies.reset_if_large()
        self.companies.prefetch(rows)
        by_email, by_phone, slots = self._load(rows)
        plan = _Plan(actor=self.actor, user=self.user, now=now)
        new_slots: list[_Slot] = []
        written: list[tuple[RowResult, _Slot]] = []
        skip = self.options.on_duplicate == "skip"
        for seq, row in enumerate(rows):
            slot, matched_on = self._match(row, by_email, by_phone)
            if slot is not None:
                matched = {"matched_on": matched_on, "matched_email": slot.contact.email, "matched_phone": slot.contact.phone,
                           "same_as_row": slot.row if slot.is_new else None}
            if slot is not None and skip:
                result.rows.append(RowResult(row.number, SKIPPED, contact_id=slot.contact.pk, **matched))
                continue
            if slot is not None:
                old_email, old_phone = slot.contact.email, slot.contact.phone
                self._update(slot, row, matched_on, now, plan)
                action = UPDATED
                if slot.contact.email != old_email:
                    by_email.pop(old_email, None)
                    by_email[slot.contact.email] = slot
                if slot.contact.phone != old_phone:
                    if old_phone in by_phone:
                        by_phone[old_phone] = [s for s in by_phone[old_phone] if s is not slot]
                    by_phone.setdefault(slot.contact.phone, []).append(slot)
            else:
                slot = self._create(row, now, seq, plan)
                slot.row = row.number
                new_slots.append(slot)
                action = NEW
                matched = {}
                if slot.contact.email:
                    by_email[slot.contact.email] = slot
                if slot.contact.phone:
                    by_phone.setdefault(slot.contact.phone, []).append(slot)
            preview = contact_preview(slot.contact, slot.tags or ()) if len(result.rows) < preview_limit else None
            result.rows.append(RowResult(row.number, action, preview, **matched))
            written.append((result.rows[-1], slot))
        self._save(new_slots, [s for s in slots.values() if s.dirty and not s.is_new], plan)
        for row_result, slot in written:  # new contacts have their ids only now
            row_result.contact_id = slot.contact.pk
        return result

    CONTACT_FIELDS = [f.name for f in Contact._meta.concrete_fields if not f.primary_key]

    def _save(self, new_slots: list[_Slot], dirty: list[_Slot], plan: _Plan) -> None:
        if self.companies.pending:
            Company.objects.bulk_create(self.companies.pending, batch_size=500)
            self.companies.pending = []
        for slot in [*new_slots, *dirty]:
            contact = slot.contact
            contact.company = contact.company  # picks up the id of a company saved just now
            contact.search_text = contact_search_text(contact)
        if new_slots:
            fields = self.CONTACT_FIELDS
            ids = insert_rows(Contact, fields, [values_of(s.contact, fields) for s in new_slots], returning_ids=True)
            for slot, pk in zip(new_slots, ids, strict=True):
                slot.contact.pk = pk
                slot.contact._state.adding = False
                slot.contact._state.db = connection.alias
        if dirty:
            fields = self.UPDATE_FIELDS
            update_rows(Contact, fields, [(*values_of(s.contact, fields), s.contact.pk) for s in dirty])
        if plan.tag_links:
            self._link_tags(plan.tag_links)
        user_id = self.user.pk if self.user is not None else None
        label, source, now = self.actor.label[:200], self.actor.source, plan.now
        if plan.stage_changes:
            insert_rows(
                StageChange, ["contact", "from_stage", "to_stage", "changed_at", "changed_by", "source", "rule", "reason", "is_backward"],
                [(c.pk, old, new, now, user_id, source, "", "", False) for c, old, new in plan.stage_changes],
            )
        insert_rows(
            Activity, ["contact", "kind", "occurred_at", "actor", "actor_label", "data"],
            [(c.pk, kind, now, user_id, label, data) for c, kind, data in plan.activities],
        )

    def _link_tags(self, links: list[tuple[Contact, str]]) -> None:
        names = sorted({name for _c, name in links} - set(self.tag_ids))
        if names:
            Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
            for chunk in _chunks(names):
                self.tag_ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "id"))
        pairs = sorted({(c.pk, self.tag_ids[name]) for c, name in links})
        insert_rows(Contact.tags.through, ["contact", "tag"], pairs)


@dataclass
class _Plan:
    """Rows to insert once the batch's contacts have ids, in the order they happened."""

    actor: Actor
    user: Any
    now: dt.datetime
    activities: list[tuple[Contact, str, dict]] = field(default_factory=list)
    stage_changes: list[tuple[Contact, str, str]] = field(default_factory=list)
    tag_links: list[tuple[Contact, str]] = field(default_factory=list)

    def activity(self, contact: Contact, kind: str, data: dict) -> None:
        self.activities.append((contact, kind, data))

    def stage_change(self, contact: Contact, from_key: str, to_key: str) -> None:
        self.stage_changes.append((contact, from_key, to_key))
        self.activity(contact, ActivityKind.STAGE_CHANGED, {"from": from_key, "to": to_key, "reason": "", "rule": "", "backward": False})
