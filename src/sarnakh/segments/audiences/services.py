"""Writes for retargeting audiences: create, change, delete; the fetch URL's token (make
anew, revoke); exports (queued for a job, or run now) and the scheduled re-export.

An export reads the segment's stored members by contact id, BATCH at a time, their
identifiers through contacts' selectors, and writes each row as it goes into a temporary
file beside the final one, renamed into place when complete: memory stays bounded by
BATCH whatever the segment's size, and the fetch URL never serves half a file. The
newest KEEP_FILES files of an audience are kept; older exports keep their figures only.
"""

from __future__ import annotations

import csv
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.core import clock
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.jobs import enqueue
from sarnakh.core.normalize import clean_display_text
from sarnakh.segments import selectors as segment_selectors
from sarnakh.segments.audiences import formats, selectors
from sarnakh.segments.audiences.models import Audience, AudienceExport

logger = logging.getLogger("sarnakh.segments")

MAX_NAME = 200
# Members read per query (their ids, then their identifiers).
BATCH = 2000
# Files kept per audience; older exports keep their figures, not their file.
KEEP_FILES = 3
# A queued or running export older than this is taken for dead (its worker died).
STALE = 6 * 3600
# An export reads at most this many members (a bound on the loop; ten times the benchmark's million).
MAX_MEMBERS = 10_000_000


def _invalid(fields: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."), fields=fields)


def _clean(*, name: Any, platform: Any, identifiers: Any, schedule: Any) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    text = clean_display_text(name if isinstance(name, str) else "")
    if not text:
        errors["name"] = [_("Give the audience a name.")]
    elif len(text) > MAX_NAME:
        errors["name"] = [_("At most %(n)s characters.") % {"n": MAX_NAME}]
    clean["name"] = text
    if platform not in Audience.Platform.values:
        errors["platform"] = [_("Use one of: %(values)s.") % {"values": ", ".join(Audience.Platform.values)}]
    clean["platform"] = platform
    if schedule not in Audience.Schedule.values:
        errors["schedule"] = [_("Use one of: %(values)s.") % {"values": ", ".join(Audience.Schedule.values)}]
    clean["schedule"] = schedule
    chosen = identifiers if isinstance(identifiers, list | tuple) else []
    unknown = [str(i) for i in chosen if i not in formats.IDENTIFIERS]
    if unknown or not isinstance(identifiers, list | tuple):
        errors["identifiers"] = [_("Use some of: %(values)s.") % {"values": ", ".join(formats.IDENTIFIERS)}]
    elif not set(chosen) & set(formats.MATCH_KEYS):
        errors["identifiers"] = [_("Include email or phone: names and places alone match no one.")]
    # Stored in the file's column order, without repeats.
    clean["identifiers"] = [i for i in formats.IDENTIFIERS if i in chosen]
    if errors:
        raise _invalid(errors)
    return clean


def _segment_exists(segment_id: int) -> None:
    if segment_selectors.segment_get(segment_id) is None:
        raise NotFound(_("No segment with the id %(id)s.") % {"id": segment_id})


def _locked(audience_id: int) -> Audience:
    audience = Audience.objects.select_for_update().filter(pk=audience_id).first()
    if audience is None:
        raise NotFound(_("No audience with the id %(id)s.") % {"id": audience_id})
    return audience


def audience_create(*, segment_id: int, name: str, platform: str, identifiers: list[str] | None = None,
                    schedule: str = Audience.Schedule.MANUAL, fetch_url: bool = True) -> Audience:
    """A new audience of a segment; with a fetch URL unless `fetch_url` is False."""
    _segment_exists(segment_id)
    clean = _clean(name=name, platform=platform, identifiers=[formats.EMAIL, formats.PHONE] if identifiers is None else identifiers,
                   schedule=schedule)
    now = clock.now()
    return Audience.objects.create(
        segment_id=segment_id, created_at=now, updated_at=now,
        feed_nonce=secrets.token_urlsafe(32) if fetch_url else "", feed_created_at=now if fetch_url else None, **clean,
    )


def audience_update(*, audience_id: int, name: str | None = None, platform: str | None = None,
                    identifiers: list[str] | None = None, schedule: str | None = None) -> Audience:
    """Changes what is given (the next export uses it; files already written stay as they are)."""
    with transaction.atomic():
        audience = _locked(audience_id)
        clean = _clean(
            name=audience.name if name is None else name, platform=audience.platform if platform is None else platform,
            identifiers=audience.identifiers if identifiers is None else identifiers,
            schedule=audience.schedule if schedule is None else schedule,
        )
        for key, value in clean.items():
            setattr(audience, key, value)
        audience.updated_at = clock.now()
        audience.save()
    return audience


def audience_delete(*, audience_id: int) -> None:
    """Deletes the audience, its exports' records and their files."""
    with transaction.atomic():
        audience = _locked(audience_id)
        names = list(AudienceExport.objects.filter(audience=audience).exclude(file_name="").values_list("file_name", flat=True))
        audience.delete()
    for name in names:
        _remove(selectors.audiences_dir() / name)


def audience_regenerate_token(*, audience_id: int) -> Audience:
    """A new fetch URL; the old one answers 404 from now on."""
    with transaction.atomic():
        audience = _locked(audience_id)
        audience.feed_nonce = secrets.token_urlsafe(32)
        audience.feed_created_at = audience.updated_at = clock.now()
        audience.save(update_fields=["feed_nonce", "feed_created_at", "updated_at"])
    return audience


def audience_revoke_token(*, audience_id: int) -> Audience:
    """No fetch URL any more (404 for the old one) until a new one is made."""
    with transaction.atomic():
        audience = _locked(audience_id)
        audience.feed_nonce = ""
        audience.feed_created_at = None
        audience.updated_at = clock.now()
        audience.save(update_fields=["feed_nonce", "feed_created_at", "updated_at"])
    return audience


# ---------------------------------------------------------------- exports


def _in_flight(audience_id: int) -> AudienceExport | None:
    """A queued or running export of this audience, if one is alive; stale ones are failed."""
    pending = AudienceExport.objects.filter(
        audience_id=audience_id, status__in=[AudienceExport.Status.QUEUED, AudienceExport.Status.RUNNING]
    ).order_by("-id")
    now = clock.now()
    alive = None
    for export in pending[:20]:
        since = export.started_at or export.queued_at
        if alive is None and (now - since).total_seconds() < STALE:
            alive = export
        else:
            AudienceExport.objects.filter(pk=export.pk).update(
                status=AudienceExport.Status.FAILED, finished_at=now, error="stopped: no progress (worker gone)"
            )
    return alive


def export_queue(*, audience_id: int, trigger: str = "manual") -> AudienceExport:
    """Queues an export for a job; when one is already queued or running, that one."""
    from sarnakh.segments.audiences import tasks

    with transaction.atomic():
        _locked(audience_id)
        existing = _in_flight(audience_id)
        if existing is not None:
            return existing
        export = AudienceExport.objects.create(audience_id=audience_id, trigger=trigger[:20], queued_at=clock.now())
        enqueue(tasks.export_audience, export.pk)
    return export


def export_now(*, audience_id: int, trigger: str = "cli") -> AudienceExport:
    """Exports in this process now (the CLI, tests); refused while another export runs."""
    with transaction.atomic():
        _locked(audience_id)
        existing = _in_flight(audience_id)
        if existing is not None and existing.status == AudienceExport.Status.RUNNING:
            from sarnakh.core.errors import Conflict

            raise Conflict(_("An export of this audience is running; wait for it to finish."))
        export = existing or AudienceExport.objects.create(audience_id=audience_id, trigger=trigger[:20], queued_at=clock.now())
    return export_run(export_id=export.pk)


def _member_batches(segment_id: int) -> Iterator[list[int]]:
    """The segment's stored members by contact id, BATCH at a time (keyset, bounded)."""
    after = None
    for _page in range(MAX_MEMBERS // BATCH + 1):
        ids = segment_selectors.member_ids(segment_id)
        if after is not None:
            ids = ids.filter(contact_id__gt=after)
        batch = list(ids[:BATCH])
        if not batch:
            return
        yield batch
        if len(batch) < BATCH:
            return
        after = batch[-1]


def _rows(audience: Audience, counts: dict[str, Any]) -> Iterator[list[str]]:
    region = settings.SARNAKH_DEFAULT_REGION
    legitimate_interest = bool(getattr(settings, "SARNAKH_AUDIENCE_LEGITIMATE_INTEREST", False))
    excluded = counts["excluded"]
    for batch in _member_batches(audience.segment_id):
        people = contact_selectors.audience_identities(batch)
        for contact_id in batch:
            counts["members"] += 1
            values = people.get(contact_id)
            if values is None:
                excluded[formats.GONE] = excluded.get(formats.GONE, 0) + 1
                continue
            person = formats.Person(
                email=values["email"], phone=values["phone"], first_name=values["first_name"], last_name=values["last_name"],
                country=values["country"], city=values["city"], consent=values["consent"],
            )
            cells, reason = formats.audience_row(audience.platform, audience.identifiers, person, region=region,
                                                 legitimate_interest=legitimate_interest)
            if cells is None:
                excluded[reason] = excluded.get(reason, 0) + 1
                continue
            counts["exported"] += 1
            yield cells


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def export_run(*, export_id: int) -> AudienceExport:
    """Writes the file of a queued export (the job's work); idempotent: a finished export is
    returned as it is. The file is written to a temporary name and renamed into place."""
    with transaction.atomic():
        export = AudienceExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None:
            raise NotFound(_("No export with the id %(id)s.") % {"id": export_id})
        if export.status in (AudienceExport.Status.DONE, AudienceExport.Status.FAILED):
            return export
        export.status = AudienceExport.Status.RUNNING
        export.started_at = clock.now()
        export.save(update_fields=["status", "started_at"])
    audience = Audience.objects.get(pk=export.audience_id)
    folder = selectors.audiences_dir() / str(audience.pk)
    folder.mkdir(parents=True, exist_ok=True)
    file_name = f"{audience.pk}/{export.pk}-{audience.platform}.csv"
    final = selectors.audiences_dir() / file_name
    temporary = folder / f".{export.pk}.tmp"
    counts: dict[str, Any] = {"members": 0, "exported": 0, "excluded": {}}
    try:
        # No BOM: the platforms read the first header as written ("Email", "EMAIL"). Cells
        # are hex digests, country codes or empty: nothing a spreadsheet runs as a formula.
        with open(temporary, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(formats.header(audience.platform, audience.identifiers))
            writer.writerows(_rows(audience, counts))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, final)
    except Exception as exc:
        _remove(temporary)
        logger.exception("audience export %s failed", export.pk)
        AudienceExport.objects.filter(pk=export.pk).update(
            status=AudienceExport.Status.FAILED, finished_at=clock.now(), error=str(exc)[:500],
            members=counts["members"], exported=counts["exported"], excluded=counts["excluded"],
        )
        export.refresh_from_db()
        return export
    AudienceExport.objects.filter(pk=export.pk).update(
        status=AudienceExport.Status.DONE, finished_at=clock.now(), file_name=file_name, size_bytes=final.stat().st_size,
        members=counts["members"], exported=counts["exported"],
        excluded={reason: counts["excluded"][reason] for reason in formats.REASONS if reason in counts["excluded"]},
    )
    _prune(audience.pk)
    export.refresh_from_db()
    return export


def _prune(audience_id: int) -> None:
    """Keeps the newest KEEP_FILES files of the audience; older exports lose their file."""
    old = list(AudienceExport.objects.filter(audience_id=audience_id).exclude(file_name="").order_by("-id")
               .values_list("pk", "file_name")[KEEP_FILES:])
    for pk, name in old:
        _remove(selectors.audiences_dir() / name)
        AudienceExport.objects.filter(pk=pk).update(file_name="")


def prune_orphan_files(*, limit: int = 1000) -> int:
    """Removes the folders of audiences that no longer exist (a deleted segment takes its
    audiences' rows with it, not their files); at most `limit` folders a call; how many."""
    root = selectors.audiences_dir()
    if not root.is_dir():
        return 0
    folders = [p for p in root.iterdir() if p.is_dir() and p.name.isdigit()][:limit]
    alive = selectors.existing_audience_ids([int(p.name) for p in folders])
    removed = 0
    for folder in folders:
        if int(folder.name) not in alive:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def export_due() -> int:
    """The scheduled re-export: queues an export of each audience whose time has come; how
    many. Also clears the files of audiences deleted with their segment."""
    prune_orphan_files()
    due = selectors.due_audience_ids(clock.now())
    for audience_id in due:
        try:
            export_queue(audience_id=audience_id, trigger="schedule")
        except NotFound:  # deleted meanwhile
            continue
    return len(due)
