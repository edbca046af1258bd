"""`sarnakh import contacts FILE.csv`, `sarnakh import resume ID` and `sarnakh export contacts FILE.csv`.

Registered by sarnakh.cli; Django is set up before a command function runs, so the
imports that need it are inside the functions.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path


def add_subcommands(sub) -> None:
    p = sub.add_parser("import", help="import contacts from a CSV file (runs in the foreground with progress), or resume one")
    kinds = p.add_subparsers(dest="kind", required=True)
    p = kinds.add_parser("contacts", help="import contacts from a CSV file")
    p.add_argument("file", type=Path)
    p.add_argument("--mapping", type=Path, help='JSON file {"column header": "field"}; "" ignores a column')
    p.add_argument("--source-type", default="outbound", help="inbound or outbound (default outbound)")
    p.add_argument("--channel", default="list_import", help="e.g. cold-email, event, list_import (default)")
    p.add_argument("--tag", default="", help="tag every imported contact")
    p.add_argument("--list", dest="list_id", default="", help="id of a static list every imported contact joins")
    p.add_argument("--on-duplicate", choices=["update", "skip"], default="update")
    p.add_argument("--encoding", default="", help="default: detected (utf-8, utf-16, cp1256, …)")
    p.add_argument("--delimiter", default="", help="default: detected (, ; or tab)")
    p.add_argument("--dry-run", action="store_true", help="count and preview, write nothing; says which rows update which contact")
    p.add_argument("--unknown-channel", default="other", help="channel for channel values Sarnakh does not know (default other; "
                   "the original value is kept in the property source_detail)")
    p.add_argument("--unknown-stage", default="", help="stage for unknown stage values (default: left unset)")
    p.add_argument("--date-order", choices=["auto", "day-first", "month-first"], default="auto",
                   help="how dates with the year last are read (default auto: detected per column, month first if it cannot tell)")
    p.add_argument("--batch-size", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--engine", choices=["batch", "row"], default="batch", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_import)
    p = kinds.add_parser("resume", help="continue an interrupted import after its last saved batch, in the foreground")
    p.add_argument("import_id", type=int, metavar="ID")
    p.add_argument("--batch-size", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_import_resume)

    p = sub.add_parser("export", help="export contacts as CSV (UTF-8 with BOM)")
    p.add_argument("kind", choices=["contacts"])
    p.add_argument("file", help="output file, or - for standard output")
    for name in ("q", "stage", "channel", "tag", "source-type", "email", "phone"):
        p.add_argument(f"--{name}", default="")
    p.add_argument("--owner", type=int, default=None)
    p.add_argument("--company", type=int, default=None)
    p.set_defaults(func=cmd_export)


def _progress(stream):
    def show(contact_import, totals) -> None:
        size = contact_import.file_size or 1
        percent = min(100, int(totals.bytes_done * 100 / size))
        stream.write(
            f"\r{percent:3d}%  {totals.rows_done:,} rows  new {totals.new:,}  updated {totals.updated:,}  "
            f"skipped {totals.skipped:,}  invalid {totals.invalid:,}"
        )
        stream.flush()

    return show


def _print_domain_error(exc, stderr) -> None:
    print(f"error: {exc.message}", file=stderr)
    for field, messages in exc.fields.items():
        for message in messages:
            print(f"  {field}: {message}", file=stderr)


def cmd_import(args, stdout=None, stderr=None) -> int:
    from sarnakh.capture.imports import services
    from sarnakh.core.actor import Actor
    from sarnakh.core.errors import DomainError
    from sarnakh.core.heartbeat import command_heartbeat

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if not args.file.is_file():
        print(f"error: no such file: {args.file}", file=stderr)
        return 2
    options = {
        "source_type": args.source_type, "channel": args.channel, "tag": args.tag, "list_id": args.list_id,
        "on_duplicate": args.on_duplicate,
        "encoding": args.encoding, "delimiter": args.delimiter, "dry_run": args.dry_run,
        "unknown_channel": args.unknown_channel, "unknown_stage": args.unknown_stage, "date_order": args.date_order,
    }
    if args.mapping:
        try:
            options["mapping"] = json.loads(args.mapping.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            print(f"error: cannot read the mapping file: {exc}", file=stderr)
            return 2
    actor = Actor(source="import", label=f"CLI ({getpass.getuser()})")
    with command_heartbeat():
        try:
            contact_import = services.import_create(
                upload=args.file, file_name=args.file.name, actor=actor, options=options, store_copy=False, background=False
            )
        except DomainError as exc:
            _print_domain_error(exc, stderr)
            return 2
        mapped = {h: t for h, t in contact_import.mapping.items() if t}
        print(f"Import #{contact_import.pk}: {args.file.name} ({contact_import.encoding}, delimiter {contact_import.delimiter!r})", file=stdout)
        print("Columns: " + ", ".join(f"{h} → {t}" for h, t in mapped.items()), file=stdout)
        ignored = [h for h, t in contact_import.mapping.items() if not t]
        if ignored:
            print("Ignored: " + ", ".join(ignored), file=stdout)
        stdout.flush()
        return _run(contact_import.pk, engine=args.engine, batch_size=args.batch_size, stdout=stdout, stderr=stderr)


def cmd_import_resume(args, stdout=None, stderr=None) -> int:
    from sarnakh.capture.imports import services
    from sarnakh.core.actor import Actor
    from sarnakh.core.errors import DomainError
    from sarnakh.core.heartbeat import command_heartbeat

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    actor = Actor(source="import", label=f"CLI ({getpass.getuser()})")
    with command_heartbeat():
        try:
            contact_import = services.import_resume(import_id=args.import_id, actor=actor, background=False)
        except DomainError as exc:
            _print_domain_error(exc, stderr)
            return 2
        print(f"Import #{contact_import.pk}: {contact_import.file_name}, resuming after row {contact_import.rows_done:,}", file=stdout)
        stdout.flush()
        return _run(contact_import.pk, batch_size=args.batch_size, stdout=stdout, stderr=stderr)


def _run(import_id: int, *, engine: str = "batch", batch_size: int | None, stdout, stderr) -> int:
    from sarnakh.capture.imports import selectors, services

    try:
        done = services.import_run(import_id=import_id, engine=engine, batch_size=batch_size, on_batch=_progress(stderr))
    except KeyboardInterrupt:
        services.import_abandon(import_id=import_id, reason="stopped from the command line")
        print("\nStopped. Rows in batches already committed stay imported.", file=stderr)
        return 130
    if done is None:
        print(f"error: import #{import_id} is being run by another process.", file=stderr)
        return 1
    stderr.write("\n")
    label = "Dry run (nothing written)" if done.dry_run else "Import"
    print(
        f"{label} {done.get_status_display().lower()}: {done.rows_done:,} rows — new {done.new_count:,}, "
        f"updated {done.updated_count:,}, skipped {done.skipped_count:,}, invalid {done.invalid_count:,}, warnings {done.warning_count:,}",
        file=stdout,
    )
    for header, found in (done.date_orders or {}).items():
        how = {"detected": f"detected from {found['example']!r}", "chosen": "as chosen"}.get(found["how"], "the column could not tell: the default")
        print(f"Dates in {header!r}: {found['order'].replace('_', '-')} ({how})", file=stdout)
    if done.error_message:
        print(f"error: {done.error_message}", file=stderr)
    if selectors.import_error_count(done.pk, level=None):
        report = services.imports_dir() / f"import-{done.pk}-errors.csv"
        with open(report, "wb") as out:
            for chunk in selectors.import_errors_csv(done.pk):
                out.write(chunk)
        print(f"Error report: {report}  (errors, warnings and matches; also /imports/{done.pk}/ in the web UI)", file=stdout)
    if done.dry_run:
        for row in done.preview:
            contact = row["contact"] or {}
            summary = ", ".join(f"{k}={v}" for k, v in contact.items() if v not in ("", None, [], {}))
            problems = "; ".join(f"{e['column']}: {e['message']}" for e in row["errors"])
            print(f"  row {row['row']}: {row['action']}  {summary or problems}", file=stdout)
        _print_notes(done.pk, stdout)
    return 0 if done.status == "done" else 1


NOTES_SHOWN = 50


def _print_notes(import_id: int, stdout) -> None:
    """A dry run's warnings and matches: which rows update which contact, which rows are
    the same person as an earlier row, which values were replaced."""
    from sarnakh.capture.imports import selectors

    for level, title in (("match", "Rows that update existing contacts"), ("warning", "Warnings")):
        total = selectors.import_error_count(import_id, level=level)
        if not total:
            continue
        print(f"{title} ({total:,}):", file=stdout)
        for note in selectors.import_errors(import_id, level=level, limit=NOTES_SHOWN):
            value = f" {note.value!r}" if note.value else ""
            print(f"  row {note.row_number}: {note.column}{value} — {note.text}", file=stdout)
        if total > NOTES_SHOWN:
            print(f"  … and {total - NOTES_SHOWN:,} more in the report", file=stdout)


def cmd_export(args, stdout=None) -> int:
    from sarnakh.capture.imports.selectors import contacts_export_csv
    from sarnakh.contacts.selectors import ContactFilters

    filters = ContactFilters(
        q=args.q, email=args.email, phone=args.phone, stage=args.stage, owner=args.owner, tag=args.tag,
        source_type=args.source_type, channel=args.channel.replace("-", "_"), company=args.company,
    )
    chunks = contacts_export_csv(filters)
    lines = 0
    if args.file == "-":
        out = sys.stdout.buffer
        for chunk in chunks:
            out.write(chunk)
            lines += chunk.count(b"\r\n")
        out.flush()
    else:
        with open(args.file, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                lines += chunk.count(b"\r\n")
        print(f"Exported {max(0, lines - 1):,} contacts to {args.file}", file=stdout or sys.stdout)
    return 0
