"""Predictive lead scoring: learn from history which leads convert, and say how well.

Pure modules (no ORM): `features` (table -> feature matrix), `evaluate` (train, test,
baseline, leakage guard), `metrics`, `csv_source` (any CSV export), `report` (terminal
and JSON); `commands` is `sarnakh model evaluate`.
"""
