"""`sarnakh hygiene duplicates|inactive`. Registered by sarnakh.cli through `add_subcommands`;
Django is set up before a command function runs. Tab-separated lines, a summary on stderr."""

from __future__ import annotations

import argparse
import sys

MAX_LINES = 10000


def add_subcommands(sub) -> None:
    p = sub.add_parser("hygiene", help="list hygiene: probable duplicates, inactive contacts")
    hygiene_sub = p.add_subparsers(dest="hygiene_command", required=True)
    d = hygiene_sub.add_parser("duplicates", help="candidate pairs: score, contact ids, reasons")
    d.add_argument("--limit", type=int, default=100, help=f"pairs to print (1–{MAX_LINES})")
    d.set_defaults(func=cmd_hygiene_duplicates)
    i = hygiene_sub.add_parser("inactive", help="contacts with no activity in N days: id, email, source type, channel, created")
    i.add_argument("--days", type=int, default=180)
    i.add_argument("--limit", type=int, default=100, help=f"contacts to print (1–{MAX_LINES})")
    i.set_defaults(func=cmd_hygiene_inactive)


def _limit(value: int, stderr) -> int | None:
    if not 1 <= value <= MAX_LINES:
        print(f"error: --limit must be 1 to {MAX_LINES}", file=stderr)
        return None
    return value


def cmd_hygiene_duplicates(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.segments.hygiene import selectors

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    limit = _limit(args.limit, stderr)
    if limit is None:
        return 2
    result = selectors.duplicate_candidates(fresh=True)
    for c in result.candidates[:limit]:
        reasons = ",".join(f"{r.code}:{round(r.similarity)}" if r.similarity is not None else r.code for r in c.reasons)
        print(f"{round(c.score)}\t{c.a}\t{c.b}\t{reasons}", file=stdout)
    note = " (a bound was reached: some pairs may be missing)" if result.truncated else ""
    print(f"{len(result.candidates)} pairs among {result.contacts} contacts, {result.blocks} blocks, "
          f"{result.comparisons} name comparisons{note}", file=stderr)
    return 0


def cmd_hygiene_inactive(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.segments.hygiene import selectors

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    limit = _limit(args.limit, stderr)
    if limit is None:
        return 2
    if not selectors.MIN_INACTIVE_DAYS <= args.days <= selectors.MAX_INACTIVE_DAYS:
        print(f"error: --days must be {selectors.MIN_INACTIVE_DAYS} to {selectors.MAX_INACTIVE_DAYS}", file=stderr)
        return 2
    qs = selectors.inactive_contacts(args.days)
    for pk, email, source_type, channel, created in qs.values_list("pk", "email", "source_type", "channel", "created_at")[:limit]:
        print(f"{pk}\t{email}\t{source_type}\t{channel}\t{created:%Y-%m-%d}", file=stdout)
    print(f"{qs.count()} contacts with no activity in {args.days} days", file=stderr)
    return 0
