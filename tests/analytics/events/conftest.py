"""Every test starts with this process's event buffer empty (other tests of the run record
events that no flusher writes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.analytics.recorder import BUFFER


@pytest.fixture(autouse=True)
def empty_buffer() -> Iterator[None]:
    BUFFER.discard("test")
    yield
    BUFFER.discard("test")
