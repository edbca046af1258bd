"""Round steps for axes, bucket widths and threshold sweeps, so people read 5, 10, 20…"""

from __future__ import annotations

import math


def nice_step(raw: float, factors: tuple[float, ...] = (1, 2, 5)) -> float:
    """The smallest f × 10ⁿ (f one of `factors`, n whole) that is at least `raw` (> 0)."""
    magnitude = 10 ** math.floor(math.log10(raw))
    return next((f * magnitude for f in factors if f * magnitude >= raw), 10 * magnitude)
