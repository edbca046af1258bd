"""Round steps: the smallest 1-2-5 × 10ⁿ (or the caller's factors) not below the raw step."""

import pytest

from sarnakh.core.nice_numbers import nice_step


@pytest.mark.parametrize(
    "raw,factors,expected",
    [(0.03, (1, 2, 5), 0.05), (1, (1, 2, 5), 1), (7, (1, 2, 5), 10), (20, (1, 2, 5), 20), (21, (1, 2, 5), 50),
     (2.2, (1, 2, 2.5, 5), 2.5), (9000, (1, 2, 5), 10000)],
)
def test_given_a_raw_step_then_the_smallest_round_step_at_least_as_large(raw, factors, expected):
    assert nice_step(raw, factors) == pytest.approx(expected)
