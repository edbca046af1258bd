"""The one clock. Tests move time with `frozen_at` instead of sleeping."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_state = threading.local()
_global_override: dt.datetime | None = None


def now() -> dt.datetime:
    override = getattr(_state, "override", None) or _global_override
    if override is not None:
        return override
    return dt.datetime.now(dt.UTC)


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """Make `now()` answer `moment` for every thread while the block runs."""
    global _global_override
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs an aware datetime")
    previous = _global_override
    _global_override = moment
    try:
        yield
    finally:
        _global_override = previous
