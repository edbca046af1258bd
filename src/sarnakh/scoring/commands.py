"""`sarnakh score recompute [--model KEY]`. Registered by sarnakh.cli through
`add_subcommands`; Django is set up before a command function runs."""

from __future__ import annotations

import argparse
import sys


def add_subcommands(sub) -> argparse._SubParsersAction:
    """Adds `score recompute`; returns the `score` sub-parsers so `score backtest` can join."""
    p = sub.add_parser("score", help="lead scoring: re-score contacts")
    score_sub = p.add_subparsers(dest="score_command", required=True)
    r = score_sub.add_parser("recompute", help="re-score every contact now (all active models, or one)")
    r.add_argument("--model", default="", metavar="KEY", help="only this scoring model (default: every active model)")
    r.add_argument("--chunk", type=int, default=500, help="contacts per progress step (default 500)")
    r.set_defaults(func=cmd_score_recompute)
    return score_sub


def cmd_score_recompute(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.core.errors import DomainError
    from sarnakh.scoring import services

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if args.chunk < 1:
        print("error: --chunk must be at least 1", file=stderr)
        return 2
    try:
        done = services.contacts_rescore_all(
            model_key=args.model or None, chunk=args.chunk, progress=lambda n: print(f"… {n} contacts", file=stderr),
        )
    except DomainError as exc:
        print(f"error: {exc.message}", file=stderr)
        return 2
    print(f"Re-scored {done} contacts with {'model ' + repr(args.model) if args.model else 'every active model'}.", file=stdout)
    return 0
