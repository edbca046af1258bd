"""`sarnakh model evaluate --csv FILE --target COLUMN …`: train and test a conversion model
on a historical export (from Sarnakh or any other tool) and print the report.

Registered by sarnakh.cli through `add_subcommands`. Nothing here touches the database,
so `main(argv)` also runs it without Django (tests, benchmarks).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXIT_BAD_INPUT = 2


def add_evaluate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--csv", type=Path, required=True, metavar="FILE", help="a CSV export with one row per lead and an outcome column")
    p.add_argument("--target", required=True, metavar="COLUMN", help="the outcome column: two values, e.g. 1/0, yes/no, won/lost, بله/خیر")
    p.add_argument("--positive", default="", metavar="VALUE", help="the target value to predict (default: the yes-like value, else the rarer one)")
    p.add_argument("--exclude", action="extend", nargs="+", default=[], metavar="COLUMN", help="columns not to learn from (repeatable)")
    p.add_argument("--split", choices=["random", "ordered"], default=None,
                   help="random: stratified 75/25 (default); ordered: train on the earliest 75%% by --order-by, test on the latest 25%%")
    p.add_argument("--order-by", default="", metavar="COLUMN", help="column giving each row's time: dates, numbers (a lead number, a Unix timestamp) or sortable text (implies --split ordered)")
    p.add_argument("--seed", type=int, default=42, help="random seed for the split and the model (default 42)")
    p.add_argument("--model", choices=["auto", "gradient-boosting", "logistic"], default="auto",
                   help="auto: gradient boosting, or logistic regression on small data (default)")
    p.add_argument("--drop-leaky", action="store_true", help="leave out columns the leakage check warns about (default: warn only)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the text report")
    p.add_argument("--encoding", default="", help="default: detected (utf-8, utf-8 with BOM, utf-16, cp1256, …)")
    p.add_argument("--delimiter", default="", help="default: detected (, ; or tab)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads for training (default 1)")


def add_subcommands(sub) -> argparse._SubParsersAction:
    """Adds `model evaluate`; returns the `model` sub-parsers so `model train` can join."""
    p = sub.add_parser("model", help="predictive lead scoring: evaluate a model on a CSV export, or train on Sarnakh's own data")
    model_sub = p.add_subparsers(dest="model_command", required=True)
    e = model_sub.add_parser(
        "evaluate", help="train and test on a CSV file; print ROC AUC, Brier score, calibration, lift and a logistic baseline",
    )
    add_evaluate_arguments(e)
    e.set_defaults(func=cmd_model_evaluate)
    t = model_sub.add_parser(
        "train", help="train on Sarnakh's own contacts and stage history, store the model and every contact's probability; print the report",
    )
    t.add_argument("--target-stage", default="customer", metavar="KEY", help="the lifecycle stage to predict reaching (default customer)")
    t.add_argument("--min-age-days", type=int, default=30, metavar="N",
                   help="learn only from contacts at least N days old: younger ones had no fair chance yet (default 30)")
    t.add_argument("--threads", type=int, default=1, help="CPU threads for training (default 1)")
    t.add_argument("--json", action="store_true", help="print one JSON object instead of the text report")
    t.set_defaults(func=cmd_model_train)
    return model_sub


def cmd_model_evaluate(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from .csv_source import read_csv_table
    from .evaluate import GRADIENT_BOOSTING, LOGISTIC, Options, evaluate_table
    from .features import DataError
    from .report import render_json, render_text

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    order_by = getattr(args, "order_by", "") or ""
    split = getattr(args, "split", None) or ("ordered" if order_by else "random")
    if split == "random" and order_by:
        print("error: --order-by orders a time-ordered split; use it with --split ordered (or leave --split out)", file=stderr)
        return EXIT_BAD_INPUT
    model = {"gradient-boosting": GRADIENT_BOOSTING, "logistic": LOGISTIC}.get(getattr(args, "model", "auto"), "auto")
    options = Options(
        target=args.target, exclude=list(getattr(args, "exclude", None) or []), split=split, order_by=order_by,
        seed=getattr(args, "seed", 42), positive=getattr(args, "positive", "") or "", drop_leaky=getattr(args, "drop_leaky", False),
        model=model, threads=getattr(args, "threads", 1),
    )
    quiet = getattr(args, "json", False)
    started = time.perf_counter()
    try:
        source = read_csv_table(args.csv, encoding=getattr(args, "encoding", ""), delimiter=getattr(args, "delimiter", ""))
        read_seconds = time.perf_counter() - started
        if not quiet:
            table = source.table
            print(f"Read {table.n_rows:,} rows × {len(table.columns)} columns from {args.csv} "
                  f"({source.encoding}, delimiter {source.delimiter!r}); training…", file=stderr)
            stderr.flush()
        evaluation = evaluate_table(source.table, options)
    except DataError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_BAD_INPUT
    report = evaluation.report
    report["source"] = {"file": str(args.csv), "encoding": source.encoding, "delimiter": source.delimiter}
    report["seconds"]["read"] = round(read_seconds, 3)
    if quiet:
        stdout.write(render_json(report) + "\n")
    else:
        stdout.write(render_text(report, source=f"{Path(args.csv).name} ({source.encoding}, delimiter {source.delimiter!r})"))
    stdout.flush()
    return 0


def cmd_model_train(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    """Needs Django (sarnakh.cli sets it up before calling)."""
    from sarnakh.core.errors import DomainError
    from sarnakh.core.heartbeat import command_heartbeat

    from .features import DataError
    from .report import render_json, render_own_data_text
    from .services import predictive_train

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if args.min_age_days < 0 or args.threads < 1:
        print("error: --min-age-days must be 0 or more and --threads at least 1", file=stderr)
        return EXIT_BAD_INPUT
    quiet = getattr(args, "json", False)

    def progress(text: str) -> None:
        if not quiet:
            print(text, file=stderr)
            stderr.flush()

    try:
        with command_heartbeat():
            run = predictive_train(target_stage=args.target_stage, min_age_days=args.min_age_days, threads=args.threads, progress=progress)
    except DomainError as exc:
        detail = "; ".join(m for messages in exc.fields.values() for m in messages)
        print(f"error: {exc.message}{' ' + detail if detail else ''}", file=stderr)
        return EXIT_BAD_INPUT
    except DataError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_BAD_INPUT
    report = {**run.metrics, "model_id": run.pk, "trained_at": run.trained_at.isoformat(), "scored": run.scored,
              "estimator_path": run.estimator_path}
    stdout.write(render_json(report) + "\n" if quiet else render_own_data_text(report))
    stdout.flush()
    return 0


def main(argv: list[str] | None = None, stdout=None, stderr=None) -> int:
    """`model …` without the rest of the CLI or Django: `main(["model", "evaluate", …])`."""
    parser = argparse.ArgumentParser(prog="sarnakh")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args, stdout=stdout, stderr=stderr)


if __name__ == "__main__":
    sys.exit(main())
