"""Writes for tracked sites, the channel rule table, tracking settings and the retention
clean-up of anonymous behaviour."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sarnakh.core import clock
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.lead_source import Channel
from sarnakh.core.normalize import clean_display_text
from sarnakh.core.ui.formatting import format_number
from sarnakh.tracking import channels
from sarnakh.tracking.models import ChannelRule, Event, Session, Site, TrackingSettings, Visitor
from sarnakh.tracking.origins import normalize_origin
from sarnakh.tracking.sites.selectors import forget_channel_rules, tracking_settings_get

KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
MAX_NAME = 200
MAX_ORIGINS = 50
MAX_RULES = 200
MAX_PATTERN = 500
MAX_RETENTION_DAYS = 3650
DELETE_CHUNK = 5000
RECLASSIFY_CHUNK = 1000

# origins.py is pure and speaks English; these give its reasons a translation.
_ORIGIN_PROBLEMS = {
    "empty": gettext_lazy("An origin is empty."),
    "Start with http:// or https://.": gettext_lazy("Start with http:// or https://."),
    "Only http and https origins can send events.": gettext_lazy("Only http and https origins can send events."),
    "The host is not valid.": gettext_lazy("The host is not valid."),
    "The port is not valid.": gettext_lazy("The port is not valid."),
}


def _invalid(fields: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."), fields=fields)


def _forget_sites() -> None:
    """Ingestion caches sites by key; drop that cache now and again once the change is
    committed (a read in between could cache the old row)."""
    from sarnakh.tracking.ingest import forget_sites

    forget_sites()
    transaction.on_commit(forget_sites)


def _forget_rules() -> None:
    forget_channel_rules()
    transaction.on_commit(forget_channel_rules)


# ---------------------------------------------------------------- sites

def _clean_name(name: Any, errors: dict[str, list[str]]) -> str:
    text = clean_display_text(name) if isinstance(name, str) else ""
    if not text:
        errors.setdefault("name", []).append(_("Give the site a name."))
    elif len(text) > MAX_NAME:
        errors.setdefault("name", []).append(_("Use at most %(n)s characters.") % {"n": format_number(MAX_NAME)})
    return text


def _clean_origins(values: Any, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        errors.setdefault("origins", []).append(_("Send a list of origins such as https://www.example.com."))
        return []
    cleaned: list[str] = []
    for value in values:
        if not value.strip():
            continue  # blank lines of the settings form
        try:
            origin = normalize_origin(value)
        except ValueError as exc:
            problem = _ORIGIN_PROBLEMS.get(str(exc), str(exc))
            errors.setdefault("origins", []).append(_("%(origin)s: %(problem)s") % {"origin": value.strip()[:200], "problem": problem})
            continue
        if origin not in cleaned:
            cleaned.append(origin)
    if len(cleaned) > MAX_ORIGINS:
        errors.setdefault("origins", []).append(_("Allow at most %(n)s origins.") % {"n": format_number(MAX_ORIGINS)})
    return cleaned


def _new_key() -> str:
    return "site_" + get_random_string(24, KEY_ALPHABET)


def _get_site(site_id: int, *, lock: bool = False) -> Site:
    queryset = Site.objects.select_for_update() if lock else Site.objects
    site = queryset.filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No site with the id %(id)s.") % {"id": site_id})
    return site


@transaction.atomic
def site_create(*, name: str, origins: list[str], actor_user=None) -> Site:
    """A new tracked site with a fresh key. An empty origin list lets any origin send."""
    errors: dict[str, list[str]] = {}
    clean_name = _clean_name(name, errors)
    allowed = _clean_origins(origins, errors)
    if errors:
        raise _invalid(errors)
    now = clock.now()
    site = Site.objects.create(name=clean_name, key=_new_key(), allowed_origins=allowed, is_active=True, created_at=now, updated_at=now)
    _forget_sites()
    return site


@transaction.atomic
def site_update(*, site_id: int, name: str | None = None, origins: list[str] | None = None, is_active: bool | None = None) -> Site:
    """Changes what is given; None leaves a value as it is ([] for origins means any origin)."""
    site = _get_site(site_id, lock=True)
    errors: dict[str, list[str]] = {}
    if name is not None:
        site.name = _clean_name(name, errors)
    if origins is not None:
        site.allowed_origins = _clean_origins(origins, errors)
    if is_active is not None:
        if not isinstance(is_active, bool):
            errors.setdefault("is_active", []).append(_("Use true or false."))
        else:
            site.is_active = is_active
    if errors:
        raise _invalid(errors)
    site.updated_at = clock.now()
    site.save()
    _forget_sites()
    return site


@transaction.atomic
def site_rotate_key(*, site_id: int) -> Site:
    """A new key; the old one stops working at once, so the snippet must be replaced."""
    site = _get_site(site_id, lock=True)
    site.key = _new_key()
    site.updated_at = clock.now()
    site.save(update_fields=["key", "updated_at"])
    _forget_sites()
    return site


@transaction.atomic
def site_delete(*, site_id: int) -> None:
    """Stops the site's tracking; its events and sessions stay (their site becomes empty)."""
    _get_site(site_id, lock=True).delete()
    _forget_sites()


# ---------------------------------------------------------------- channel rules

def _rule_problem(column: str, code: str) -> str:
    if column == "field":
        return _("Use one of: %(values)s.") % {"values": ", ".join(channels.FIELDS)}
    if column == "channel":
        return _("Use one of: %(values)s.") % {"values": ", ".join(channels.CHANNELS)}
    if column == "pattern":
        return _("Give at least one value (separate values with commas).")
    return code


def _clean_rule(index: int, row: Any, errors: dict[str, list[str]]) -> ChannelRule | None:
    prefix = f"rows.{index}"
    if not isinstance(row, dict):
        errors.setdefault(prefix, []).append(_("Each row is an object with field, pattern, channel and is_active."))
        return None
    field, pattern, channel = row.get("field"), row.get("pattern"), row.get("channel")
    is_active = row.get("is_active", True)
    texts = {"field": field, "pattern": pattern, "channel": channel}
    for column, value in texts.items():
        if not isinstance(value, str):
            errors.setdefault(f"{prefix}.{column}", []).append(_("Send text."))
            texts[column] = ""
    field, pattern, channel = texts["field"].strip(), texts["pattern"].strip(), texts["channel"].strip()
    problems = channels.validate_rule(field, pattern, channel)
    for column, code in problems.items():
        errors.setdefault(f"{prefix}.{column}", [_rule_problem(column, code)])  # a "Send text." stays alone
    if len(pattern) > MAX_PATTERN:
        errors.setdefault(f"{prefix}.pattern", []).append(_("Use at most %(n)s characters.") % {"n": format_number(MAX_PATTERN)})
    if not isinstance(is_active, bool):
        errors.setdefault(f"{prefix}.is_active", []).append(_("Use true or false."))
    return ChannelRule(field=field, pattern=pattern, channel=channel, is_active=is_active is not False)


@transaction.atomic
def channel_rules_replace(*, rows: list[dict]) -> list[ChannelRule]:
    """The whole table in one go, in the given order; nothing changes when any row is bad.

    Only sessions processed afterwards use the new table (see sessions_reclassify)."""
    if not isinstance(rows, list):
        raise _invalid({"rows": [_("Send a list of rules.")]})
    if len(rows) > MAX_RULES:
        raise _invalid({"rows": [_("Use at most %(n)d rules.") % {"n": MAX_RULES}]})
    errors: dict[str, list[str]] = {}
    rules = [_clean_rule(i, row, errors) for i, row in enumerate(rows)]
    if errors:
        raise _invalid(errors)
    for i, rule in enumerate(rules):
        rule.position = (i + 1) * 10
    ChannelRule.objects.all().delete()
    created = ChannelRule.objects.bulk_create(rules)
    _forget_rules()
    return created


def channel_rules_reset() -> list[ChannelRule]:
    """Back to the table a new installation starts with."""
    return channel_rules_replace(
        rows=[{"field": r.field, "pattern": r.pattern, "channel": r.channel, "is_active": True} for r in channels.DEFAULT_RULES]
    )


def _session_channel(session: Session, rules: tuple[channels.Rule, ...]) -> str:
    utm = {key: getattr(session, key) for key in channels.UTM_KEYS if getattr(session, key)}
    return channels.classify(channels.TouchInput(url=session.entry_url, referrer=session.referrer, utm=utm), rules)


def sessions_reclassify(*, since: dt.datetime | None = None) -> int:
    """Recomputes the channel of stored sessions (started at or after `since`) with the
    current rules; answers how many changed. Walks the table by id in chunks, so neither
    memory nor a transaction grows with its size."""
    from sarnakh.tracking.sites.selectors import channel_rules_active

    forget_channel_rules()
    rules = channel_rules_active()
    valid = set(Channel.values)
    queryset = Session.objects.order_by("pk").only("pk", "channel", "entry_url", "referrer", *channels.UTM_KEYS)
    if since is not None:
        queryset = queryset.filter(started_at__gte=since)
    # Sessions that start while this runs are classified on arrival: stop at today's last.
    queryset = queryset.filter(pk__lte=Session.objects.aggregate(top=Max("pk"))["top"] or 0)
    changed_total, last_pk = 0, 0
    while True:
        chunk = list(queryset.filter(pk__gt=last_pk)[:RECLASSIFY_CHUNK])
        if not chunk:
            return changed_total
        last_pk = chunk[-1].pk
        changed = []
        for session in chunk:
            channel = _session_channel(session, rules)
            if channel in valid and channel != session.channel:
                session.channel = channel
                changed.append(session)
        if changed:
            Session.objects.bulk_update(changed, ["channel"])
            changed_total += len(changed)


# ---------------------------------------------------------------- settings and retention

def _clean_days(days: Any, field: str, errors: dict[str, list[str]]) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RETENTION_DAYS:
        errors.setdefault(field, []).append(_("Use a whole number of days from 1 to %(n)d.") % {"n": MAX_RETENTION_DAYS})
        return 0
    return days


@transaction.atomic
def tracking_settings_update(*, anonymous_retention_days: int | None = None, respect_do_not_track: bool | None = None) -> TrackingSettings:
    row = tracking_settings_get()
    row = TrackingSettings.objects.select_for_update().get(pk=row.pk)
    errors: dict[str, list[str]] = {}
    if anonymous_retention_days is not None:
        row.anonymous_retention_days = _clean_days(anonymous_retention_days, "anonymous_retention_days", errors)
    if respect_do_not_track is not None:
        if not isinstance(respect_do_not_track, bool):
            errors.setdefault("respect_do_not_track", []).append(_("Use true or false."))
        else:
            row.respect_do_not_track = respect_do_not_track
    if errors:
        raise _invalid(errors)
    row.updated_at = clock.now()
    row.save()
    return row


def _delete_in_chunks(queryset, model) -> int:
    """Deletes what `queryset` selects a chunk of ids at a time: each chunk is its own short
    transaction, so a huge backlog never holds one giant transaction or lock."""
    deleted = 0
    # A row that keeps matching after its delete (a concurrent writer, a trigger) must not
    # keep the loop going: no more rounds than the backlog had chunks, plus one.
    rounds = queryset.order_by().count() // DELETE_CHUNK + 2
    for _round in range(rounds):
        ids = list(queryset.order_by().values_list("pk", flat=True)[:DELETE_CHUNK])
        if not ids:
            return deleted
        with transaction.atomic():
            _total, per_model = model.objects.filter(pk__in=ids).delete()
        deleted += per_model.get(model._meta.label, 0)
    return deleted


def anonymous_events_cleanup(*, days: int | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Deletes behaviour of people never identified, older than `days` (default: the
    setting): events by receive time, sessions and visitors by their last activity.
    Anything linked to a contact is kept."""
    if days is None:
        days = tracking_settings_get().anonymous_retention_days
    errors: dict[str, list[str]] = {}
    days = _clean_days(days, "days", errors)
    if errors:
        raise _invalid(errors)
    cutoff = clock.now() - dt.timedelta(days=days)
    querysets = {
        "events": (Event.objects.filter(contact__isnull=True, received_at__lt=cutoff), Event),
        "sessions": (Session.objects.filter(contact__isnull=True, last_event_at__lt=cutoff), Session),
        "visitors": (Visitor.objects.filter(contact__isnull=True, last_seen_at__lt=cutoff), Visitor),
    }
    counts: dict[str, Any] = {"days": days, "cutoff": cutoff, "dry_run": dry_run}
    for name, (queryset, model) in querysets.items():  # events first: sessions then have fewer to unlink
        counts[name] = queryset.count() if dry_run else _delete_in_chunks(queryset, model)
    return counts
