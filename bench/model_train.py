"""Predictive model training on Sarnakh's own data (`sarnakh model train`): time and AUC.

    python bench/model_train.py --db sqlite --data demo
    python bench/model_train.py --db sqlite --data generated --leads 100000
    python bench/model_train.py --db postgres --data generated --leads 100000

`demo` loads the `sarnakh demo` dataset (2,000 contacts, stage history, tracked visits)
into a fresh database. `generated` writes a lead history with a known signal straight
into the database with bulk inserts (tests/scoring/predictive_own_support.py: title,
channel, company, budget, pricing-page views and demo requests decide who buys; customers
log in and get a `customer_since` property only afterwards). Then one training run as
the CLI and the job do it, reporting each part's time: building the rows from the
database (with the leakage guard), evaluating (time-ordered split, model + baseline),
refitting on every labelled row, scoring and explaining every contact, writing the
predictions. For generated data, also the ceiling: the AUC of the true probabilities on
the same test contacts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
from _common import BenchDatabase  # noqa: E402
from search import setup_django  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--data", choices=["demo", "generated"], default="demo")
    parser.add_argument("--leads", type=int, default=100_000, help="generated contacts (with --data generated)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the database (prints its home)")
    args = parser.parse_args()

    db = BenchDatabase(args.db, f"bench_model_train_{args.data}").create()
    try:
        setup_django(db)
        import numpy as np
        from django.db import connection

        from sarnakh.core import clock
        from sarnakh.scoring.models import ContactPrediction
        from sarnakh.scoring.predictive import metrics
        from sarnakh.scoring.predictive.services import predictive_train

        began = time.perf_counter()
        truth = None
        if args.data == "demo":
            from sarnakh.contacts.demo import load_demo
            from sarnakh.tracking.demo import load_tracking_demo

            load_demo()
            load_tracking_demo()
            now = clock.now()
        else:
            from tests.scoring.predictive_own_support import generate_history

            now = dt.datetime.now(dt.UTC)
            truth = generate_history(args.leads, now=now, seed=args.seed)
        loaded = time.perf_counter() - began

        with clock.frozen_at(now):
            started, cpu = time.perf_counter(), time.process_time()
            run = predictive_train(threads=args.threads, progress=lambda text: print(text, file=sys.stderr))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        report = run.metrics
        seconds = report["seconds"]
        result = {
            "db": connection.vendor, "data": args.data, "contacts": report["own_data"]["contacts"],
            "labelled": report["rows"], "positives": report["positives"], "model": report["model"],
            "calibration": report["calibration"], "features": len(report["features"]),
            "auc": round(report["auc"], 4), "baseline_auc": round(report["baseline_auc"], 4),
            "brier": round(report["brier"], 5), "baseline_brier": round(report["baseline_brier"], 5),
            "brier_reference": round(report["brier_reference"], 5),
            "top_decile_lift": report["lift_by_decile"][0]["lift"], "leakage_warnings": [w["column"] for w in report["leakage_warnings"]],
            "rewound_values": report["own_data"]["rewound_values"],
            "seconds": {
                "load_data": round(loaded, 1), "build_rows": seconds["build_rows"],
                "evaluate": seconds["evaluate"], "evaluate_train_only": seconds["train"],
                "final_fit": seconds["final_fit"], "score_and_explain": seconds["scoring"],
                "save_estimator": seconds["save_estimator"], "write_predictions": seconds["write_predictions"],
                "total": round(wall, 2), "total_cpu": round(cpu, 2),
            },
            "predictions": ContactPrediction.objects.filter(model=run).count(),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "python": platform.python_version(), "machine": platform.machine(),
        }
        if truth is not None:
            # the test part: the latest quarter of the labelled contacts, as the evaluation split them
            labelled = np.flatnonzero(truth["created_days_ago"] >= report["own_data"]["min_age_days"])
            test = labelled[int(round(len(labelled) * 0.75)):]
            result["ceiling_auc"] = round(metrics.auc(truth["converted"][test].astype(int), truth["truth"][test]), 4)
            result["events"] = truth["events"]
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        if args.keep:
            print(f"kept: {db.home} {db.url}", file=sys.stderr)
        else:
            db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
