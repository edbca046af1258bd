"""`sarnakh segment audience-export AUDIENCE_ID [--out FILE]`, registered by
segments/commands.py under `sarnakh segment`; Django is set up before it runs."""

from __future__ import annotations

import argparse
import shutil
import sys


def add_subcommands(segment_sub) -> None:
    a = segment_sub.add_parser("audience-export", help="export a retargeting audience now (hashed CSV for Google or Meta)")
    a.add_argument("audience_id", type=int, help="the audience's id")
    a.add_argument("--out", help="also copy the file here ('-' writes it to standard output)")
    a.set_defaults(func=cmd_audience_export)


def cmd_audience_export(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.core.errors import DomainError
    from sarnakh.segments.audiences import selectors, services

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if selectors.audience_get(args.audience_id) is None:
        print(f"error: no audience with the id {args.audience_id}", file=stderr)
        return 2
    try:
        export = services.export_now(audience_id=args.audience_id, trigger="cli")
    except DomainError as exc:
        print(f"error: {exc.message}", file=stderr)
        return 2
    if export.status != "done":
        print(f"error: export {export.pk} failed: {export.error}", file=stderr)
        return 1
    path = selectors.export_path(export)
    if args.out == "-":
        with open(path, encoding="utf-8") as source:
            shutil.copyfileobj(source, stdout)
        stdout = stderr  # the summary must not mix into the CSV
    elif args.out:
        shutil.copyfile(path, args.out)
        path = args.out
    excluded = ", ".join(f"{reason}: {n}" for reason, n in export.excluded.items()) or "none"
    print(f"audience {args.audience_id}: {export.members} members, {export.exported} exported, excluded {excluded}; file {path}",
          file=stdout)
    return 0
