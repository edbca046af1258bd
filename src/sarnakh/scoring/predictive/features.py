"""From a table of strings to a feature matrix. Pure: no ORM, no Django.

Exports from other tools are messy: numbers with thousands separators or Persian digits,
dates in ISO, US or Jalali form, "Select" or "--" where nobody chose anything. Every
column is profiled once (its kind and parsed values, from all rows: no target is
involved, so this leaks nothing) and then encoded with statistics taken from the
training rows only (medians, kept categorical levels).

Parsing works on the distinct values of a column, not on every cell: exports repeat the
same few values thousands of times, so 100,000 rows of a dozen columns parse in about a
second.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import numpy as np

from sarnakh.core.normalize import normalize_digits, normalize_text

# Values that mean "nobody filled this in", compared after normalize_text and with
# surrounding dashes, dots, brackets and spaces removed ("-- Select --" -> "select").
PLACEHOLDERS = frozenset({
    "", "select", "select one", "please select", "choose", "choose one", "-", "--", "n/a", "na", "n.a",
    "nan", "null", "none", "nil", "unknown", "undefined", "not set", "not specified", "?", "#n/a",
    "انتخاب", "انتخاب کنید", "نامشخص", "نامعلوم", "ندارد", "تعیین نشده",
})
_PLACEHOLDER_TRIM = " -_.*()[]<>"
_PLACEHOLDER_MAX = 2 * max(len(p) for p in PLACEHOLDERS)  # room for spacing and invisible marks
TYPED_SHARE = 0.95  # a column is numeric (or a date) when this share of its filled cells parse
ID_UNIQUE_SHARE = 0.95
ID_MIN_ROWS = 20
MAX_LEVELS = 30
PROBE_VALUES = 200
_ID_NAME = re.compile(r"(^|[\s_\-.])(id|uuid|guid|key|code|no|number|phone|mobile|tel)$|^(id|شناسه|کد|شماره)([\s_\-.]|$)", re.IGNORECASE)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}([,٬']\d{3})+([.٫]\d+)?$")
_CURRENCY = re.compile(r"^[$€£¥﷼]|[$€£¥﷼%]$|\s*(ریال|تومان|usd|eur|irr|irt)$", re.IGNORECASE)
_SLASH_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

NUMERIC, DATE, CATEGORICAL = "numeric", "date", "categorical"
ID_LIKE, CONSTANT, EMPTY = "id_like", "constant", "empty"
USABLE_KINDS = (NUMERIC, DATE, CATEGORICAL)


class DataError(ValueError):
    """The data cannot be used as asked; the message says why, for the person who asked."""


@dataclass
class Table:
    """Columns of raw strings (None for a cell the row did not have), all of one length."""

    columns: list[str]
    cells: dict[str, np.ndarray]

    @classmethod
    def from_rows(cls, headers: list[str], rows: list[list[str]]) -> Table:
        width = len(headers)
        padded = [(row + [None] * width)[:width] for row in rows]
        grid = np.array(padded, dtype=object).reshape(len(padded), width)
        return cls(columns=list(headers), cells={name: grid[:, i] for i, name in enumerate(headers)})

    @classmethod
    def from_dict(cls, data: dict[str, list]) -> Table:
        return cls(columns=list(data), cells={k: np.array([None if v is None else str(v) for v in vs], dtype=object) for k, vs in data.items()})

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.cells.values()))) if self.cells else 0


def is_missing(value: str | None) -> bool:
    if value is None:
        return True
    if len(value.strip(_PLACEHOLDER_TRIM)) > _PLACEHOLDER_MAX:
        return False  # cheap exit: most cells are far longer than any placeholder
    text = normalize_text(value)
    return text in PLACEHOLDERS or text.strip(_PLACEHOLDER_TRIM) in PLACEHOLDERS


def parse_number(value: str) -> float | None:
    """A number as people write it: 1,234.5  ۱۲۳۴٫۵  $1,200  45%  -3e2. None otherwise."""
    text = normalize_digits(value).strip().replace("\u066b", ".")
    text = _CURRENCY.sub("", text).strip()
    if _THOUSANDS.match(text):
        text = re.sub(r"[,٬']", "", text).replace("٫", ".")
    if not text or text[-1:].isalpha() or "_" in text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _slash_date(value: str, dayfirst: bool) -> dt.datetime | None:
    match = _SLASH_DATE.match(value)
    if not match:
        return None
    a, b, c, hour, minute, second = match.groups()
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif len(c) == 4:
        year, month, day = (int(c), int(b), int(a)) if dayfirst else (int(c), int(a), int(b))
    else:
        return None
    time = (int(hour or 0), int(minute or 0), int(second or 0))
    try:
        if 1300 <= year < 1500:  # Jalali (Persian calendar) years
            import jdatetime

            return jdatetime.datetime(year, month, day, *time).togregorian().replace(tzinfo=dt.UTC)
        return dt.datetime(year, month, day, *time, tzinfo=dt.UTC)
    except ValueError:
        return None


def parse_date(value: str, *, dayfirst: bool = False) -> float | None:
    """Days since 1970-01-01 (UTC, with the time as a fraction), or None."""
    text = normalize_digits(value).strip()
    if len(text) < 6 or not text[:1].isdigit():
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = _slash_date(text, dayfirst)
    if moment is None or not 1900 <= moment.year <= 2200:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH).total_seconds() / 86400


def _date_either_order(value: str) -> float | None:
    found = parse_date(value)
    return found if found is not None else parse_date(value, dayfirst=True)


def _dayfirst(uniques: list[str]) -> bool:
    """A slash-date column is day-first (31/12/2024) when some first part cannot be a month."""
    for value in uniques:
        match = _SLASH_DATE.match(normalize_digits(value).strip())
        if match and len(match.group(3)) == 4 and int(match.group(1)) > 12:
            return True
    return False


@dataclass
class ColumnProfile:
    """One column, parsed: `values` is float (NaN = missing) for numbers and dates, the
    normalised text (None = missing) for categories."""

    name: str
    kind: str
    values: np.ndarray
    missing: int
    distinct: int
    labels: dict[str, str] = field(default_factory=dict)  # category key -> how it was written
    dayfirst: bool = False
    reason: str = ""

    @property
    def usable(self) -> bool:
        return self.kind in USABLE_KINDS


def _looks_like_id(name: str, numbers: np.ndarray) -> bool:
    if not np.all(numbers == np.round(numbers)):
        return False  # measurements, not identifiers
    span = numbers.max() - numbers.min() + 1
    return bool(_ID_NAME.search(name.strip()) or span <= 1.5 * len(numbers) or numbers.min() >= 1e6)


def profile_column(name: str, raw: np.ndarray, *, kind: str = "", dayfirst: bool = False) -> ColumnProfile:
    """Parse a column. Its kind is inferred unless given (as when new rows are scored with
    the kinds seen in training)."""
    text = np.array(["" if v is None else v for v in raw], dtype=object)
    uniques, inverse, counts = np.unique(text.astype(str), return_inverse=True, return_counts=True)
    missing_u = np.array([is_missing(u) for u in uniques], dtype=bool)
    filled = int(counts[~missing_u].sum())
    missing = len(text) - filled
    if filled == 0 and not kind:
        return ColumnProfile(name, EMPTY, np.full(len(text), None, dtype=object), missing, 0, reason="no values")
    filled_uniques = [u for u, m in zip(uniques, missing_u, strict=True) if not m]

    def typed(parse) -> tuple[np.ndarray, float]:
        parsed = np.array([np.nan if m else _or_nan(parse(u)) for u, m in zip(uniques, missing_u, strict=True)], dtype=float)
        ok = ~np.isnan(parsed)
        return parsed, (counts[ok].sum() / filled if filled else 0.0)

    # A quick look at a few distinct values first: a column of 100,000 e-mails should not
    # be parsed as numbers and dates in full to learn that it is neither.
    probe = filled_uniques[:: max(1, len(filled_uniques) // PROBE_VALUES)]

    def worth_parsing(parse) -> bool:
        return bool(kind) or sum(parse(u) is not None for u in probe) >= 0.5 * len(probe)

    if kind in ("", NUMERIC) and worth_parsing(parse_number):
        parsed, share = typed(parse_number)
        if kind == NUMERIC or share >= TYPED_SHARE:
            values = parsed[inverse]
            present = values[~np.isnan(values)]
            profile = ColumnProfile(name, NUMERIC, values, int(np.isnan(values).sum()), len(np.unique(present)))
            if not kind and len(present) >= ID_MIN_ROWS and profile.distinct == len(present) and _looks_like_id(name, present):
                profile.kind, profile.reason = ID_LIKE, "every value is unique (an identifier)"
            return _constant_check(profile, kind)
    if kind in ("", DATE) and worth_parsing(_date_either_order):
        dayfirst = dayfirst or (not kind and _dayfirst(filled_uniques))
        parsed, share = typed(lambda u: parse_date(u, dayfirst=dayfirst))
        if kind == DATE or share >= TYPED_SHARE:
            values = parsed[inverse]
            present = values[~np.isnan(values)]
            profile = ColumnProfile(name, DATE, values, int(np.isnan(values).sum()), len(np.unique(present)), dayfirst=dayfirst)
            return _constant_check(profile, kind)
    if not kind and filled >= ID_MIN_ROWS and len(filled_uniques) >= ID_UNIQUE_SHARE * filled:
        # Nearly every value differs: nothing to learn per value (e-mails, ids, notes).
        share = len(filled_uniques) / filled
        return ColumnProfile(name, ID_LIKE, np.full(len(text), None, dtype=object), missing, len(filled_uniques),
                             reason=f"{share:.0%} of the values are unique (an identifier or free text)")
    keys_u = np.array([None if m else normalize_text(u) for u, m in zip(uniques, missing_u, strict=True)], dtype=object)
    labels: dict[str, str] = {}
    for u, key, _count in sorted(zip(uniques, keys_u, counts, strict=True), key=lambda t: -t[2]):
        if key is not None:
            labels.setdefault(key, " ".join(str(u).split()))
    profile = ColumnProfile(name, CATEGORICAL, keys_u[inverse], missing, len(labels), labels=labels)
    return _constant_check(profile, kind)


def _or_nan(value: float | None) -> float:
    return np.nan if value is None else value


def _constant_check(profile: ColumnProfile, kind: str) -> ColumnProfile:
    if not kind and profile.kind in USABLE_KINDS and profile.distinct <= 1 and profile.missing == 0:
        profile.kind, profile.reason = CONSTANT, "the same value in every row"
    return profile


def profile_table(table: Table, names: list[str]) -> list[ColumnProfile]:
    return [profile_column(name, table.cells[name]) for name in names]


@dataclass
class _Encoding:
    profile: ColumnProfile
    fill: float = 0.0
    missing_flag: bool = False
    levels: list[str] = field(default_factory=list)
    other_flag: bool = False


class FeatureEncoder:
    """Columns to a float matrix. Numbers and dates: the value (median where missing) and
    a missing indicator; categories: one-hot of the levels frequent enough in training,
    the rest folded into "(other)", plus "(missing)"."""

    def __init__(self, *, max_levels: int = MAX_LEVELS, min_level_share: float = 0.005, min_level_count: int = 5):
        self.max_levels = max_levels
        self.min_level_share = min_level_share
        self.min_level_count = min_level_count
        self.encodings: list[_Encoding] = []
        self.feature_names: list[str] = []
        self.feature_sources: list[str] = []

    def fit(self, profiles: list[ColumnProfile], rows: np.ndarray) -> FeatureEncoder:
        min_count = max(self.min_level_count, math.ceil(self.min_level_share * len(rows)))
        self.encodings, self.feature_names, self.feature_sources = [], [], []
        for profile in profiles:
            if not profile.usable:
                continue
            values = profile.values[rows]
            enc = _Encoding(profile)
            if profile.kind == CATEGORICAL:
                present = values[values != None]  # noqa: E711 (element-wise on an object array)
                keys, counts = np.unique(present.astype(str), return_counts=True) if len(present) else ([], [])
                ranked = sorted(zip(keys, counts, strict=True), key=lambda t: (-t[1], t[0]))
                enc.levels = [k for k, c in ranked[: self.max_levels] if c >= min_count]
                enc.other_flag = len(enc.levels) < len(ranked)
                enc.missing_flag = len(present) < len(values)
                names = [f"{profile.name} = {profile.labels.get(k, k)}" for k in enc.levels]
                names += [f"{profile.name} (other)"] * enc.other_flag + [f"{profile.name} (missing)"] * enc.missing_flag
            else:
                present = values[~np.isnan(values)]
                enc.fill = float(np.median(present)) if len(present) else 0.0
                enc.missing_flag = len(present) < len(values)
                names = [profile.name] + [f"{profile.name} (missing)"] * enc.missing_flag
            if not names:
                continue
            self.encodings.append(enc)
            self.feature_names += names
            self.feature_sources += [profile.name] * len(names)
        return self

    def transform(self, profiles: list[ColumnProfile], rows: np.ndarray) -> np.ndarray:
        """Rows of `profiles` (the fitted columns, by name) as the fitted feature matrix."""
        by_name = {p.name: p for p in profiles}
        blocks = []
        for enc in self.encodings:
            values = by_name[enc.profile.name].values[rows]
            if enc.profile.kind == CATEGORICAL:
                missing = np.array([v is None for v in values], dtype=bool)
                level_index = {k: i for i, k in enumerate(enc.levels)}
                width = len(enc.levels) + enc.other_flag + enc.missing_flag
                block = np.zeros((len(values), width))
                codes = np.array([level_index.get(v, -1) if v is not None else -1 for v in values])
                known = codes >= 0
                block[np.flatnonzero(known), codes[known]] = 1.0
                if enc.other_flag:
                    block[~known & ~missing, len(enc.levels)] = 1.0
                if enc.missing_flag:
                    block[missing, width - 1] = 1.0
            else:
                missing = np.isnan(values.astype(float))
                column = np.where(missing, enc.fill, values).astype(float)
                block = np.column_stack([column, missing.astype(float)]) if enc.missing_flag else column[:, None]
            blocks.append(block)
        return np.hstack(blocks) if blocks else np.zeros((len(rows), 0))

    @property
    def native_columns(self) -> list[str]:
        return [enc.profile.name for enc in self.encodings]

    @property
    def native_categorical(self) -> np.ndarray:
        return np.array([enc.profile.kind == CATEGORICAL for enc in self.encodings], dtype=bool)

    def transform_native(self, profiles: list[ColumnProfile], rows: np.ndarray) -> np.ndarray:
        """One column per original column, for models that split categories and missing
        values themselves (gradient boosting): numbers and dates as they are, NaN where
        missing; categories as level codes, the folded rare levels sharing one code."""
        by_name = {p.name: p for p in profiles}
        columns = []
        for enc in self.encodings:
            values = by_name[enc.profile.name].values[rows]
            if enc.profile.kind == CATEGORICAL:
                other = float(len(enc.levels))
                level_index = {k: float(i) for i, k in enumerate(enc.levels)}
                columns.append(np.array([np.nan if v is None else level_index.get(v, other) for v in values], dtype=float))
            else:
                columns.append(values.astype(float))
        return np.column_stack(columns) if columns else np.zeros((len(rows), 0))

    def source_groups(self) -> dict[str, list[int]]:
        """Original column -> the indices of its features, to speak of columns, not dummies."""
        groups: dict[str, list[int]] = {}
        for index, source in enumerate(self.feature_sources):
            groups.setdefault(source, []).append(index)
        return groups


TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "بله", "بلی", "آری", "آره", "اره", "درست"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "خیر", "نه", "نخیر", "نادرست"})


@dataclass
class Target:
    y: np.ndarray  # 1 positive, 0 negative, -1 no usable value
    positive: str  # the values as written in the file
    negative: str
    positive_rule: str  # why that value is the positive one, said to the user


def _target_key(value: str) -> str:
    number = parse_number(value)
    if number is not None and number == int(number):
        return str(int(number))  # "1", "1.0" and "۱" are one value
    return normalize_text(value)


def parse_target(name: str, raw: np.ndarray, *, positive: str = "") -> Target:
    """A two-valued column as 1/0. The positive value is the true-like one for yes/no
    pairs (1/0, true/false, yes/no, بله/خیر), otherwise the less frequent one (the outcome
    a team predicts is nearly always the rarer one); `positive` overrides both."""
    keys, _truth = target_keys(raw)
    present = keys[keys != None]  # noqa: E711 (element-wise on an object array)
    levels, counts = np.unique(present.astype(str), return_counts=True) if len(present) else (np.array([]), np.array([]))
    written: dict[str, str] = {}  # key -> the value as the file writes it
    _values, first_rows = np.unique(np.array(["" if v is None else v for v in raw], dtype=str), return_index=True)
    for row in np.sort(first_rows):  # the first spelling in the file names the value
        if keys[row] is not None:
            written.setdefault(keys[row], " ".join(str(raw[row]).split()))
    if len(levels) > 2:
        shown = ", ".join(written[k] for k in levels[np.argsort(-counts)][:5])
        raise DataError(
            f"the target column {name!r} has {len(levels)} different values ({shown}{', …' if len(levels) > 5 else ''}); "
            "it must have exactly two, such as 1/0 or yes/no"
        )
    if not len(levels):
        raise DataError(f"the target column {name!r} has no values")
    if len(levels) < 2:
        raise DataError(f"the target column {name!r} has only one value ({written[levels[0]]!r}); both outcomes are needed to learn anything")
    if positive:
        wanted = _target_key(positive)
        if wanted not in written:
            raise DataError(f"--positive {positive!r} is not a value of {name!r} (its values: {written[levels[0]]!r}, {written[levels[1]]!r})")
        pos, rule = wanted, "chosen with --positive"
    elif {str(levels[0]), str(levels[1])} <= TRUE_WORDS | FALSE_WORDS and (set(levels) & TRUE_WORDS) and (set(levels) & FALSE_WORDS):
        pos, rule = next(k for k in levels if k in TRUE_WORDS), "the yes-like value"
    else:
        order = sorted(zip(counts, levels, strict=True), key=lambda t: (t[0], t[1]))
        pos, rule = order[0][1], "the less frequent value (change with --positive)"
    neg = next(k for k in levels if k != pos)
    y = np.where(keys == None, -1, np.where(keys == pos, 1, 0)).astype(np.int8)  # noqa: E711
    return Target(y=y, positive=written[pos], negative=written[neg], positive_rule=rule)


def target_keys(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells as target keys (None when missing) and as yes/no (1, 0, or -1 when neither):
    what a column is compared with to see whether it simply copies the target."""
    text = np.array(["" if v is None else v for v in raw], dtype=str)
    uniques, inverse = np.unique(text, return_inverse=True)
    keys = np.array([None if is_missing(u) else _target_key(u) for u in uniques], dtype=object)
    truth = np.array([1 if k in TRUE_WORDS else 0 if k in FALSE_WORDS else -1 for k in keys], dtype=int)
    return keys[inverse], truth[inverse]
