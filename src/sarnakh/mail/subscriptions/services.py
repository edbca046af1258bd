"""Writes of subscriptions: unsubscribe from all (one-click, mailto, preference centre),
topic opt-outs and opt-ins, resubscribe with confirmation, and the suppression list
(manual add, remove with a reason, CSV import). Each change is idempotent where a link can
be followed twice, and publishes `email.unsubscribed` when something changed."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sarnakh.contacts import selectors as contacts
from sarnakh.contacts import services as contact_services
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.csv_engine import CsvFormatError, RowReader, detect_dialect
from sarnakh.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from sarnakh.core.events import publish
from sarnakh.mail.subscriptions import rules, selectors
from sarnakh.mail.subscriptions.events import EmailResubscribeRequested, EmailUnsubscribed
from sarnakh.mail.subscriptions.models import (
    ResubscribeRequest,
    SubscriptionTopic,
    Suppression,
    SuppressionRemoval,
    TopicOptOut,
)

RESUBSCRIBE_DAYS = 7
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000
MAX_BAD_ROWS_SHOWN = 100
IMPORT_CHUNK = 1000
CONSENT_METHODS = {
    "one_click": "Unsubscribe link (one-click)",
    "mailto": "Unsubscribe email (mailto)",
    "preference_centre": "Preference centre",
    "staff": "Unsubscribed by staff",
    "api": "Unsubscribed through the API",
    "esp": "Unsubscribed at the email provider",
}


def _contact_or_none(contact_id: int):
    live_id, _moved = contacts.resolve_contact_id(contact_id)
    return contacts.contact_get(live_id) if live_id is not None else None


def _add_suppression(address: str, reason: str, source: str, now: dt.datetime) -> bool:
    """True when the row is new (unique per address and reason; a repeat changes nothing)."""
    if Suppression.objects.filter(address=address, reason=reason).exists():
        return False
    try:
        with transaction.atomic():
            Suppression.objects.create(address=address, reason=reason, source=source[:300], created_at=now)
    except IntegrityError:  # the same link followed twice at once: the other one added it
        return False
    return True


@dataclass(frozen=True)
class UnsubscribeOutcome:
    changed: bool
    address: str = ""


def unsubscribe_all(*, contact_id: int, via: str, message_id: str = "", actor: Actor | None = None) -> UnsubscribeOutcome:
    """Stops every marketing email to this contact at once: its address is suppressed
    (unsubscribed_all) and its consent becomes unsubscribed (a timeline row, through the
    contacts service). Idempotent: a second call changes nothing and publishes nothing.
    An unknown or deleted contact is not an error (the link may outlive the contact)."""
    actor = actor or Actor.system()
    now = clock.now()
    with transaction.atomic():
        contact = _contact_or_none(contact_id)
        if contact is None:
            return UnsubscribeOutcome(changed=False)
        address = rules.normalize_address(contact.email)
        changed = False
        if address:
            changed = _add_suppression(address, Suppression.Reason.UNSUBSCRIBED_ALL, CONSENT_METHODS.get(via, via), now)
        if contact.consent != "unsubscribed":
            contact_services.contact_update(
                contact_id=contact.pk, data={"consent": "unsubscribed", "consent_method": CONSENT_METHODS.get(via, via)},
                actor=actor)
            changed = True
        if changed:
            publish(EmailUnsubscribed(contact_id=contact.pk, address=address, scope="all", via=via,
                                      message_id=message_id[:200]), actor=actor)
    return UnsubscribeOutcome(changed=changed, address=address)


def topic_opt_out(*, contact_id: int, topic_key: str, how: str, message_id: str = "", actor: Actor | None = None) -> bool:
    """The contact leaves one topic; True when it was on it."""
    actor = actor or Actor.system()
    topic = selectors.topic_by_key(topic_key)
    if topic is None:
        raise NotFound(_("No such subscription topic."))
    with transaction.atomic():
        if TopicOptOut.objects.filter(contact_id=contact_id, topic=topic).exists():
            return False
        try:
            with transaction.atomic():
                TopicOptOut.objects.create(contact_id=contact_id, topic=topic, at=clock.now(), how=how)
        except IntegrityError:
            return False
        contact = contacts.contact_get(contact_id)
        publish(EmailUnsubscribed(contact_id=contact_id, address=rules.normalize_address(contact.email if contact else ""),
                                  scope=topic.key, via=how, message_id=message_id[:200]), actor=actor)
    return True


def topic_opt_in(*, contact_id: int, topic_key: str) -> bool:
    """The contact is on the topic again (removes its opt-out); True when it was off."""
    deleted, _rows = TopicOptOut.objects.filter(contact_id=contact_id, topic__key=topic_key).delete()
    return bool(deleted)


def is_unsubscribed_from_all(contact) -> bool:
    return contact.consent == "unsubscribed" or "unsubscribed_all" in selectors.suppression_reasons(contact.email)


@dataclass(frozen=True)
class PreferencesOutcome:
    status: str  # "unsubscribed_all", "saved" or "confirm_by_email"
    resubscribe_token: str = ""


def preferences_save(*, contact_id: int, subscribed: set[str], unsubscribe_everything: bool,
                     message_id: str = "") -> PreferencesOutcome:
    """The preference centre's form: topics left or rejoined, or all marketing left. A
    contact who had unsubscribed from all and now asks for topics gets a pending
    confirmation (a link to their address) instead: a form anyone with the link can post
    must not sign an address up."""
    contact = _contact_or_none(contact_id)
    if contact is None:
        raise NotFound(_("Contact not found."))
    if unsubscribe_everything:
        unsubscribe_all(contact_id=contact.pk, via="preference_centre", message_id=message_id)
        return PreferencesOutcome(status="unsubscribed_all")
    keys = {t.key for t in selectors.topics()}
    unknown = subscribed - keys
    if unknown:
        raise ValidationFailed(_("Unknown subscription topic."), fields={"topics": [", ".join(sorted(unknown))]})
    with transaction.atomic():
        for key in sorted(keys - subscribed):
            topic_opt_out(contact_id=contact.pk, topic_key=key, how=TopicOptOut.How.PREFERENCE_CENTRE, message_id=message_id)
        if subscribed and is_unsubscribed_from_all(contact):
            if not contact.email:
                raise ValidationFailed(_("This contact has no email address to confirm."))
            return PreferencesOutcome(status="confirm_by_email",
                                      resubscribe_token=resubscribe_request(contact=contact, topic_keys=subscribed))
        for key in sorted(subscribed):
            topic_opt_in(contact_id=contact.pk, topic_key=key)
    return PreferencesOutcome(status="saved")


def resubscribe_request(*, contact, topic_keys: set[str]) -> str:
    """A pending confirmation; `email.resubscribe_requested` has mail/optin send the email
    carrying /p/confirm/<token> once the request commits."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        pending = ResubscribeRequest.objects.create(
            token=token, contact_id=contact.pk, address=rules.normalize_address(contact.email), topic_keys=sorted(topic_keys),
            created_at=now, expires_at=now + dt.timedelta(days=RESUBSCRIBE_DAYS))
        publish(EmailResubscribeRequested(contact_id=contact.pk, request_id=pending.pk, address=pending.address,
                                          topic_keys=pending.topic_keys), actor=Actor.system("preference centre"))
    return token


class ResubscribeInvalid(Exception):
    """Unknown or expired confirmation link."""


def resubscribe_confirm(*, token: str) -> ResubscribeRequest:
    """Applies a pending resubscribe: the unsubscribed-all suppression goes, consent
    becomes subscribed (timeline row), the asked topics are joined. Idempotent."""
    now = clock.now()
    with transaction.atomic():
        pending = ResubscribeRequest.objects.select_for_update().filter(token=token[:64]).first() if token else None
        if pending is None or (pending.confirmed_at is None and pending.expires_at <= now):
            raise ResubscribeInvalid
        if pending.confirmed_at is not None:
            return pending
        contact = _contact_or_none(pending.contact_id)
        if contact is None or rules.normalize_address(contact.email) != pending.address:
            raise ResubscribeInvalid  # the address changed since: the confirmation was for another
        Suppression.objects.filter(address=pending.address, reason=Suppression.Reason.UNSUBSCRIBED_ALL).delete()
        if contact.consent != "subscribed":
            contact_services.contact_update(
                contact_id=contact.pk, data={"consent": "subscribed", "consent_method": "Resubscribed (confirmed by email)"},
                actor=Actor.system())
        for key in pending.topic_keys:
            topic_opt_in(contact_id=contact.pk, topic_key=key)
        pending.confirmed_at = now
        pending.save(update_fields=["confirmed_at"])
    return pending


# ---------------------------------------------------------------- the suppression list


def _check_address(value: str) -> str:
    address = rules.normalize_address(value)
    if not address or "@" not in address or len(address) > 254 or any(c.isspace() for c in address):
        raise ValueError(_("Enter an email address."))
    return address


def suppression_add(*, address: str, reason: str = "manual", source: str = "", actor: Actor) -> tuple[Suppression, bool]:
    """(row, created). A repeat of the same address and reason returns the existing row."""
    try:
        address = _check_address(address)
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"address": [str(exc)]}) from None
    if reason not in Suppression.Reason.values:
        message = _("Choose one of: %(choices)s") % {"choices": ", ".join(Suppression.Reason.values)}
        raise ValidationFailed(message, fields={"reason": [message]})
    created = _add_suppression(address, reason, source or actor.label, clock.now())
    return Suppression.objects.get(address=address, reason=reason), created


def suppression_remove(*, suppression_id: int, why: str, actor: Actor) -> None:
    why = (why or "").strip()
    if not why:
        raise ValidationFailed(_("Say why the address may be emailed again."), fields={"why": [_("This field is required.")]})
    with transaction.atomic():
        row = Suppression.objects.select_for_update().filter(pk=suppression_id).first()
        if row is None:
            raise NotFound(_("No such suppressed address."))
        SuppressionRemoval.objects.create(address=row.address, reason=row.reason, why=why[:500], removed_at=clock.now(),
                                          removed_by=actor.label[:200])
        row.delete()


@dataclass
class ImportResult:
    added: int = 0
    already: int = 0
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, value, problem), first 100
    bad_count: int = 0


def _email_column(headers: list[str]) -> int:
    lowered = [h.strip().lower() for h in headers]
    for wanted in ("email", "e-mail", "email address", "address", "ایمیل"):
        if wanted in lowered:
            return lowered.index(wanted)
    for i, name in enumerate(lowered):
        if "email" in name or "mail" in name:
            return i
    raise ValidationFailed(_("The file needs an email column (a header named email)."), fields={"file": [_("No email column.")]})


def suppression_import_csv(*, data: bytes, reason: str = "manual", source: str = "", actor: Actor) -> ImportResult:
    """Suppresses every address of the file's email column; rows that are not an address
    are reported (row number, value, problem) and skipped. A file too big or without an
    email column is refused whole."""
    if len(data) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(_("The file is larger than %(size)s MB.") % {"size": MAX_IMPORT_BYTES // (1024 * 1024)})
    if reason not in Suppression.Reason.values:
        raise ValidationFailed(_("Unknown reason."), fields={"reason": [_("Unknown reason.")]})
    file = io.BytesIO(data)
    try:
        reader = RowReader(file, detect_dialect(file))
    except CsvFormatError as exc:
        raise ValidationFailed(str(exc), fields={"file": [str(exc)]}) from None
    column = _email_column(reader.headers)
    result = ImportResult()
    addresses: list[str] = []
    try:
        for row_number, cells in reader:
            if row_number > MAX_IMPORT_ROWS + 1:
                raise ValidationFailed(_("The file has more than %(rows)s rows.") % {"rows": MAX_IMPORT_ROWS})
            value = cells[column] if column < len(cells) else ""
            try:
                addresses.append(_check_address(value))
            except ValueError as exc:
                result.bad_count += 1
                if len(result.bad_rows) < MAX_BAD_ROWS_SHOWN:
                    result.bad_rows.append((row_number, value[:200], str(exc)))
    except CsvFormatError as exc:
        raise ValidationFailed(str(exc), fields={"file": [str(exc)]}) from None
    unique = list(dict.fromkeys(addresses))
    result.already += len(addresses) - len(unique)
    now = clock.now()
    source = (source or actor.label)[:300]
    with transaction.atomic():
        for start in range(0, len(unique), IMPORT_CHUNK):
            chunk = unique[start:start + IMPORT_CHUNK]
            existing = set(Suppression.objects.filter(reason=reason, address__in=chunk).values_list("address", flat=True))
            new = [a for a in chunk if a not in existing]
            Suppression.objects.bulk_create(
                [Suppression(address=a, reason=reason, source=source, created_at=now) for a in new], ignore_conflicts=True)
            result.added += len(new)
            result.already += len(existing)
    return result


def topic_seed_defaults() -> None:
    """The shipped topics, when missing (the data migration's, for flushed test databases)."""
    for position, (key, en, fa) in enumerate(DEFAULT_TOPICS):
        SubscriptionTopic.objects.get_or_create(key=key, defaults={"name_en": en, "name_fa": fa, "position": position})


DEFAULT_TOPICS = (
    ("newsletter", "Newsletter", "خبرنامه"),
    ("product-news", "Product news", "اخبار محصول"),
    ("nurture", "Nurture programs", "برنامه‌های پرورش سرنخ"),
)
