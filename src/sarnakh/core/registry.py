"""Typed plug-in registry: trigger types, step types, rule types and segment operators
register a spec with a key; asking for an unknown key raises."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    config_schema: dict[str, Any]
    handler: Any


S = TypeVar("S", bound=Spec)


class UnknownKey(KeyError):
    pass


class Registry(Generic[S]):
    def __init__(self, kind: str):
        self.kind = kind
        self._specs: dict[str, S] = {}

    def register(self, spec: S) -> S:
        if spec.key in self._specs:
            raise ValueError(f"{self.kind} {spec.key!r} is already registered")
        self._specs[spec.key] = spec
        return spec

    def get(self, key: str) -> S:
        try:
            return self._specs[key]
        except KeyError:
            raise UnknownKey(f"unknown {self.kind} {key!r}; known: {', '.join(sorted(self._specs))}") from None

    def __contains__(self, key: str) -> bool:
        return key in self._specs

    def __iter__(self) -> Iterator[S]:
        return iter(self._specs.values())
