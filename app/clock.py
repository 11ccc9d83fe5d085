"""The current time: services call `utcnow()` (or take a `now` argument that defaults to it).

A test pins the clock with `frozen(at)`, so what it checks never depends on when it runs (a TOTP
code of "the previous 30-second step" is the same step for the test and for the server). The pin
is a context variable: it holds for the code inside the `with` block and the tasks started there,
never for other requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_PINNED: ContextVar[datetime | None] = ContextVar("easyways_clock", default=None)


def utcnow() -> datetime:
    pinned = _PINNED.get()
    return pinned if pinned is not None else datetime.now(UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """`utcnow()` answers `at` (time-zone aware) inside the block."""
    if at.tzinfo is None:
        raise ValueError("pin the clock to a time-zone aware datetime")
    token = _PINNED.set(at)
    try:
        yield at
    finally:
        _PINNED.reset(token)
