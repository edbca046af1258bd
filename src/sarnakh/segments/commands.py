"""`sarnakh segment refresh|count|export`. Registered by sarnakh.cli through `add_subcommands`;
Django is set up before a command function runs."""

from __future__ import annotations

import argparse
import csv
import sys

from sarnakh.segments.audiences.commands import add_subcommands as add_audience_commands

EXPORT_CHUNK = 1000


def add_subcommands(sub) -> None:
    p = sub.add_parser("segment", help="segments and static lists: refresh, count, export members")
    segment_sub = p.add_subparsers(dest="segment_command", required=True)
    r = segment_sub.add_parser("refresh", help="rebuild dynamic segments' membership now, set-based (one, or --all)")
    r.add_argument("segment_id", type=int, nargs="?", help="the segment's id")
    r.add_argument("--all", action="store_true", help="every dynamic segment")
    r.set_defaults(func=cmd_segment_refresh)
    c = segment_sub.add_parser("count", help="stored members and the contacts the filter matches now")
    c.add_argument("segment_id", type=int)
    c.set_defaults(func=cmd_segment_count)
    e = segment_sub.add_parser("export", help="the members as CSV (contact_id, email, first_name, last_name, entered_at, reason)")
    e.add_argument("segment_id", type=int)
    e.set_defaults(func=cmd_segment_export)
    add_audience_commands(segment_sub)  # segment audience-export (retargeting audiences)


def cmd_segment_refresh(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.core.errors import DomainError
    from sarnakh.segments import selectors, services

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if args.all == (args.segment_id is not None):
        print("error: give one segment id or --all", file=stderr)
        return 2
    ids = [s.pk for s in selectors.segment_list() if s.kind == "dynamic"] if args.all else [args.segment_id]
    for segment_id in ids:
        try:
            entered, left = services.segment_refresh(segment_id=segment_id)
        except DomainError as exc:
            print(f"error: segment {segment_id}: {exc.message} {exc.fields or ''}".rstrip(), file=stderr)
            return 2
        print(f"segment {segment_id}: {entered} entered, {left} left, {selectors.member_count(segment_id)} members", file=stdout)
    return 0


def _segment_or_error(segment_id: int, stderr):
    from sarnakh.segments import selectors

    segment = selectors.segment_get(segment_id)
    if segment is None:
        print(f"error: no segment with the id {segment_id}", file=stderr)
    return segment


def cmd_segment_count(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.segments import selectors

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    segment = _segment_or_error(args.segment_id, stderr)
    if segment is None:
        return 2
    print(f"{selectors.member_count(segment.pk)} members; {selectors.live_count(segment)} match now", file=stdout)
    return 0


def cmd_segment_export(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.segments import selectors

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    segment = _segment_or_error(args.segment_id, stderr)
    if segment is None:
        return 2
    writer = csv.writer(stdout)
    writer.writerow(["contact_id", "email", "first_name", "last_name", "entered_at", "reason"])
    after = None
    for _page in range(10**7):  # bounded: a page per EXPORT_CHUNK members
        rows, after = selectors.member_page(segment.pk, after_contact_id=after, limit=EXPORT_CHUNK)
        people = selectors.member_details([m.contact_id for m in rows])
        for m in rows:
            person = people.get(m.contact_id, {})
            writer.writerow([m.contact_id, person.get("email", ""), person.get("first_name", ""), person.get("last_name", ""),
                             m.entered_at.isoformat(), m.reason])
        if after is None:
            break
    return 0
