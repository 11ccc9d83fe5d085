"""Dashboard fixtures: the local storage of the test settings (reports are stored through it)."""

from __future__ import annotations

import pytest

from app.integrations.storage import LocalStorage, make_storage
from app.settings import Settings


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    made = make_storage(settings)
    assert isinstance(made, LocalStorage)
    return made
