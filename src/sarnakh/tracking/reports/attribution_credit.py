"""How much of one conversion each touch earns, per attribution model.

Pure: the SQL in attribution.py computes the same numbers over sets; tests use this as
the reference and the docs quote it.
"""

from __future__ import annotations

FIRST_TOUCH = "first_touch"
LAST_TOUCH = "last_touch"
LINEAR = "linear"
U_SHAPED = "u_shaped"
MODELS = (FIRST_TOUCH, LAST_TOUCH, LINEAR, U_SHAPED)

# U-shaped (position-based): the touch that found the person and the one that converted
# them matter most; whatever happened in between shares the rest.
U_ENDS = 0.4
U_MIDDLE = 0.2


def credits(model: str, n: int) -> list[float]:
    """Credit of each of `n` touches in time order; they sum to 1."""
    if model not in MODELS:
        raise ValueError(f"unknown attribution model: {model!r}")
    if n < 1:
        raise ValueError("a conversion has at least one touch")
    if model == FIRST_TOUCH:
        return [1.0] + [0.0] * (n - 1)
    if model == LAST_TOUCH:
        return [0.0] * (n - 1) + [1.0]
    if model == LINEAR:
        return [1.0 / n] * n
    if n == 1:
        return [1.0]
    if n == 2:
        return [0.5, 0.5]
    return [U_ENDS] + [U_MIDDLE / (n - 2)] * (n - 2) + [U_ENDS]
