"""Scoring a set of predicted probabilities against outcomes. Pure: numpy and sklearn only.

The figures a team reads to trust a model: ranking (ROC AUC), honesty of the
probabilities (Brier score and the reliability table), and what the top of the list is
worth (lift per decile).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score


def auc(y: np.ndarray, p: np.ndarray) -> float:
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, p))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(brier_score_loss(y, p))


def reliability(y: np.ndarray, p: np.ndarray, *, bins: int = 10) -> list[dict]:
    """Equal-width probability bins (a reliability diagram): in each non-empty bin, the mean
    predicted probability beside the observed rate. A calibrated model has them close."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    table = []
    for b in range(bins):
        inside = index == b
        count = int(inside.sum())
        if count:
            table.append({
                "lower": round(float(edges[b]), 2), "upper": round(float(edges[b + 1]), 2), "count": count,
                "mean_predicted": round(float(p[inside].mean()), 4), "observed_rate": round(float(y[inside].mean()), 4),
            })
    return table


def lift_by_decile(y: np.ndarray, p: np.ndarray, *, groups: int = 10) -> list[dict]:
    """Rows ranked by probability, best first, cut into ten equal groups: each group's
    outcome rate against the overall rate (lift), and the share of all positives found
    from the top down to it (capture)."""
    order = np.argsort(-p, kind="stable")
    overall = y.mean() if len(y) else 0.0
    total_positive = max(int(y.sum()), 1)
    found = 0
    table = []
    for decile, part in enumerate(np.array_split(order, min(groups, len(order))), start=1):
        positives = int(y[part].sum())
        found += positives
        rate = positives / len(part)
        table.append({
            "decile": decile, "rows": len(part), "positives": positives, "rate": round(rate, 4),
            "lift": round(rate / overall, 3) if overall else None,
            "cumulative_capture": round(found / total_positive, 4),
            "mean_predicted": round(float(p[part].mean()), 4),
        })
    return table


def summary(y: np.ndarray, p: np.ndarray) -> dict:
    return {"auc": auc(y, p), "brier": brier(y, p), "lift_by_decile": lift_by_decile(y, p), "reliability": reliability(y, p)}
