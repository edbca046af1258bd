"""Runs one contact import: stream rows, clean, write in batches, record progress.

Each batch is one transaction: the contacts, their timeline rows, the batch's row errors
and the import's counters commit together, so progress is always true and a crashed run
resumes after the last committed batch. A dry run rolls each batch back and keeps only
the counts, the errors and the preview.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from sarnakh.capture.events import ImportBatchWritten
from sarnakh.capture.imports.mapping import PROPERTY_PREFIX
from sarnakh.capture.imports.models import ContactImport, ImportRowError
from sarnakh.capture.imports.row_input import ImportOptions, RowCleaner
from sarnakh.contacts.bulk.services import (
    NEW,
    SKIPPED,
    UPDATED,
    BatchResult,
    BatchWriter,
    CleanRow,
    RowError,
    RowWriter,
)
from sarnakh.contacts.selectors import ObjectType, PropertyType, property_definitions
from sarnakh.contacts.services import property_define
from sarnakh.core.actor import Actor
from sarnakh.core.csv_engine import Dialect, RowReader
from sarnakh.core.errors import Conflict
from sarnakh.core.events import publish
from sarnakh.core.normalize import clean_display_text

logger = logging.getLogger("sarnakh.capture")

BATCH_SIZE = 1000
PREVIEW_ROWS = 20
DRY_RUN_MAX_ERRORS = 10_000
ENGINES = {"batch": BatchWriter, "row": RowWriter}


@dataclass
class Totals:
    rows_done: int = 0
    bytes_done: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    invalid: int = 0
    preview: list[dict] = field(default_factory=list)

    def as_fields(self) -> dict:
        return {
            "rows_done": self.rows_done,
            "bytes_done": self.bytes_done,
            "new_count": self.new,
            "updated_count": self.updated,
            "skipped_count": self.skipped,
            "invalid_count": self.invalid,
        }


class _SeenKeys:
    """Identities created by earlier batches of a dry run (whose writes were rolled back),
    so duplicates across batches still count as duplicates. Holds hashes, not values."""

    def __init__(self):
        self.emails: set[int] = set()
        self.phones: set[int] = set()
        self.phones_without_email: set[int] = set()

    def is_duplicate(self, row: CleanRow) -> bool:
        if row.email and hash(row.email) in self.emails:
            return True
        if row.phone:
            pool = self.phones_without_email if row.email else self.phones
            return hash(row.phone) in pool
        return False

    def add(self, row: CleanRow) -> None:
        if row.email:
            self.emails.add(hash(row.email))
        if row.phone:
            self.phones.add(hash(row.phone))
            if not row.email:
                self.phones_without_email.add(hash(row.phone))


def define_mapped_properties(contact_import: ContactImport) -> None:
    """Columns mapped to custom properties that are not defined yet become text properties."""
    keys = {t[len(PROPERTY_PREFIX):]: h for h, t in contact_import.mapping.items() if t and t.startswith(PROPERTY_PREFIX)}
    existing = {d.key for d in property_definitions(ObjectType.CONTACT)}
    for key, header in keys.items():
        if key not in existing:
            try:
                property_define(object_type=ObjectType.CONTACT, key=key, label=clean_display_text(header)[:120] or key, type=PropertyType.TEXT)
            except Conflict:
                pass


class CancelledError(Exception):
    pass


class ImportRun:
    def __init__(self, contact_import: ContactImport, *, actor: Actor, engine: str = "batch", batch_size: int = BATCH_SIZE,
                 on_batch: Callable[[ContactImport, Totals], None] | None = None):
        self.imp = contact_import
        self.options = ImportOptions(
            import_id=contact_import.pk,
            file_name=contact_import.file_name,
            headers=list(contact_import.headers),
            mapping=dict(contact_import.mapping),
            source_type=contact_import.source_type,
            channel=contact_import.channel,
            tag=contact_import.tag,
            on_duplicate=contact_import.on_duplicate,
        )
        self.actor = actor
        self.engine = engine
        self.batch_size = batch_size
        self.on_batch = on_batch
        self.dry_run = contact_import.dry_run
        self.totals = Totals()
        self.kept_errors: list[RowError] = []
        self.seen = _SeenKeys() if self.dry_run else None

    def run(self) -> Totals:
        """Processes the file; raises CancelledError when a cancel was asked for."""
        imp = self.imp
        resume_after = 0
        if not self.dry_run:
            self.totals = Totals(rows_done=imp.rows_done, bytes_done=imp.bytes_done, new=imp.new_count, updated=imp.updated_count,
                                 skipped=imp.skipped_count, invalid=imp.invalid_count, preview=list(imp.preview))
            resume_after = imp.rows_done
        cleaner = RowCleaner(self.options)
        writer = ENGINES[self.engine](self.options, self.actor)
        with open(imp.file_path, "rb") as file:
            reader = RowReader(file, Dialect(imp.encoding, imp.delimiter))
            try:
                seen_rows = 0
                pending: list[tuple[int, list[str]]] = []
                for number, cells in reader:
                    seen_rows += 1
                    if seen_rows <= resume_after:
                        continue
                    pending.append((number, cells))
                    if len(pending) >= self.batch_size:
                        self._batch(pending, cleaner, writer, reader.bytes_read)
                        pending = []
                if pending:
                    self._batch(pending, cleaner, writer, reader.bytes_read)
            finally:
                reader.close()
        self.totals.bytes_done = imp.file_size
        return self.totals

    def _batch(self, pending, cleaner: RowCleaner, writer, bytes_read: int) -> None:
        clean_rows: list[CleanRow] = []
        errors: list[RowError] = []
        invalid_numbers: list[int] = []
        for number, cells in pending:
            row, row_errors = cleaner.clean(number, cells)
            if row is None:
                errors.extend(row_errors)
                invalid_numbers.append(number)
            else:
                clean_rows.append(row)
        preview_room = max(0, PREVIEW_ROWS - len(self.totals.preview))
        with transaction.atomic():
            if self.dry_run:
                define_mapped_properties(self.imp)  # rolled back with the batch
            result = self._write(writer, clean_rows, preview_room)
            if self.dry_run:
                self._count_dry_run(clean_rows, result)
                transaction.set_rollback(True)
            else:
                self._count(result)
                self._announce(result)
            errors.extend(result.errors)
            self.totals.invalid += len(invalid_numbers)
            self.totals.rows_done += len(pending)
            self.totals.bytes_done = bytes_read
            self._add_preview(pending, invalid_numbers, errors, result)
            if not self.dry_run:
                ImportRowError.objects.bulk_create([self._error_row(e) for e in errors], batch_size=1000)
                ContactImport.objects.filter(pk=self.imp.pk).update(**self.totals.as_fields(), preview=self.totals.preview)
        if self.dry_run:
            room = DRY_RUN_MAX_ERRORS - len(self.kept_errors)
            self.kept_errors.extend(errors[:max(0, room)])
            ContactImport.objects.filter(pk=self.imp.pk).update(rows_done=self.totals.rows_done, bytes_done=self.totals.bytes_done)
        if self.on_batch is not None:
            self.on_batch(self.imp, self.totals)
        if ContactImport.objects.filter(pk=self.imp.pk, cancel_requested=True).exists():
            raise CancelledError()

    def _write(self, writer, rows: list[CleanRow], preview_room: int) -> BatchResult:
        if not rows:
            return BatchResult()
        try:
            with transaction.atomic():
                return writer.write(rows, preview_limit=preview_room)
        except IntegrityError:
            # Someone else created one of these people while the batch ran: redo the
            # batch row by row, where contact_upsert retries each conflict itself.
            logger.info("import %s: batch conflict, retrying row by row", self.imp.pk)
            if hasattr(writer, "after_failure"):
                writer.after_failure()
            return RowWriter(self.options, self.actor).write(rows, preview_limit=preview_room)

    def _announce(self, result: BatchResult) -> None:
        created, updated = result.contact_ids(NEW), result.contact_ids(UPDATED)
        if created or updated:
            publish(ImportBatchWritten(import_id=self.imp.pk, created_ids=created, updated_ids=updated), actor=self.actor)

    def _count(self, result: BatchResult) -> None:
        self.totals.new += result.count(NEW)
        self.totals.updated += result.count(UPDATED)
        self.totals.skipped += result.count(SKIPPED)
        self.totals.invalid += result.count("invalid")

    def _count_dry_run(self, rows: list[CleanRow], result: BatchResult) -> None:
        by_number = {r.number: r for r in rows}
        for row_result in result.rows:
            action = row_result.action
            row = by_number[row_result.number]
            if action == NEW and self.seen.is_duplicate(row):
                action = SKIPPED if self.options.on_duplicate == "skip" else UPDATED
                row_result.action = action
            if action == NEW:
                self.seen.add(row)
        self._count(result)

    def _add_preview(self, pending, invalid_numbers, errors: list[RowError], result: BatchResult) -> None:
        if len(self.totals.preview) >= PREVIEW_ROWS:
            return
        outcomes = {r.number: r for r in result.rows}
        messages: dict[int, list[dict]] = {}
        for error in errors:
            messages.setdefault(error.row_number, []).append({"column": error.column, "value": error.value, "message": error.message})
        invalid = set(invalid_numbers)
        for number, _cells in pending:
            if len(self.totals.preview) >= PREVIEW_ROWS:
                break
            if number in invalid or number not in outcomes:
                self.totals.preview.append({"row": number, "action": "invalid", "contact": None, "errors": messages.get(number, [])})
            else:
                outcome = outcomes[number]
                self.totals.preview.append({"row": number, "action": outcome.action, "contact": outcome.preview, "errors": messages.get(number, [])})

    def _error_row(self, error: RowError) -> ImportRowError:
        return ImportRowError(contact_import_id=self.imp.pk, row_number=error.row_number, column=error.column[:255],
                              value=error.value, message=error.message)

    def save_dry_run_errors(self) -> None:
        ImportRowError.objects.bulk_create([self._error_row(e) for e in self.kept_errors], batch_size=1000)
