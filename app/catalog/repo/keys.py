"""Batch reads return one entry per key, in key order: these put rows there."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def by_key(keys: Sequence[K], pairs: Sequence[tuple[K, V]]) -> list[V | None]:
    """The value of each key, None where there is none."""
    found = dict(pairs)
    return [found.get(key) for key in keys]


def grouped(keys: Sequence[K], pairs: Sequence[tuple[K, V]]) -> list[list[V]]:
    """The values of each key in the order of `pairs`, an empty list where there are none."""
    groups: dict[K, list[V]] = {key: [] for key in keys}
    for key, value in pairs:
        groups[key].append(value)
    return [groups[key] for key in keys]
