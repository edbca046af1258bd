"""`sarnakh forms list | retry-failed | export`. Registered by sarnakh.cli; Django is set up
before a command function runs, so the imports that need it are inside the functions."""

from __future__ import annotations

import sys


def add_subcommands(sub) -> None:
    p = sub.add_parser("forms", help="web forms: list, retry failed submissions, export submissions")
    forms_sub = p.add_subparsers(dest="forms_command", required=True)
    forms_sub.add_parser("list", help="forms with views, submissions and conversion rate")
    r = forms_sub.add_parser("retry-failed", help="process failed (and stuck) submissions again; send unsent notifications")
    r.add_argument("--form", default=None, help="only this form's slug")
    e = forms_sub.add_parser("export", help="a form's submissions as CSV (UTF-8 with BOM)")
    e.add_argument("slug")
    e.add_argument("file", help="output file, or - for standard output")
    e.add_argument("--status", default="", help="received, processed, failed, spam or invalid")
    p.set_defaults(func=cmd_forms)


def cmd_forms(args, stdout=None, stderr=None) -> int:
    from sarnakh.capture.forms import processing, selectors

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if args.forms_command == "list":
        for form in selectors.form_list():
            s = form.stats
            rate = "—" if s.conversion_rate is None else f"{s.conversion_rate}%"
            state = "active" if form.is_active else "inactive"
            print(f"{form.slug}\t{state}\tviews {s.views}\tsubmissions {s.submissions}\tconversion {rate}\tfailed {s.failed}\tspam {s.spam}", file=stdout)
        return 0
    if args.forms_command == "retry-failed":
        if args.form and selectors.form_get(args.form) is None:
            print(f"error: no form with the slug {args.form!r}", file=stderr)
            return 2
        counts = processing.submissions_retry_failed(form_slug=args.form)
        print(f"processed {counts['processed']}, still failing {counts['failed']}, notifications sent {counts['notifications_sent']}", file=stdout)
        return 1 if counts["failed"] else 0
    form = selectors.form_get(args.slug)
    if form is None:
        print(f"error: no form with the slug {args.slug!r}", file=stderr)
        return 2
    chunks = selectors.submissions_csv(form, status=args.status)
    if args.file == "-":
        for chunk in chunks:
            if hasattr(stdout, "buffer"):
                stdout.buffer.write(chunk)
            else:
                stdout.write(chunk.decode("utf-8"))
        stdout.flush()
        return 0
    with open(args.file, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    print(f"wrote {args.file}", file=stderr)
    return 0
