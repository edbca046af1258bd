"""Train and test a conversion model on a table, with a plain baseline beside it. Pure: no ORM.

The question a team asks of its own history: "could we have known who would buy?". The
answer must be honest, so the test rows never touch training (not for medians, category
levels, calibration or the leakage check), time-ordered validation is one flag away, and
any column that gives the answer away is named before anyone is impressed by an AUC of
0.99.

Model choice: gradient boosting (HistGradientBoostingClassifier) learns interactions and
thresholds from a few thousand rows up; below SMALL_TRAIN_ROWS training rows or
SMALL_TRAIN_MINORITY rows of the rarer outcome it overfits, and a regularised logistic
regression is the better model. Either is wrapped in CalibratedClassifierCV fitted on
the training rows only: isotonic when each calibration fold has enough rows to estimate
a free-form curve, sigmoid (Platt) otherwise.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sarnakh.core.normalize import normalize_text

from . import metrics
from .features import (
    DATE,
    NUMERIC,
    TYPED_SHARE,
    ColumnProfile,
    DataError,
    FeatureEncoder,
    Table,
    is_missing,
    parse_target,
    profile_column,
    profile_table,
    target_keys,
)

MIN_ROWS = 50
MIN_CLASS_ROWS = 10
SMALL_TRAIN_ROWS = 500
SMALL_TRAIN_MINORITY = 30
ISOTONIC_TRAIN_ROWS = 3000  # 3 calibration folds of >= 1,000 rows: below that isotonic overfits
ISOTONIC_TRAIN_MINORITY = 150
LEAK_AUC = 0.95
LEAK_MATCH = 0.98
# A column that alone ranks about as well as every other column together is a leak
# suspect even below LEAK_AUC (a sales-outcome tag, a call duration known only after the
# call sit at 0.8-0.92). Only the DOMINANCE_TOP strongest single columns get the extra
# model fit, on at most DOMINANCE_ROWS training rows; below DOMINANCE_MIN_AUC a column
# that beats weak neighbours is just the best of a weak lot, not a suspect.
DOMINANCE_TOP = 3
DOMINANCE_ROWS = 20_000
DOMINANCE_MARGIN = 0.02
DOMINANCE_MIN_AUC = 0.7
# Brier skill at or below this is "no better than the base rate". A touch above 0, not 0:
# a model of pure noise scores +0.001 on a few hundred test rows by chance alone.
NO_SKILL = 0.005
TOP_FEATURES = 10
HGB_TOL = 1e-5  # stop when the validation loss stops improving: a leaking column would otherwise run all 1,000 rounds
IMPORTANCE_ROWS = 5_000
GRADIENT_BOOSTING, LOGISTIC = "gradient_boosting", "logistic_regression"


@dataclass
class Options:
    target: str
    exclude: list[str] = field(default_factory=list)
    split: str = "random"  # or "ordered"
    order_by: str = ""
    seed: int = 42
    positive: str = ""
    drop_leaky: bool = False
    model: str = "auto"  # or GRADIENT_BOOSTING, LOGISTIC
    test_share: float = 0.25
    threads: int = 1


@dataclass
class Evaluation:
    report: dict
    test_rows: np.ndarray  # indices into the table's rows
    probabilities: np.ndarray  # the model's, for test_rows
    baseline_probabilities: np.ndarray


def _column(table: Table, name: str, role: str) -> str:
    """The table's column `name` refers to. Spelling variants count as the same name: a
    header from a Windows-1256 file has Arabic yeh where the terminal types Persian yeh."""
    if name in table.cells:
        return name
    same = [c for c in table.columns if normalize_text(c) == normalize_text(name)]
    if len(same) == 1:
        return same[0]
    close = difflib.get_close_matches(name, table.columns, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else f"; the columns are: {', '.join(table.columns)}"
    raise DataError(f"no column {name!r} for {role}{hint}")


def _split(table: Table, options: Options, rows: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    info: dict = {"method": options.split, "seed": options.seed}
    if options.split == "random":
        train, test = train_test_split(rows, test_size=options.test_share, stratify=y[rows], random_state=options.seed)
        return np.sort(train), np.sort(test), info
    values, order_kind = order_keys(options.order_by, table.cells[options.order_by])
    usable = rows[~np.isnan(values[rows])]
    info.update(order_by=options.order_by, order_kind=order_kind, rows_without_order=int(len(rows) - len(usable)))
    if len(usable) < MIN_ROWS:
        raise DataError(f"only {len(usable)} rows have a usable {options.order_by!r} value; at least {MIN_ROWS} are needed")
    ranked = usable[np.argsort(values[usable], kind="stable")]
    cut = int(round(len(ranked) * (1 - options.test_share)))
    train, test = ranked[:cut], ranked[cut:]
    raw = table.cells[options.order_by]
    info.update(train_range=[raw[train[0]], raw[train[-1]]], test_range=[raw[test[0]], raw[test[-1]]])
    return train, test, info


def order_keys(name: str, raw: np.ndarray) -> tuple[np.ndarray, str]:
    """Sort keys for an explicit --order-by column (NaN where a row has none) and how it
    was read: "number", "date" or "text". The person named the column as the order, so a
    column the feature profiler would set aside (a sequential lead number, a Unix
    timestamp: every value unique, so "an identifier") still orders the rows; a column
    that is neither numbers nor dates orders by its text."""
    profile = profile_column(name, raw)
    if profile.kind in (NUMERIC, DATE):
        return profile.values.astype(float), "number" if profile.kind == NUMERIC else "date"
    filled = np.array([not is_missing(v) for v in raw], dtype=bool)
    if filled.any():
        numbers = profile_column(name, raw, kind=NUMERIC).values.astype(float)
        if np.count_nonzero(~np.isnan(numbers)) >= TYPED_SHARE * np.count_nonzero(filled):
            return numbers, "number"
    text = np.array(["" if v is None else normalize_text(str(v)) for v in raw], dtype=object)
    keys = np.full(len(raw), np.nan)
    if filled.any():
        _levels, ranks = np.unique(text[filled].astype(str), return_inverse=True)
        keys[filled] = ranks
    return keys, "text"


def _check_classes(y: np.ndarray, train: np.ndarray, test: np.ndarray, options: Options, target) -> None:
    """Both outcomes in both parts (a time-ordered split can put every customer in one),
    and a few of each in training, where calibration cross-validates."""
    for part, label, least in ((train, "training", 3), (test, "test", 1)):
        counts = np.bincount(y[part], minlength=2)
        if counts.min() < least:
            rare = target.positive if counts[1] < counts[0] else target.negative
            if options.split == "ordered":
                where = f"the latest {options.test_share:.0%} of rows by {options.order_by!r}" if label == "test" else f"the earliest {1 - options.test_share:.0%} of rows by {options.order_by!r}"
            else:
                where = f"the {label} rows"
            raise DataError(
                f"{where} have {counts.min()} with {options.target} = {rare!r}; at least {least} are needed there"
                + (" (try --split random)" if options.split == "ordered" else "")
            )


def _group_ids(profile, rows: np.ndarray, encoder_min: int) -> np.ndarray:
    """Each row's group for a single-column check: category level (rare ones pooled),
    or one of 20 quantile bins of a number; missing is a group of its own."""
    values = profile.values[rows]
    if profile.kind in (NUMERIC, DATE):
        values = values.astype(float)
        missing = np.isnan(values)
        present = values[~missing]
        if not len(present):
            return np.zeros(len(values), dtype=int)
        edges = np.unique(np.quantile(present, np.linspace(0, 1, 21)))[1:-1]
        return np.where(missing, -1, np.searchsorted(edges, np.nan_to_num(values), side="right"))
    keys, inverse, counts = np.unique(np.array(["\x00" if v is None else v for v in values], dtype=str), return_inverse=True, return_counts=True)
    return np.where(counts[inverse] >= encoder_min, inverse, -2)


def leakage_check(table: Table, profiles: list[ColumnProfile], target: str, rows: np.ndarray, y: np.ndarray) -> list[dict]:
    """Columns that alone predict the outcome suspiciously well on `rows` (the training
    rows): a single-column AUC (the outcome rate of each value or bin as the score) >=
    LEAK_AUC, or the same values as the target in >= LEAK_MATCH of rows. `y` is the
    outcome of `rows`."""
    warnings = []
    target_key, _ = target_keys(table.cells[target][rows])
    encoder_min = max(5, int(np.ceil(0.005 * len(rows))))
    for profile in profiles:
        if not profile.usable:
            continue
        groups = _group_ids(profile, rows, encoder_min)
        _, inverse = np.unique(groups, return_inverse=True)
        rates = np.bincount(inverse, weights=y) / np.bincount(inverse)
        single_auc = metrics.auc(y, rates[inverse]) if len(rates) > 1 else 0.5
        column_key, column_bool = target_keys(table.cells[profile.name][rows])
        match = max(float(np.mean(column_key == target_key)), float(np.mean(column_bool == y)))
        if single_auc >= LEAK_AUC or match >= LEAK_MATCH:
            reason = f"equals the target in {match:.0%} of rows" if match >= LEAK_MATCH else "predicts the target almost perfectly on its own"
            warnings.append({"column": profile.name, "auc": round(single_auc, 4), "match_rate": round(match, 4), "reason": reason})
    return sorted(warnings, key=lambda w: (-w["auc"], w["column"]))


def _held_out_auc(groups: np.ndarray, fit: np.ndarray, check: np.ndarray, y: np.ndarray) -> float:
    """AUC on `check` of the outcome rate each group had on `fit` (unseen groups: the base rate)."""
    _keys, inverse = np.unique(groups, return_inverse=True)
    counts = np.bincount(inverse[fit], minlength=len(_keys))
    sums = np.bincount(inverse[fit], weights=y[fit], minlength=len(_keys))
    rates = np.where(counts > 0, sums / np.maximum(counts, 1), y[fit].mean())
    return metrics.auc(y[check], rates[inverse[check]])


def dominance_check(profiles: list[ColumnProfile], rows: np.ndarray, y: np.ndarray, *, seed: int, skip: set[str]) -> list[dict]:
    """Columns that alone predict the outcome about as well as all the other columns
    together, or better, on the training rows only (`rows`, outcomes `y`): each is ranked
    by its held-out single-column AUC on a 70/30 split of those rows, and the strongest
    DOMINANCE_TOP are compared with a logistic regression on every other column, fitted
    and judged on the same split. Columns in `skip` were already warned about."""
    candidates = [p for p in profiles if p.name not in skip]
    if len(candidates) < 2 or len(profiles) < 2:
        return []
    if len(rows) > DOMINANCE_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(len(rows), DOMINANCE_ROWS, replace=False))
        rows, y = rows[keep], y[keep]
    if min(np.bincount(y, minlength=2)) < MIN_CLASS_ROWS:
        return []
    fit, check = train_test_split(np.arange(len(rows)), test_size=0.3, stratify=y, random_state=seed)
    encoder_min = max(5, int(np.ceil(0.005 * len(fit))))
    alone = {p.name: _held_out_auc(_group_ids(p, rows, encoder_min), fit, check, y) for p in candidates}
    strongest = sorted(candidates, key=lambda p: (-np.nan_to_num(alone[p.name]), p.name))[:DOMINANCE_TOP]
    warnings = []
    for profile in strongest:
        single = alone[profile.name]
        if not single >= DOMINANCE_MIN_AUC:
            continue
        others = [p for p in profiles if p.name != profile.name]
        encoder = FeatureEncoder().fit(others, rows[fit])
        if encoder.feature_names:
            model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
            model.fit(encoder.transform(others, rows[fit]), y[fit])
            together = metrics.auc(y[check], model.predict_proba(encoder.transform(others, rows[check]))[:, 1])
        else:
            together = 0.5
        if single >= together - DOMINANCE_MARGIN:
            warnings.append({
                "column": profile.name, "auc": round(single, 4), "others_auc": round(together, 4),
                "reason": "predicts the outcome alone about as well as all the other columns together, or better",
            })
    return warnings


def brier_skill(brier: float, reference: float) -> float | None:
    """1 - Brier / Brier of predicting the base rate: above 0 the probabilities say more
    than the base rate does; at or below 0 they say nothing more (or mislead)."""
    if reference is None or not np.isfinite(reference) or reference <= 0 or brier is None or not np.isfinite(brier):
        return None
    return round(1.0 - brier / reference, 4)


def _choose_c(X: np.ndarray, y: np.ndarray, seed: int) -> float:
    """Regularisation for the small-data model, by 3-fold log loss: one-hot columns on a
    few hundred rows overfit at the default C."""
    if min(np.bincount(y)) < 15:
        return 0.1
    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    losses = {}
    for c in (0.01, 0.03, 0.1, 0.3, 1.0):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000))
        fold_losses = []
        for fit_rows, check_rows in folds.split(X, y):
            model.fit(X[fit_rows], y[fit_rows])
            fold_losses.append(log_loss(y[check_rows], model.predict_proba(X[check_rows])[:, 1], labels=[0, 1]))
        losses[c] = float(np.mean(fold_losses))
    return min(losses, key=losses.get)


def _model(kind: str, X: np.ndarray, y: np.ndarray, seed: int, categorical: np.ndarray) -> tuple[CalibratedClassifierCV, str]:
    minority = int(min(np.bincount(y)))
    if kind == GRADIENT_BOOSTING:
        # Shallow trees, many rounds, early stopping: lead data is mostly additive (fit
        # plus engagement) with a few interactions; deeper trees lost 0.01 AUC to noise
        # on a few thousand rows of a known logistic signal.
        base = HistGradientBoostingClassifier(
            learning_rate=0.1, max_iter=1000, max_depth=3, max_leaf_nodes=8, min_samples_leaf=30, l2_regularization=1.0,
            early_stopping=True, validation_fraction=0.15, n_iter_no_change=30, tol=HGB_TOL, random_state=seed,
            categorical_features=categorical if categorical.any() else None,
        )
    else:
        base = make_pipeline(StandardScaler(), LogisticRegression(C=_choose_c(X, y, seed), max_iter=1000))
    method = "isotonic" if len(y) >= ISOTONIC_TRAIN_ROWS and minority >= ISOTONIC_TRAIN_MINORITY else "sigmoid"
    folds = StratifiedKFold(min(3, minority), shuffle=True, random_state=seed)
    return CalibratedClassifierCV(base, method=method, cv=folds), method


def _coefficient_importance(model: CalibratedClassifierCV, groups: dict[str, list[int]], names: list[str]) -> list[dict]:
    coef = np.mean([c.estimator[-1].coef_[0] for c in model.calibrated_classifiers_], axis=0)
    out = []
    for column, index in groups.items():
        strongest = max(index, key=lambda i: abs(coef[i]))
        out.append({
            "column": column, "importance": round(float(np.abs(coef[index]).sum()), 4),
            "strongest": names[strongest], "direction": "+" if coef[strongest] > 0 else "-",
        })
    return out


def _permutation_importance(model, X: np.ndarray, y: np.ndarray, groups: dict[str, list[int]], seed: int, repeats: int = 3) -> list[dict]:
    """AUC lost on the test rows when one original column (all its features together) is
    shuffled: how much the model relies on that column.

    Measured on the first of the calibrated ensemble's members, by its raw score: AUC only
    sees ranks, which a monotone calibration keeps, and one member costs a third of the
    ensemble (tree prediction is most of this function's time)."""
    member = model.calibrated_classifiers_[0].estimator
    rng = np.random.default_rng(seed)
    if len(y) > IMPORTANCE_ROWS:
        keep = rng.choice(len(y), IMPORTANCE_ROWS, replace=False)
        X, y = X[keep], y[keep]
    base = metrics.auc(y, member.decision_function(X))
    out = []
    for column, index in groups.items():
        batch = np.tile(X, (repeats, 1))
        for r in range(repeats):
            batch[r * len(X):(r + 1) * len(X), index] = X[rng.permutation(len(X))][:, index]
        scores = member.decision_function(batch).reshape(repeats, len(X))
        drops = [base - metrics.auc(y, scores[r]) for r in range(repeats)]
        out.append({"column": column, "importance": round(float(np.mean(drops)), 4)})
    return out


def evaluate_table(table: Table, options: Options) -> Evaluation:
    # OpenMP/BLAS threads busy-wait: on a machine already busy serving (or several
    # evaluations at once) more threads made training 20x slower, not faster.
    with threadpool_limits(limits=max(1, options.threads)):
        return _evaluate(table, options)


def _resolve(table: Table, options: Options) -> Options:
    if options.split not in ("random", "ordered"):
        raise DataError(f"unknown split {options.split!r}: use random or ordered")
    if options.split == "ordered" and not options.order_by:
        raise DataError("--split ordered needs --order-by COLUMN (a date, number or sortable text saying when each row happened)")
    return replace(
        options, target=_column(table, options.target, "the target"),
        exclude=[_column(table, name, "--exclude") for name in options.exclude],
        order_by=_column(table, options.order_by, "--order-by") if options.split == "ordered" else "",
    )


def _usable_columns(table: Table, options: Options, train: np.ndarray, y: np.ndarray) -> tuple[list[ColumnProfile], list[dict], list[dict], list[dict]]:
    """The columns to learn from, those left out (with why), the leakage warnings and the
    columns that alone predict as well as all the others (dominance_check)."""
    excluded = [{"column": name, "reason": "excluded with --exclude"} for name in options.exclude]
    if options.split == "ordered" and options.order_by not in options.exclude and options.order_by != options.target:
        excluded.append({"column": options.order_by, "reason": "the order column (time-ordered validation)"})
    skip = {options.target, *(e["column"] for e in excluded)}
    profiles = profile_table(table, [c for c in table.columns if c not in skip])
    excluded += [{"column": p.name, "reason": f"{p.kind}: {p.reason}"} for p in profiles if not p.usable]
    profiles = [p for p in profiles if p.usable]
    leaks = leakage_check(table, profiles, options.target, train, y[train])
    for leak in leaks:
        leak["dropped"] = options.drop_leaky
    if options.drop_leaky:
        leaky = {w["column"] for w in leaks}
        excluded += [{"column": name, "reason": "leaky (--drop-leaky)"} for name in sorted(leaky)]
        profiles = [p for p in profiles if p.name not in leaky]
    dominant = dominance_check(profiles, train, y[train], seed=options.seed, skip={w["column"] for w in leaks})
    return profiles, excluded, leaks, dominant


def _model_kind(options: Options, train_rows: int, train_minority: int) -> tuple[str, str]:
    small = train_rows < SMALL_TRAIN_ROWS or train_minority < SMALL_TRAIN_MINORITY
    sizes = f"{train_rows:,} training rows, {train_minority:,} with the rarer outcome"
    if options.model != "auto":
        return options.model, f"chosen with --model; {sizes}"
    if small:
        return LOGISTIC, f"fallback for small data ({sizes}; gradient boosting needs {SMALL_TRAIN_ROWS:,} and {SMALL_TRAIN_MINORITY})"
    return GRADIENT_BOOSTING, sizes


def _evaluate(table: Table, options: Options) -> Evaluation:
    started = time.perf_counter()
    options = _resolve(table, options)
    target = parse_target(options.target, table.cells[options.target], positive=options.positive)
    y = target.y.astype(int)
    rows = np.flatnonzero(y >= 0)
    if len(rows) < MIN_ROWS:
        raise DataError(f"only {len(rows)} rows have a {options.target!r} value; at least {MIN_ROWS} are needed to train and test")
    minority = int(min(np.bincount(y[rows], minlength=2)))
    if minority < MIN_CLASS_ROWS:
        raise DataError(f"only {minority} rows have the rarer outcome of {options.target!r}; at least {MIN_CLASS_ROWS} are needed")
    train, test, split_info = _split(table, options, rows, y)
    _check_classes(y, train, test, options, target)
    profiles, excluded, leaks, dominant = _usable_columns(table, options, train, y)
    encoder = FeatureEncoder().fit(profiles, train)
    if not encoder.feature_names:
        raise DataError("no usable columns are left to learn from (see the excluded columns)")
    X_train, X_test = encoder.transform(profiles, train), encoder.transform(profiles, test)
    y_train, y_test = y[train], y[test]
    prepared = time.perf_counter()

    kind, reason = _model_kind(options, len(train), int(min(np.bincount(y_train))))
    if kind == GRADIENT_BOOSTING:
        # Trees take one column per original column (categories as codes, NaN for
        # missing): native category splits beat one-hot by 0.003-0.02 AUC in our runs.
        M_train, M_test = encoder.transform_native(profiles, train), encoder.transform_native(profiles, test)
        groups = {name: [i] for i, name in enumerate(encoder.native_columns)}
    else:
        M_train, M_test, groups = X_train, X_test, encoder.source_groups()
    model, calibration = _model(kind, M_train, y_train, options.seed, encoder.native_categorical)
    model.fit(M_train, y_train)
    p_test = model.predict_proba(M_test)[:, 1]
    trained = time.perf_counter()
    baseline = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)).fit(X_train, y_train)
    p_base = baseline.predict_proba(X_test)[:, 1]

    if kind == LOGISTIC:
        top, top_method = _coefficient_importance(model, groups, encoder.feature_names), "sum of |standardised coefficient| per column"
    else:
        top, top_method = _permutation_importance(model, M_test, y_test, groups, options.seed), "permutation: AUC lost on the test rows when the column is shuffled"
    top = sorted(top, key=lambda t: -t["importance"])[:TOP_FEATURES]

    ours, base = metrics.summary(y_test, p_test), metrics.summary(y_test, p_base)
    reference = metrics.brier(y_test, np.full(len(y_test), y_train.mean()))
    skill = brier_skill(ours["brier"], reference)
    one_hot = encoder.source_groups()
    split_info.update(train_rows=len(train), test_rows=len(test), train_positives=int(y_train.sum()), test_positives=int(y_test.sum()))
    report = {
        "target": options.target, "positive_label": target.positive, "negative_label": target.negative,
        "positive_rule": target.positive_rule,
        "rows": len(rows), "rows_in_file": table.n_rows, "rows_without_target": int(table.n_rows - len(rows)),
        "positives": int(y[rows].sum()), "positive_rate": round(float(y[rows].mean()), 4),
        "split": split_info,
        "model": kind, "model_reason": reason, "calibration": calibration,
        "auc": ours["auc"], "brier": ours["brier"],
        "brier_reference": reference,
        "brier_skill": skill, "baseline_brier_skill": brier_skill(base["brier"], reference),
        # Probabilities no better than the base rate for everyone: the ranking figures
        # describe noise, and every surface says so instead of showing them plainly.
        "no_better_than_base_rate": skill is None or skill <= NO_SKILL,
        "baseline": LOGISTIC,
        "baseline_auc": base["auc"], "baseline_brier": base["brier"],
        "lift_by_decile": ours["lift_by_decile"], "reliability": ours["reliability"],
        "baseline_lift_by_decile": base["lift_by_decile"], "baseline_reliability": base["reliability"],
        "leakage_warnings": leaks,
        "dominance_warnings": dominant,
        "excluded_columns": excluded,
        "features": [{"column": p.name, "kind": p.kind, "one_hot_width": len(one_hot.get(p.name, []))} for p in profiles],
        "feature_count": len(encoder.feature_names),
        "top_features": top, "top_features_method": top_method,
        "seconds": {
            "prepare": round(prepared - started, 3), "train": round(trained - prepared, 3),
            "total": round(time.perf_counter() - started, 3),
        },
    }
    return Evaluation(report=report, test_rows=test, probabilities=p_test, baseline_probabilities=p_base)
