"""`sarnakh mail send-campaign ID [--workers N] [--wait]` (sends in the foreground: the
benchmark, the crash test, an operator who wants to watch) and `sarnakh mail
campaign-worker ID` (one worker process; send-campaign starts N of them). Added to `mail`
by mail.delivery.commands."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time


def add_subcommands(mail_sub) -> None:
    s = mail_sub.add_parser("send-campaign", help="send a scheduled campaign now, in the foreground")
    s.add_argument("campaign_id", type=int)
    s.add_argument("--workers", type=int, default=1, help="worker processes (default 1: this one)")
    s.add_argument("--wait", action="store_true",
                   help="keep going until nobody waits (deferred recipients and leases of dead workers included)")
    s.add_argument("--max-seconds", type=float, default=None, help="stop after this long")
    s.set_defaults(func=cmd_send_campaign)
    w = mail_sub.add_parser("campaign-worker", help="one campaign worker (send-campaign --workers N starts N)")
    w.add_argument("campaign_id", type=int)
    w.add_argument("--share", type=int, default=None, help="how many workers split the rate limits")
    w.add_argument("--wait", action="store_true")
    w.add_argument("--max-seconds", type=float, default=None)
    w.set_defaults(func=cmd_campaign_worker)


def _progress(campaign_id: int) -> str:
    from sarnakh.mail.campaigns import selectors

    progress = selectors.campaign_progress(campaign_id)
    return " ".join(f"{k}={v}" for k, v in progress.items())


def cmd_campaign_worker(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.mail.campaigns import sending

    stdout = stdout or sys.stdout
    started = time.monotonic()
    result = sending.run_worker(args.campaign_id, max_seconds=args.max_seconds, wait_for_deferred=args.wait, share=args.share)
    elapsed = time.monotonic() - started
    rate = result.sent / elapsed if elapsed else 0.0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"worker {os.getpid()}: sent={result.sent} excluded={result.excluded} bounced={result.bounced} "
          f"failed={result.failed} deferred={result.deferred} batches={result.batches} "
          f"seconds={elapsed:.1f} per_second={rate:.1f} max_rss_mb={rss_mb:.0f}", file=stdout, flush=True)
    return 0


def cmd_send_campaign(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.mail.campaigns import selectors, sending

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    campaign = selectors.campaign_get(args.campaign_id)
    if campaign is None:
        print(f"error: no campaign {args.campaign_id}", file=stderr)
        return 2
    if campaign.status == "draft":
        print("error: schedule the campaign first (its audience is frozen then)", file=stderr)
        return 2
    sending.start_if_due(campaign.pk)
    workers = max(1, min(args.workers, 32))
    started = time.monotonic()
    if workers == 1:
        code = cmd_campaign_worker(argparse.Namespace(campaign_id=campaign.pk, share=1, wait=args.wait,
                                                      max_seconds=args.max_seconds), stdout=stdout)
    else:
        from django.db import connections

        connections.close_all()
        extra = [*(["--wait"] if args.wait else []), *(["--max-seconds", str(args.max_seconds)] if args.max_seconds else [])]
        children = [subprocess.Popen([sys.executable, "-m", "sarnakh.cli", "mail", "campaign-worker", str(campaign.pk),
                                      "--share", str(workers), *extra], stdout=stdout if stdout is sys.stdout else None)
                    for _ in range(workers)]
        code = max(child.wait() for child in children)
    sending.finish_if_done(campaign.pk)
    print(f"campaign {campaign.pk}: {_progress(campaign.pk)} seconds={time.monotonic() - started:.1f}", file=stdout, flush=True)
    return code
