"""Runs one contact import: stream rows, clean, write in batches, record progress.

Each batch is one transaction: the contacts, their timeline rows, the batch's row errors
and the import's counters commit together, so progress is always true and a crashed run
resumes after the last committed batch. A dry run rolls each batch back and keeps only
the counts, the errors and the preview.

Besides errors, rows carry notes (ImportRowError.level): warnings (the row was imported
with a value replaced or left out, or it is the same person as an earlier row of the
file) and, in a dry run, matches (the row will update this existing contact).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from sarnakh.capture.events import ImportBatchWritten
from sarnakh.capture.imports.dates import detect_order
from sarnakh.capture.imports.mapping import PROPERTY_PREFIX
from sarnakh.capture.imports.models import ContactImport, ImportRowError
from sarnakh.capture.imports.notes import note
from sarnakh.capture.imports.row_input import ImportOptions, RowCleaner, original_value_label
from sarnakh.contacts.bulk.services import (
    NEW,
    SKIPPED,
    UPDATED,
    BatchResult,
    BatchWriter,
    CleanRow,
    RowError,
    RowResult,
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
DRY_RUN_MAX_ERRORS = 10_000  # errors kept from a dry run; as many warnings and matches again
CREATED_ROWS_MAX = 200_000  # contacts created by this run remembered (id -> row) to name in-file duplicates
ENGINES = {"batch": BatchWriter, "row": RowWriter}


@dataclass
class Totals:
    rows_done: int = 0
    bytes_done: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    invalid: int = 0
    warnings: int = 0
    preview: list[dict] = field(default_factory=list)

    def as_fields(self) -> dict:
        return {
            "rows_done": self.rows_done,
            "bytes_done": self.bytes_done,
            "new_count": self.new,
            "updated_count": self.updated,
            "skipped_count": self.skipped,
            "invalid_count": self.invalid,
            "warning_count": self.warnings,
        }


class _SeenKeys:
    """Identities created by earlier batches of a dry run (whose writes were rolled back),
    so duplicates across batches still count as duplicates, with the row that created
    them. Holds hashes, not values."""

    def __init__(self):
        self.emails: dict[int, int] = {}
        self.phones: dict[int, int] = {}
        self.phones_without_email: dict[int, int] = {}

    def first_row(self, row: CleanRow) -> tuple[int | None, str]:
        """(the earlier row of the same person, matched on), or (None, "")."""
        if row.email and hash(row.email) in self.emails:
            return self.emails[hash(row.email)], "email"
        if row.phone:
            pool = self.phones_without_email if row.email else self.phones
            if hash(row.phone) in pool:
                return pool[hash(row.phone)], "phone"
        return None, ""

    def add(self, row: CleanRow) -> None:
        if row.email:
            self.emails.setdefault(hash(row.email), row.number)
        if row.phone:
            self.phones.setdefault(hash(row.phone), row.number)
            if not row.email:
                self.phones_without_email.setdefault(hash(row.phone), row.number)


def define_mapped_properties(contact_import: ContactImport) -> None:
    """Columns mapped to custom properties that are not defined yet become text properties."""
    keys = {t[len(PROPERTY_PREFIX):]: h for h, t in contact_import.mapping.items() if t and t.startswith(PROPERTY_PREFIX)}
    _define_text_properties({key: clean_display_text(header)[:120] or key for key, header in keys.items()})


def _define_text_properties(labels: dict[str, str]) -> None:
    existing = {d.key for d in property_definitions(ObjectType.CONTACT)}
    for key, label in labels.items():
        if key not in existing:
            try:
                property_define(object_type=ObjectType.CONTACT, key=key, label=label, type=PropertyType.TEXT)
            except Conflict:
                pass


def date_columns(contact_import: ContactImport) -> list[str]:
    """Headers read as dates: the created date and columns mapped to date properties."""
    date_keys = {d.key for d in property_definitions(ObjectType.CONTACT) if d.type == PropertyType.DATE}
    return [
        header for header, target in contact_import.mapping.items()
        if target == "created_at" or (target and target.startswith(PROPERTY_PREFIX) and target[len(PROPERTY_PREFIX):] in date_keys)
    ]


def detect_date_orders(contact_import: ContactImport) -> dict[str, dict[str, str]]:
    """The order of day and month of each date column, from its values (a bounded read of
    the file: detect_order looks at up to DETECT_MAX_VALUES values per column)."""
    from sarnakh.capture.imports.dates import DETECT_MAX_VALUES

    columns = date_columns(contact_import)
    if not columns:
        return {}
    indexes = {header: contact_import.headers.index(header) for header in columns if header in contact_import.headers}
    values: dict[str, list[str]] = {header: [] for header in indexes}
    with open(contact_import.file_path, "rb") as file:
        reader = RowReader(file, Dialect(contact_import.encoding, contact_import.delimiter))
        try:
            for seen, (_number, cells) in enumerate(reader):
                if seen >= DETECT_MAX_VALUES:
                    break
                for header, index in indexes.items():
                    if index < len(cells) and cells[index].strip():
                        values[header].append(cells[index].strip())
        finally:
            reader.close()
    return {header: detect_order(found, setting=contact_import.date_order).as_dict() for header, found in values.items()}


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
            unknown_channel=contact_import.unknown_channel,
            unknown_stage=contact_import.unknown_stage,
        )
        self.actor = actor
        self.engine = engine
        self.batch_size = batch_size
        self.on_batch = on_batch
        self.dry_run = contact_import.dry_run
        self.totals = Totals()
        self.kept_errors: list[RowError] = []
        self.kept_notes: list[tuple[str, RowError, RowResult | None]] = []
        self.seen = _SeenKeys() if self.dry_run else None
        self.created_rows: dict[int, int] = {}
        # The file's email and phone columns, to name them in duplicate notes.
        self.identity_columns = {t: h for h, t in contact_import.mapping.items() if t in ("email", "phone")}

    def run(self) -> Totals:
        """Processes the file; raises CancelledError when a cancel was asked for."""
        imp = self.imp
        resume_after = 0
        if not self.dry_run:
            self.totals = Totals(rows_done=imp.rows_done, bytes_done=imp.bytes_done, new=imp.new_count, updated=imp.updated_count,
                                 skipped=imp.skipped_count, invalid=imp.invalid_count, warnings=imp.warning_count, preview=list(imp.preview))
            resume_after = imp.rows_done
        if not imp.date_orders and date_columns(imp):
            # Decided once and stored, so a resumed import reads the rest of the file the same way.
            imp.date_orders = detect_date_orders(imp)
            ContactImport.objects.filter(pk=imp.pk).update(date_orders=imp.date_orders)
        self.options.date_orders = {header: found["order"] for header, found in (imp.date_orders or {}).items()}
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
        warnings: dict[int, list[RowError]] = {}
        invalid_numbers: list[int] = []
        for number, cells in pending:
            row, row_errors, row_warnings = cleaner.clean(number, cells)
            if row is None:
                errors.extend(row_errors)
                invalid_numbers.append(number)
            else:
                clean_rows.append(row)
                if row_warnings:
                    warnings[number] = row_warnings
        preview_room = max(0, PREVIEW_ROWS - len(self.totals.preview))
        with transaction.atomic():
            if self.dry_run:
                define_mapped_properties(self.imp)  # rolled back with the batch
            if cleaner.undefined_keys:
                _define_text_properties({key: original_value_label(key) for key in sorted(cleaner.undefined_keys)})
                if not self.dry_run:
                    cleaner.undefined_keys.clear()  # defined for good once this batch commits
            result = self._write(writer, clean_rows, preview_room)
            if self.dry_run:
                self._count_dry_run(clean_rows, result)
                transaction.set_rollback(True)
            else:
                self._count(result)
                self._announce(result)
            errors.extend(result.errors)
            notes = self._notes(result, warnings)
            self.totals.invalid += len(invalid_numbers)
            self.totals.warnings += sum(1 for level, _e, _r in notes if level == ImportRowError.Level.WARNING)
            self.totals.rows_done += len(pending)
            self.totals.bytes_done = bytes_read
            self._add_preview(pending, invalid_numbers, errors, result, notes)
            if not self.dry_run:
                ImportRowError.objects.bulk_create(
                    [self._error_row(e) for e in errors] + [self._error_row(e, level, r) for level, e, r in notes], batch_size=1000
                )
                ContactImport.objects.filter(pk=self.imp.pk).update(**self.totals.as_fields(), preview=self.totals.preview)
        if self.dry_run:
            room = DRY_RUN_MAX_ERRORS - len(self.kept_errors)
            self.kept_errors.extend(errors[:max(0, room)])
            room = DRY_RUN_MAX_ERRORS - len(self.kept_notes)
            self.kept_notes.extend(notes[:max(0, room)])
            ContactImport.objects.filter(pk=self.imp.pk).update(
                rows_done=self.totals.rows_done, bytes_done=self.totals.bytes_done, warning_count=self.totals.warnings
            )
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
            publish(ImportBatchWritten(import_id=self.imp.pk, created_ids=created, updated_ids=updated,
                                       list_id=self.imp.list_id), actor=self.actor)

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
            if action == NEW:
                first, matched_on = self.seen.first_row(row)
                if first is not None:
                    action = SKIPPED if self.options.on_duplicate == "skip" else UPDATED
                    row_result.action, row_result.same_as_row, row_result.matched_on = action, first, matched_on
                    row_result.matched_email, row_result.matched_phone = row.email, row.phone
            if action == NEW:
                self.seen.add(row)
        self._count(result)

    def _notes(self, result: BatchResult, warnings: dict[int, list[RowError]]) -> list[tuple[str, RowError, RowResult | None]]:
        """Warnings of the rows written, and what each updated or skipped row matched:
        the same person as an earlier row of the file (a warning: its values go on top
        of that row's) or, in a dry run, an existing contact (a match)."""
        notes: list[tuple[str, RowError, RowResult | None]] = []
        for outcome in result.rows:
            if outcome.action == NEW and outcome.contact_id is not None and not self.dry_run and len(self.created_rows) < CREATED_ROWS_MAX:
                self.created_rows[outcome.contact_id] = outcome.number
            if outcome.action == "invalid":
                continue
            if outcome.action != SKIPPED:  # a skipped row's values were not used: nothing to warn about
                notes.extend((ImportRowError.Level.WARNING, w, None) for w in warnings.get(outcome.number, []))
            if outcome.action not in (UPDATED, SKIPPED):
                continue
            if outcome.same_as_row is None and outcome.contact_id in self.created_rows:
                outcome.same_as_row = self.created_rows[outcome.contact_id]
            field_name = outcome.matched_on
            column = self.identity_columns.get(field_name, field_name)
            value = outcome.matched_email if field_name == "email" else outcome.matched_phone
            if outcome.same_as_row is not None:
                code = "same_person_skipped" if outcome.action == SKIPPED else "same_person_updated"
                text, code, params = note(code, row=outcome.same_as_row, field=field_name)
                notes.append((ImportRowError.Level.WARNING, RowError(outcome.number, column, value, text, code, params), outcome))
            elif self.dry_run:
                code = "match_skipped" if outcome.action == SKIPPED else "match_updated"
                text, code, params = note(code, id=outcome.contact_id or 0, field=field_name)
                notes.append((ImportRowError.Level.MATCH, RowError(outcome.number, column, value, text, code, params), outcome))
        return notes

    def _add_preview(self, pending, invalid_numbers, errors: list[RowError], result: BatchResult, notes) -> None:
        if len(self.totals.preview) >= PREVIEW_ROWS:
            return
        outcomes = {r.number: r for r in result.rows}
        messages: dict[int, list[dict]] = {}
        for error in errors:
            messages.setdefault(error.row_number, []).append({"column": error.column, "value": error.value, "message": error.message})
        warned: dict[int, list[dict]] = {}
        for level, item, _outcome in notes:
            if level == ImportRowError.Level.WARNING:
                warned.setdefault(item.row_number, []).append({"column": item.column, "value": item.value, "message": item.message,
                                                               "code": item.code, "params": item.params or {}})
        invalid = set(invalid_numbers)
        for number, _cells in pending:
            if len(self.totals.preview) >= PREVIEW_ROWS:
                break
            if number in invalid or number not in outcomes:
                self.totals.preview.append({"row": number, "action": "invalid", "contact": None, "errors": messages.get(number, [])})
            else:
                outcome = outcomes[number]
                match = None
                if outcome.action in (UPDATED, SKIPPED):
                    match = {"contact_id": None if outcome.same_as_row is not None else outcome.contact_id, "same_as_row": outcome.same_as_row,
                             "matched_on": outcome.matched_on, "email": outcome.matched_email, "phone": outcome.matched_phone}
                self.totals.preview.append({"row": number, "action": outcome.action, "contact": outcome.preview, "errors": messages.get(number, []),
                                            "warnings": warned.get(number, []), "match": match})

    def _error_row(self, error: RowError, level: str = ImportRowError.Level.ERROR, outcome: RowResult | None = None) -> ImportRowError:
        contact_id = outcome.contact_id if outcome is not None and outcome.same_as_row is None else None
        return ImportRowError(contact_import_id=self.imp.pk, row_number=error.row_number, column=error.column[:255],
                              value=error.value, message=error.message, code=error.code, params=error.params or {}, level=level, contact_id=contact_id,
                              same_as_row=outcome.same_as_row if outcome is not None else None)

    def save_dry_run_errors(self) -> None:
        rows = [self._error_row(e) for e in self.kept_errors] + [self._error_row(e, level, r) for level, e, r in self.kept_notes]
        ImportRowError.objects.bulk_create(sorted(rows, key=lambda r: r.row_number), batch_size=1000)
