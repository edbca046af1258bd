"""Predictive model training time and AUC on a generated lead history (`sarnakh model evaluate`).

    .venv/bin/python bench/model_evaluate.py --rows 100000
    .venv/bin/python bench/model_evaluate.py --rows 100000 --threads 2 --split ordered --keep /tmp/leads.csv

Writes a CSV export as another tool would (lead id and email, created date, industry,
employee band, free-typed job title in English and Persian, country, channel, page views,
pricing-page views, email opens, days since first touch, a BANT budget answer, and
"Select"/"--"/blank where nobody answered), with a hidden logistic signal deciding
`converted` (yes/no, about 8 %). Then reads it back and evaluates exactly as the command
does, and prints read and training time, peak memory, the model's and the baseline's AUC
and Brier score, and the ceiling: the AUC of the true probabilities on the same test rows.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from sarnakh.scoring.predictive import metrics  # noqa: E402
from sarnakh.scoring.predictive.csv_source import read_csv_table  # noqa: E402
from sarnakh.scoring.predictive.evaluate import Options, evaluate_table  # noqa: E402

INDUSTRIES = {"Software": 0.6, "Manufacturing": 0.2, "Retail": -0.1, "Finance": 0.5, "Healthcare": 0.1,
              "Education": -0.6, "Logistics": 0.2, "Construction": -0.3, "Media": -0.2, "Government": -0.4}
BANDS = {"1-10": -0.8, "11-50": -0.1, "51-200": 0.3, "201-1000": 0.5, "1000+": 0.2}
TITLES = {"Head of Marketing": 0.9, "Sales Manager": 0.8, "Marketing Manager": 0.7, "مدیر فروش": 0.8, "مدیر بازاریابی": 0.7,
          "CEO": 0.6, "مدیرعامل": 0.6, "Director of Sales": 0.9, "Marketing Specialist": 0.1, "کارشناس بازاریابی": 0.1,
          "Engineer": -0.3, "Developer": -0.4, "Student": -1.2, "دانشجو": -1.2, "Intern": -1.0, "Consultant": 0.0}
COUNTRIES = {"IR": 0.2, "DE": 0.0, "TR": -0.1, "AE": 0.3, "GB": 0.0, "US": -0.1, "IQ": -0.2}
CHANNELS = {"organic_search": 0.2, "paid_search": 0.0, "social": -0.4, "email": 0.3, "referral": 0.6, "direct": 0.1,
            "event": 0.4, "cold_email": -0.5, "list_import": -0.7}
BUDGETS = {"Yes": 0.5, "No": -0.5, "Not sure": 0.0}
HEADER = ["Lead ID", "Email", "Created", "Industry", "Employees", "Job Title", "Country", "Channel",
          "Page Views", "Pricing Views", "Email Opens", "Days Since First Touch", "Budget", "converted"]


def _pick(rng: np.random.Generator, effects: dict, n: int, weights=None) -> tuple[np.ndarray, np.ndarray]:
    names = list(effects)
    index = rng.choice(len(names), size=n, p=weights)
    return np.array(names, dtype=object)[index], np.array(list(effects.values()))[index]


def generate(path: Path, rows: int, seed: int) -> np.ndarray:
    """Writes the CSV; returns each row's true conversion probability."""
    rng = np.random.default_rng(seed)
    industry, e_industry = _pick(rng, INDUSTRIES, rows)
    band, e_band = _pick(rng, BANDS, rows, [0.3, 0.3, 0.2, 0.12, 0.08])
    title, e_title = _pick(rng, TITLES, rows)
    country, e_country = _pick(rng, COUNTRIES, rows, [0.45, 0.12, 0.1, 0.1, 0.08, 0.08, 0.07])
    channel, e_channel = _pick(rng, CHANNELS, rows)
    budget, e_budget = _pick(rng, BUDGETS, rows, [0.3, 0.3, 0.4])
    interest = rng.normal(size=rows)  # unobserved; drives all engagement counts
    page_views = rng.poisson(np.exp(1.2 + 0.5 * interest))
    pricing_views = rng.poisson(np.exp(-1.2 + 0.8 * interest + 0.3 * e_title))
    email_opens = rng.poisson(np.exp(0.8 + 0.3 * interest))
    days = rng.integers(0, 365, size=rows)
    senior = (e_title > 0.5).astype(float)
    z = (-3.4 + e_industry + e_band + e_title + e_country + e_channel + e_budget
         + 0.7 * np.log1p(pricing_views) + 0.25 * np.log1p(page_views) + 0.05 * email_opens
         - 0.004 * days + 0.5 * senior * np.log1p(pricing_views))
    truth = 1 / (1 + np.exp(-z))
    converted = rng.random(rows) < truth
    created = date(2023, 1, 1)
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        hide = rng.random((rows, 4))
        for i in range(rows):
            writer.writerow([
                f"L{100000 + i}", f"lead{i}@example{i % 997}.com", (created + timedelta(days=int(i * 730 / rows))).isoformat(),
                industry[i], "Select" if hide[i, 0] < 0.1 else band[i], "" if hide[i, 1] < 0.05 else title[i],
                "N/A" if hide[i, 2] < 0.03 else country[i], channel[i], page_views[i], pricing_views[i], email_opens[i],
                days[i], "--" if hide[i, 3] < 0.25 else budget[i], "yes" if converted[i] else "no",
            ])
    return truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1403)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--split", choices=["random", "ordered"], default="random")
    parser.add_argument("--keep", type=Path, default=None, help="write the CSV here and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "leads.csv"
        started = time.perf_counter()
        truth = generate(path, args.rows, args.seed)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.1f} MB)")
        started = time.perf_counter()
        source = read_csv_table(path)
        read = time.perf_counter() - started
        options = Options(target="converted", split=args.split, order_by="Created" if args.split == "ordered" else "",
                          seed=args.seed, threads=args.threads)
        evaluation = evaluate_table(source.table, options)
    report = evaluation.report
    y = (np.array(source.table.cells["converted"][evaluation.test_rows]) == "yes").astype(int)
    ceiling = metrics.auc(y, truth[evaluation.test_rows])
    seconds = report["seconds"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows {report['rows']:,}, positives {report['positives']:,} ({report['positive_rate']:.1%}), "
          f"split {args.split}: train {report['split']['train_rows']:,} / test {report['split']['test_rows']:,}")
    print(f"read CSV {read:.1f} s; prepare {seconds['prepare']:.1f} s; train+calibrate {seconds['train']:.1f} s; "
          f"total evaluate {seconds['total']:.1f} s; threads {args.threads}; peak RSS {peak_mb:.0f} MB")
    print(f"model {report['model']} ({report['calibration']}): AUC {report['auc']:.4f}, Brier {report['brier']:.4f}")
    print(f"baseline logistic regression: AUC {report['baseline_auc']:.4f}, Brier {report['baseline_brier']:.4f}")
    print(f"ceiling (true probabilities, same test rows): AUC {ceiling:.4f}, Brier {metrics.brier(y, truth[evaluation.test_rows]):.4f}")
    print(f"top features: {', '.join(f['column'] for f in report['top_features'][:5])}")
    print(f"excluded: {', '.join(e['column'] for e in report['excluded_columns'])}; leakage warnings: {len(report['leakage_warnings'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
