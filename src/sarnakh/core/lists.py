"""Static lists as the apps below segments see them: which lists there are (an import's
"add every imported contact to the list…" picker, the contact list's bulk action).

Segments sits above capture and contacts, which cannot import it; it installs the
provider when Django starts (SegmentsConfig.ready), the one place that wires it. Adding
contacts goes the other way, through events (an import batch names its list)."""

from __future__ import annotations

from collections.abc import Callable

ListProvider = Callable[[], list[tuple[int, str]]]
_provider: ListProvider | None = None


def install_list_provider(provider: ListProvider) -> None:
    global _provider
    _provider = provider


def static_lists() -> list[tuple[int, str]]:
    """(id, name) of every static list, by name; empty without the segments app."""
    return _provider() if _provider is not None else []
