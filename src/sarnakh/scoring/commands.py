"""`sarnakh score recompute [--model KEY]` and `sarnakh score backtest`. Registered by sarnakh.cli through
`add_subcommands`; Django is set up before a command function runs."""

from __future__ import annotations

import argparse
import sys


def add_subcommands(sub) -> argparse._SubParsersAction:
    """Adds `score recompute`; returns the `score` sub-parsers so `score backtest` can join."""
    p = sub.add_parser("score", help="lead scoring: re-score contacts")
    score_sub = p.add_subparsers(dest="score_command", required=True)
    r = score_sub.add_parser("recompute", help="re-score every contact now, set-based (all active models, or one)")
    r.add_argument("--model", default="", metavar="KEY", help="only this scoring model (default: every active model)")
    r.set_defaults(func=cmd_score_recompute)
    b = score_sub.add_parser("backtest", help="replay a model over past months: MQLs per month, conversion, threshold sweep")
    b.add_argument("--model", default="", metavar="KEY", help="the scoring model (default: the default model)")
    b.add_argument("--spec", default="", metavar="FILE.json", help="draft rules to replay instead of the model's current ones")
    b.add_argument("--months", type=int, default=6, help="how many months back (1-24, default 6)")
    b.add_argument("--target-per-month", type=float, default=None, metavar="N", help="MQLs a month agreed with sales: suggest a threshold")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.set_defaults(func=cmd_score_backtest)
    return score_sub


def cmd_score_recompute(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from sarnakh.core.errors import DomainError
    from sarnakh.scoring import services

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        done = services.contacts_rescore_all(
            model_key=args.model or None, progress=lambda n, total, phase: print(
                f"… {phase}: {n} of {total} contacts written" if phase == "writing" else f"… {phase} rules to events", file=stderr
            ),
        )
    except DomainError as exc:
        print(f"error: {exc.message}", file=stderr)
        return 2
    print(f"Re-scored {done} contacts with {'model ' + repr(args.model) if args.model else 'every active model'}.", file=stdout)
    return 0


def _pct(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _cells(outcome: dict) -> str:
    return f"{outcome['mqls']:>6} {_pct(outcome['sql_rate']):>7} {_pct(outcome['customer_rate']):>7}"


def _bar(run: dict, threshold=None) -> str:
    value = run["threshold"] if threshold is None else threshold
    if run["kind"] == "combined":
        return f"combined score ≥ {value}"
    return f"engagement ≥ {value} (and the model's grade condition)"


def _backtest_text(data: dict) -> list[str]:
    model, in_use, suggestion = data["model"], data["in_use"], data["suggestion"]
    lines = [
        f"Backtest of {'draft rules for ' if data['draft'] else ''}model {model['key']!r} ({model['name']}) "
        f"from {data['start']:%Y-%m-%d} to {data['end']:%Y-%m-%d}: {data['contacts']} contacts replayed.",
        f"Bar: {_bar(model)}. A would-be MQL counts as going on to SQL or customer only when it got there afterwards.",
        "",
    ]
    groups = [("this bar", "model")]
    if data["draft"]:
        groups.append((f"in use v{data['in_use_version']}", "in_use"))
    if suggestion and suggestion["point"] and suggestion["threshold"] != model["threshold"]:
        groups.append((f"suggested ≥ {suggestion['threshold']}", "suggested"))
    groups.append(("stage history", "recorded"))
    lines.append("month starting " + "".join(f" | {title:^22}" for title, _key in groups))
    lines.append(" " * 15 + " | ".join([""] + ["  MQLs    →SQL   →cust."] * len(groups)))
    for row in data["months"]:
        lines.append(f"{row['start']:%Y-%m-%d}     " + "".join(f" | {_cells(row[key])}" for _title, key in groups))
    totals = {"model": model, "in_use": in_use, "recorded": data["recorded"], "suggested": suggestion["point"] if suggestion else None}
    lines.append("all months     " + "".join(f" | {_cells(totals[key])}" for _title, key in groups))
    lines += ["", f"Threshold sweep ({model['bar_field']}):", "threshold  MQLs/month    →SQL   →cust."]
    for point in data["curve"]:
        mark = "  ← this bar" if point["threshold"] == model["threshold"] else ""
        if suggestion and point["threshold"] == suggestion["threshold"]:
            mark += "  ← suggested"
        lines.append(f"{point['threshold']:>9} {point['per_month']:>11.1f} {_pct(point['sql_rate']):>7} {_pct(point['customer_rate']):>7}{mark}")
    lines.append("")
    if suggestion is None:
        lines.append("Give --target-per-month N for a suggested threshold.")
    elif suggestion["point"] is None:
        lines.append("No threshold produced any MQL in these months.")
    else:
        point = suggestion["point"]
        if suggestion["meets_target"]:
            lines.append(
                f"For {suggestion['target_per_month']:g} MQLs a month: {_bar(model, suggestion['threshold'])} gives "
                f"{point['per_month']:.1f} a month with {_pct(point['customer_rate'])} going on to customer "
                f"({_pct(point['sql_rate'])} to SQL), the best MQL→customer rate among thresholds that meet the volume."
            )
        else:
            lines.append(
                f"No threshold reaches {suggestion['target_per_month']:g} MQLs a month; the most is "
                f"{point['per_month']:.1f} a month with {_bar(model, suggestion['threshold'])} "
                f"({_pct(point['customer_rate'])} going on to customer)."
            )
    if in_use["threshold"] is not None:
        lines.append(
            f"The model in use (v{data['in_use_version']}, {_bar(in_use)}): {in_use['per_month']:.1f} a month, "
            f"{_pct(in_use['sql_rate'])} to SQL, {_pct(in_use['customer_rate'])} to customer."
        )
    return lines


def cmd_score_backtest(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from sarnakh.core.errors import DomainError
    from sarnakh.scoring.backtest.selectors import scoring_backtest

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    spec = None
    if args.spec:
        try:
            with open(args.spec, encoding="utf-8-sig") as handle:
                spec = json.load(handle)
        except (OSError, ValueError) as exc:
            print(f"error: cannot read {args.spec}: {exc}", file=stderr)
            return 2
    try:
        backtest = scoring_backtest(
            model_key=args.model or None, spec_dict=spec, months=args.months, target_per_month=args.target_per_month,
        )
    except DomainError as exc:
        print(f"error: {exc.message}", file=stderr)
        for path, problems in (exc.fields or {}).items():
            print(f"  {path}: {'; '.join(str(p) for p in problems)}", file=stderr)
        return 2
    data = backtest.to_dict()
    if args.json:
        print(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False), file=stdout)
        return 0
    print("\n".join(_backtest_text(data)), file=stdout)
    return 0
