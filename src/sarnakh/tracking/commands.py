"""`sarnakh site create | list` and `sarnakh events cleanup | process`. Registered by
sarnakh.cli; Django is set up before a command function runs, so the imports that need it
are inside the functions."""

from __future__ import annotations

import sys


def add_subcommands(sub) -> None:
    p = sub.add_parser("site", help="tracked sites: create one (prints its key and snippet), list them")
    site_sub = p.add_subparsers(dest="site_command", required=True)
    c = site_sub.add_parser("create", help="add a tracked site and print its key and the snippet to paste before </head>")
    c.add_argument("name", help="a name for your team, e.g. 'Main website'")
    c.add_argument(
        "--origin", action="append", default=[], metavar="URL",
        help="an origin allowed to send events, e.g. https://www.example.com or https://*.example.com (repeat for more; none = any origin)",
    )
    site_sub.add_parser("list", help="sites with their key, state and allowed origins")
    p.set_defaults(func=cmd_site)

    p = sub.add_parser("events", help="tracked events: process the backlog, delete old anonymous behaviour")
    events_sub = p.add_subparsers(dest="events_command", required=True)
    c = events_sub.add_parser("cleanup", help="delete events, sessions and visitors never linked to a contact and older than the retention")
    c.add_argument("--days", type=int, default=None, help="keep this many days (default: the setting in Settings → Tracking)")
    c.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    events_sub.add_parser("process", help="process received events now (sessions, channels, identities) until none are left")
    p.set_defaults(func=cmd_events)


def cmd_site(args, stdout=None, stderr=None) -> int:
    from sarnakh.core.errors import DomainError
    from sarnakh.tracking.sites import selectors as site_selectors
    from sarnakh.tracking.sites import services as site_services

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if args.site_command == "create":
        try:
            site = site_services.site_create(name=args.name, origins=args.origin)
        except DomainError as exc:
            for field, messages in (exc.fields or {"": [exc.message]}).items():
                for message in messages:
                    print(f"error: {field + ': ' if field else ''}{message}", file=stderr)
            return 2
        print(f"Site {site.name!r} created. Key: {site.key}", file=stdout)
        if not site.allowed_origins:
            print("warning: no origins given, so any site may send events with this key", file=stderr)
        print("Paste this snippet before </head> on every page:\n", file=stdout)
        print(site_selectors.site_snippet(site), file=stdout)
        return 0
    for site in site_selectors.site_list():
        state = "active" if site.is_active else "inactive"
        allowed = ", ".join(site.allowed_origins) or "any origin"
        print(f"{site.pk}\t{site.name}\t{site.key}\t{state}\t{allowed}", file=stdout)
    return 0


def cmd_events(args, stdout=None, stderr=None) -> int:
    from sarnakh.core.errors import DomainError

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if args.events_command == "cleanup":
        from sarnakh.tracking.sites.services import anonymous_events_cleanup

        try:
            counts = anonymous_events_cleanup(days=args.days, dry_run=args.dry_run)
        except DomainError as exc:
            for messages in exc.fields.values():
                for message in messages:
                    print(f"error: --days: {message}", file=stderr)
            return 2
        verb = "would delete" if counts["dry_run"] else "deleted"
        print(
            f"{verb} {counts['events']} events, {counts['sessions']} sessions, {counts['visitors']} visitors "
            f"(anonymous, older than {counts['days']} days: before {counts['cutoff']:%Y-%m-%d %H:%M} UTC)",
            file=stdout,
        )
        return 0
    from sarnakh.tracking.processor import process_all_pending

    total = process_all_pending()
    print(f"processed {total} events", file=stdout)
    return 0
