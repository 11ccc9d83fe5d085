"""A started API has frozen what start-up built and uses the configured collector thresholds;
shutting down puts the collector back; the live fan-out pause still switches it back on."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import dramatiq
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from app import cli, live
from app.db import Database
from app.main import create_app
from app.settings import Settings
from tests.support.api import build_test_schema, serve

# the test process starts apps with freezing off (tests/conftest.py); these tests turn it on
TUNED = {
    "gc_freeze_after_startup": True,
    "gc_gen0_threshold": 40_000,
    "gc_gen1_threshold": 15,
    "gc_gen2_threshold": 12,
}


@pytest.fixture
def pristine_collector() -> Iterator[tuple[int, int, int]]:
    """Nothing frozen, CPython's thresholds; whatever a test leaves is put back."""
    gc.unfreeze()
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(*before)
    gc.enable()


def _app(settings: Settings, **overrides: object) -> Starlette:
    app_settings = settings.model_copy(update=overrides)
    return create_app(app_settings, schema=build_test_schema(app_settings))


async def test_a_started_api_has_frozen_its_start_up_and_uses_the_configured_thresholds(
    database: Database,
    redis_client: Redis,
    settings: Settings,
    pristine_collector: tuple[int, int, int],
) -> None:
    app = _app(settings, **TUNED)
    async with serve(app) as client:
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (40_000, 15, 12)
        assert gc.isenabled()
        response = await client.post("/graphql", json={"query": "{ ping }"})
        assert response.json()["data"] == {"ping": "pong"}
    # shutdown puts the collector back: a process that starts apps again keeps nothing frozen
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == pristine_collector


async def test_the_defaults_raise_the_young_threshold_and_keep_the_multipliers(
    database: Database,
    redis_client: Redis,
    settings: Settings,
    pristine_collector: tuple[int, int, int],
) -> None:
    defaults = Settings.model_fields
    assert defaults["gc_freeze_after_startup"].default is True
    async with serve(_app(settings, gc_freeze_after_startup=True)):
        assert gc.get_threshold() == (50_000, 10, 10)
        assert gc.get_freeze_count() > 0


async def test_freezing_can_be_turned_off(
    database: Database,
    redis_client: Redis,
    settings: Settings,
    pristine_collector: tuple[int, int, int],
) -> None:
    async with serve(_app(settings, **{**TUNED, "gc_freeze_after_startup": False})):
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == (40_000, 15, 12)
    assert gc.get_threshold() == pristine_collector


async def test_the_live_fanout_pause_switches_the_tuned_collector_back_on(
    database: Database,
    redis_client: Redis,
    settings: Settings,
    pristine_collector: tuple[int, int, int],
) -> None:
    async with serve(_app(settings, **TUNED)):
        frozen = gc.get_freeze_count()
        fanout = live.Fanout(live.Fanout.PAUSE_FROM)
        assert not gc.isenabled()
        for _ in range(live.Fanout.PAUSE_FROM):
            fanout.done()
        assert gc.isenabled()
        assert live.collector_pause.holders == 0
        # the pause only switched the collector off and on: thresholds and frozen objects stay
        assert gc.get_threshold() == (40_000, 15, 12)
        # (frozen objects may still be freed, so the count can only shrink a little)
        assert 0 < gc.get_freeze_count() <= frozen


def test_the_worker_process_tunes_the_collector_before_its_consumers_start(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    pristine_collector: tuple[int, int, int],
) -> None:
    seen: dict[str, object] = {}

    class Consumers:
        def __init__(self, *_args: object, **_kwargs: object) -> None:
            pass

        def start(self) -> None:
            seen["at_start"] = (gc.get_freeze_count() > 0, gc.get_threshold())

        def stop(self, timeout: int) -> None:
            pass

    async def main_loop(_main: object) -> bool:
        return True

    monkeypatch.setattr(dramatiq, "Worker", Consumers)
    monkeypatch.setattr(cli, "_until_signalled", main_loop)
    monkeypatch.setattr(cli, "get_settings", lambda: settings.model_copy(update=TUNED))
    assert cli._run_worker(threads=1) == 0
    assert seen["at_start"] == (True, (40_000, 15, 12))
