"""Who or what makes a change: a user, an API key, an import, a rule, the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    source: str  # user, api, import, rule or system (the values of contacts.StageChange.Source)
    user: Any = None
    label: str = ""

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(source="user", user=user, label=user.get_username())

    @classmethod
    def for_api_key(cls, api_key) -> Actor:
        return cls(source="api", user=api_key.created_by, label=f"API key: {api_key.name}")

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(source="system", label=label)
