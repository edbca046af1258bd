"""The model that scores contacts, refitted on every labelled row after the evaluation,
and why each contact got its probability. Pure: no ORM.

The evaluation (evaluate.py) answers "how good is this recipe?" on a time-ordered test
part; the model kept afterwards is the same recipe (same columns, same model kind,
same calibration rule) fitted on all labelled rows, so the most recent history — the
part most like today's leads — is learned from too.

Contributions ("top features" per contact), in two honest and cheap ways:

- logistic regression: coefficient × standardised value, summed over a column's one-hot
  inputs and averaged over the calibrated ensemble's members. In log-odds, relative to
  the average lead (a standardised value of 0 contributes nothing).
- gradient boosting: for the columns the evaluation found most important (permutation
  importance, at most EXPLAIN_COLUMNS), the change in predicted probability when the
  column is replaced by its typical training value (median, or the most common
  category): "how much higher is this lead's probability because of its X". In
  probability points, measured on the first calibrated member of the ensemble (see
  `_replacement`). Columns outside that set are not explained.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from .evaluate import GRADIENT_BOOSTING, LOGISTIC, Evaluation, Options, _model
from .features import CATEGORICAL, ColumnProfile, FeatureEncoder, Table, parse_target, profile_table

EXPLAIN_COLUMNS = 8
TOP_PER_CONTACT = 3
PREDICT_CHUNK = 20_000
LOG_ODDS, PROBABILITY = "log-odds", "probability"


@dataclass
class FittedModel:
    kind: str
    model: object  # CalibratedClassifierCV
    encoder: FeatureEncoder
    columns: list[str]
    explain_columns: list[str] = field(default_factory=list)
    typical: dict[str, float] = field(default_factory=dict)  # GB: column -> replacement value (native matrix)
    train_rows: int = 0
    train_positives: int = 0

    @property
    def contribution_unit(self) -> str:
        return LOG_ODDS if self.kind == LOGISTIC else PROBABILITY

    @property
    def contribution_method(self) -> str:
        if self.kind == LOGISTIC:
            return "coefficient × standardised value (log-odds, relative to the average lead)"
        return "change in probability when the column is set to its typical training value (median or most common category)"

    def matrix(self, profiles: list[ColumnProfile], rows: np.ndarray) -> np.ndarray:
        if self.kind == GRADIENT_BOOSTING:
            return self.encoder.transform_native(profiles, rows)
        return self.encoder.transform(profiles, rows)

    def predict(self, profiles: list[ColumnProfile], rows: np.ndarray) -> np.ndarray:
        out = [self.model.predict_proba(self.matrix(profiles, part))[:, 1] for part in _chunks(rows)]
        return np.concatenate(out) if out else np.zeros(0)

    def contributions(self, profiles: list[ColumnProfile], rows: np.ndarray) -> tuple[list[str], np.ndarray]:
        """(columns, matrix rows × columns) of each column's contribution to each row."""
        blocks = []
        for part in _chunks(rows):
            M = self.matrix(profiles, part)
            blocks.append(self._linear(M) if self.kind == LOGISTIC else self._replacement(M))
        columns = self.columns if self.kind == LOGISTIC else self.explain_columns
        return columns, (np.vstack(blocks) if blocks else np.zeros((0, len(columns))))

    def _linear(self, X: np.ndarray) -> np.ndarray:
        per_feature = np.zeros_like(X, dtype=float)
        members = [c.estimator for c in self.model.calibrated_classifiers_]
        for pipeline in members:
            scaler, regression = pipeline[0], pipeline[-1]
            per_feature += regression.coef_[0] * (X - scaler.mean_) / scaler.scale_
        per_feature /= len(members)
        groups = self.encoder.source_groups()
        return np.column_stack([per_feature[:, groups[c]].sum(axis=1) for c in self.columns])

    def _replacement(self, M: np.ndarray) -> np.ndarray:
        # One calibrated member of the ensemble (the same recipe on two thirds of the
        # rows) answers the "what if": a third of the cost, which is most of a run's
        # scoring time on 100,000 contacts, and differences within a few points of the
        # ensemble's.
        member = self.model.calibrated_classifiers_[0]
        p = member.predict_proba(M)[:, 1]
        index = {c: i for i, c in enumerate(self.encoder.native_columns)}
        out = []
        for column in self.explain_columns:
            changed = M.copy()
            changed[:, index[column]] = self.typical[column]
            out.append(p - member.predict_proba(changed)[:, 1])
        return np.column_stack(out) if out else np.zeros((len(M), 0))

    def for_disk(self) -> dict:
        """What joblib stores: the estimator and the encoding, without the training table
        (each column profile keeps its kind, levels and labels, not its values)."""
        encoder = FeatureEncoder(max_levels=self.encoder.max_levels, min_level_share=self.encoder.min_level_share, min_level_count=self.encoder.min_level_count)
        encoder.feature_names, encoder.feature_sources = list(self.encoder.feature_names), list(self.encoder.feature_sources)
        encoder.encodings = [
            dataclasses.replace(enc, profile=dataclasses.replace(enc.profile, values=np.empty(0, dtype=object)))
            for enc in self.encoder.encodings
        ]
        return {"kind": self.kind, "model": self.model, "encoder": encoder, "columns": self.columns,
                "explain_columns": self.explain_columns, "typical": self.typical}


def _chunks(rows: np.ndarray):
    for start in range(0, len(rows), PREDICT_CHUNK):
        yield rows[start:start + PREDICT_CHUNK]


def fit_final(table: Table, options: Options, evaluation: Evaluation) -> tuple[FittedModel, list[ColumnProfile]]:
    """The evaluated recipe fitted on every labelled row; also returns the column profiles
    that `predict` and `contributions` read rows from."""
    report = evaluation.report
    with threadpool_limits(limits=max(1, options.threads)):
        profiles = profile_table(table, [f["column"] for f in report["features"]])
        y = parse_target(report["target"], table.cells[report["target"]], positive=options.positive).y.astype(int)
        rows = np.flatnonzero(y >= 0)
        encoder = FeatureEncoder().fit(profiles, rows)
        kind = report["model"]
        fitted = FittedModel(kind=kind, model=None, encoder=encoder, columns=[enc.profile.name for enc in encoder.encodings],
                             train_rows=len(rows), train_positives=int(y[rows].sum()))
        M = fitted.matrix(profiles, rows)
        fitted.model, _calibration = _model(kind, M, y[rows], options.seed, encoder.native_categorical)
        fitted.model.fit(M, y[rows])
        if kind == GRADIENT_BOOSTING:
            ranked = [t["column"] for t in report["top_features"] if t["importance"] > 0]
            fitted.explain_columns = [c for c in ranked if c in fitted.columns][:EXPLAIN_COLUMNS]
            for column in fitted.explain_columns:
                values = M[:, fitted.columns.index(column)]
                present = values[~np.isnan(values)]
                if not len(present):
                    fitted.typical[column] = np.nan
                elif encoder.encodings[fitted.columns.index(column)].profile.kind == CATEGORICAL:
                    codes, counts = np.unique(present, return_counts=True)
                    fitted.typical[column] = float(codes[np.argmax(counts)])
                else:
                    fitted.typical[column] = float(np.median(present))
    return fitted, profiles


def top_contributions(table: Table, columns: list[str], contributions: np.ndarray, rows: np.ndarray, *, top: int = TOP_PER_CONTACT) -> list[list[dict]]:
    """Per row, the `top` columns with the largest absolute contribution, with the value
    as the contact's record holds it."""
    if not len(rows) or not columns:
        return [[] for _ in rows]
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(contributions, order, axis=1).round(4)
    cells = [table.cells[c] for c in columns]
    out = []
    for k, row in enumerate(rows):
        out.append([
            {"feature": columns[j], "value": cells[j][row], "contribution": float(value)}
            for j, value in zip(order[k], picked[k], strict=True) if abs(value) > 1e-6
        ])
    return out
