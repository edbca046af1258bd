"""`sarnakh mail test --to ADDRESS` (and the campaign commands, campaigns/commands.py). Registered by sarnakh.cli through `add_subcommands`;
Django is set up before a command function runs."""

from __future__ import annotations

import argparse
import sys


def add_subcommands(sub) -> None:
    p = sub.add_parser("mail", help="email: send a test message, send a campaign")
    mail_sub = p.add_subparsers(dest="mail_command", required=True)
    t = mail_sub.add_parser("test", help="send a test message through the configured transport (SARNAKH_EMAIL_URL)")
    t.add_argument("--to", required=True, help="the address to send to")
    t.add_argument("--sender", type=int, default=None, help="a sender identity's id (default: the default sender)")
    t.set_defaults(func=cmd_mail_test)
    from sarnakh.mail.campaigns.commands import add_subcommands as add_campaign_commands

    add_campaign_commands(mail_sub)  # mail send-campaign | campaign-worker


def cmd_mail_test(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.core.errors import DomainError
    from sarnakh.mail.delivery import services

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        row = services.email_send_test(to=args.to, sender_id=args.sender)
    except DomainError as exc:
        print(f"error: {exc.message} {exc.fields or ''}".rstrip(), file=stderr)
        return 2
    if row.status != "sent":
        print(f"error: not sent ({row.status}): {row.last_error}", file=stderr)
        return 1
    print(f"sent to {row.to_address} from {row.sender} ({row.message_id})", file=stdout)
    return 0
