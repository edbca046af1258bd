"""`sarnakh mail bounces process [--limit N]`. Registered by mail.delivery.commands under
`sarnakh mail`; Django is set up before a command function runs."""

from __future__ import annotations

import argparse
import sys


def add_subcommands(mail_sub) -> None:
    p = mail_sub.add_parser("bounces", help="bounces and complaints: read the bounce mailbox (SARNAKH_BOUNCE_MAILBOX)")
    bounce_sub = p.add_subparsers(dest="bounces_command", required=True)
    run = bounce_sub.add_parser("process", help="read one batch of the bounce mailbox now and apply what it says")
    run.add_argument("--limit", type=int, default=None, help="messages to read (default and most: 500)")
    run.add_argument("--mailbox", default="", help="a mailbox URL instead of SARNAKH_BOUNCE_MAILBOX")
    run.set_defaults(func=cmd_bounces_process)


def cmd_bounces_process(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.mail.bounces import services

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    limit = services.BATCH if args.limit is None else args.limit
    if not 1 <= limit <= services.BATCH:
        print(f"error: --limit must be between 1 and {services.BATCH}", file=stderr)
        return 2
    run = services.mailbox_process(limit=limit, url=args.mailbox)
    if run.error:
        print(f"error: {run.error}", file=stderr)
        return 1
    print(str(run), file=stdout)
    return 0
