"""Reads for retargeting audiences: the audiences, their exports, which are due, the fetch
URL's token and the file it serves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from sarnakh.segments.audiences.models import Audience, AudienceExport

# Scheduled audiences are exported when their last export is this old (a little less than
# the period, so the 15-minute housekeeping does not push each day's run later).
INTERVALS = {Audience.Schedule.DAILY: dt.timedelta(days=1), Audience.Schedule.WEEKLY: dt.timedelta(days=7)}
SLACK = dt.timedelta(minutes=15)
FEED_SALT = "sarnakh.segments.audiences.feed"


def audiences_dir() -> Path:
    return Path(settings.SARNAKH_HOME) / "audiences"


def audience_list() -> QuerySet[Audience]:
    return Audience.objects.select_related("segment").order_by("id")


def audiences_of_segment(segment_id: int) -> QuerySet[Audience]:
    return Audience.objects.filter(segment_id=segment_id).select_related("segment").order_by("id")


def audience_get(audience_id: int) -> Audience | None:
    return Audience.objects.select_related("segment").filter(pk=audience_id).first()


def latest_export(audience_id: int) -> AudienceExport | None:
    """The newest finished export with its file: what the fetch URL and the download serve."""
    return (AudienceExport.objects.filter(audience_id=audience_id, status=AudienceExport.Status.DONE)
            .exclude(file_name="").order_by("-id").first())


def last_attempt(audience_id: int) -> AudienceExport | None:
    """The newest export, whatever became of it (queued, running, done, failed)."""
    return AudienceExport.objects.filter(audience_id=audience_id).order_by("-id").first()


def exports_of(audience_id: int, *, limit: int = 10) -> list[AudienceExport]:
    return list(AudienceExport.objects.filter(audience_id=audience_id).order_by("-id")[:limit])


def export_get(export_id: int) -> AudienceExport | None:
    return AudienceExport.objects.select_related("audience").filter(pk=export_id).first()


def export_path(export: AudienceExport) -> Path | None:
    """The export's file on disk, or None when it has none (pruned, failed, not written yet)."""
    if not export.file_name:
        return None
    path = audiences_dir() / export.file_name
    return path if path.is_file() else None


def is_due(schedule: str, last_queued_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a scheduled audience should be exported now: never by hand-only ones; at once
    when it was never exported; else when its last export (tried) is a period old."""
    interval = INTERVALS.get(schedule)
    if interval is None:
        return False
    return last_queued_at is None or now - last_queued_at >= interval - SLACK


def due_audience_ids(now: dt.datetime) -> list[int]:
    """Scheduled audiences whose time has come (one query for the audiences, one for their
    newest exports)."""
    scheduled = list(Audience.objects.exclude(schedule=Audience.Schedule.MANUAL).values_list("pk", "schedule"))
    if not scheduled:
        return []
    newest: dict[int, dt.datetime] = {}
    rows = AudienceExport.objects.filter(audience_id__in=[pk for pk, _ in scheduled]).values_list("audience_id", "queued_at")
    for audience_id, queued_at in rows.iterator(chunk_size=2000):
        if audience_id not in newest or queued_at > newest[audience_id]:
            newest[audience_id] = queued_at
    return [pk for pk, schedule in scheduled if is_due(schedule, newest.get(pk), now)]


def existing_audience_ids(ids: list[int]) -> set[int]:
    return set(Audience.objects.filter(pk__in=ids).values_list("pk", flat=True))


def any_scheduled() -> bool:
    return Audience.objects.exclude(schedule=Audience.Schedule.MANUAL).exists()


# ---------------------------------------------------------------- the fetch URL


def feed_token(audience: Audience) -> str:
    """The fetch URL's token: HMAC-SHA256 of the audience id and its random nonce under the
    site's secret key (64 hex characters). Empty when the URL is revoked. The table holds
    only the nonce, so a copy of the database alone cannot fetch a file."""
    if not audience.feed_nonce:
        return ""
    return salted_hmac(FEED_SALT, f"{audience.pk}:{audience.feed_nonce}", algorithm="sha256").hexdigest()


def feed_audience(audience_id: int, token: str) -> Audience | None:
    """The audience whose fetch URL this is, or None (unknown id, revoked, wrong token:
    the caller answers all of them alike). Compared in constant time."""
    audience = Audience.objects.filter(pk=audience_id).first()
    if audience is None or not audience.feed_nonce:
        return None
    return audience if constant_time_compare(feed_token(audience), token or "") else None


def feed_path(audience: Audience) -> str:
    """The fetch URL's path (the caller adds the site's base URL)."""
    token = feed_token(audience)
    return reverse("audiences:feed", kwargs={"audience_id": audience.pk, "token": token}) if token else ""


def feed_url(audience: Audience) -> str:
    path = feed_path(audience)
    return f"{settings.SARNAKH_BASE_URL}{path}" if path else ""
