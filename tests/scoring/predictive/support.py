"""Generated lead histories with a known signal, for the predictive-model tests."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from sarnakh.scoring.predictive.features import Table

INDUSTRY_EFFECT = {"Software": 0.8, "Finance": 0.4, "Retail": -0.3, "Education": -0.8}
TITLE_EFFECT = {"Sales Manager": 0.7, "مدیر فروش": 0.7, "Engineer": -0.2, "Student": -1.0}
HEADERS = ["lead_id", "email", "created", "industry", "employees", "job_title", "pricing_views", "noise", "converted"]


def lead_history(n: int, *, seed: int = 7, intercept: float = -1.6) -> tuple[list[list[str]], np.ndarray]:
    """Rows (as a CSV export would hold them) and each row's true conversion probability:
    a logistic model of industry, job title, employees and pricing views, with
    placeholders ("Select", "--", "N/A", blank) where nobody answered."""
    rng = np.random.default_rng(seed)
    industries = rng.choice(list(INDUSTRY_EFFECT), size=n)
    titles = rng.choice(list(TITLE_EFFECT), size=n)
    employees = rng.lognormal(3.5, 1.2, size=n).round()
    pricing = rng.poisson(1.2, size=n)
    z = (intercept + np.array([INDUSTRY_EFFECT[i] for i in industries]) + np.array([TITLE_EFFECT[t] for t in titles])
         + 0.35 * (np.log1p(employees) - 3.5) + 0.6 * pricing)
    truth = 1 / (1 + np.exp(-z))
    converted = rng.random(n) < truth
    start = date(2024, 1, 1)
    rows = []
    for i in range(n):
        hide = rng.random()
        rows.append([
            f"L-{i:05d}", f"person{i}@company{i % 50}.com", (start + timedelta(hours=6 * i)).isoformat(),
            industries[i], "Select" if hide < 0.08 else f"{int(employees[i]):,}",
            "--" if 0.08 <= hide < 0.12 else titles[i], "N/A" if 0.12 <= hide < 0.14 else str(pricing[i]),
            f"{rng.normal():.3f}", "1" if converted[i] else "0",
        ])
    return rows, truth


def history_table(n: int, **kwargs) -> tuple[Table, np.ndarray]:
    rows, truth = lead_history(n, **kwargs)
    return Table.from_rows(list(HEADERS), rows), truth


def write_csv(path: Path, headers: list[str], rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding=encoding) as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(headers)
        writer.writerows(rows)
    return path
