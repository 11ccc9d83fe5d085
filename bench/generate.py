"""Seed the bench data set into its own database: `python -m bench.generate [--fresh]`.

The database is `easyways_bench` on the embedded PostgreSQL under DATA_DIR (default `.data`, the
server `make run` uses, a separate database), or the one BENCH_DATABASE_URL names. It is created
and migrated (alembic upgrade head) when missing; the rows (see `bench.dataset`) go in with COPY
inside one transaction, then ANALYZE, then the search index is built by the search service's
`reindex_all` (skipped with a warning while it does not exist). The scale, seed and whether the
index was built are kept as the database comment: a second run with the same scale and seed only
migrates (and indexes, if that was skipped before); a different one, or `--fresh`, drops and
recreates the database first.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import inspect
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from app.db import Database, to_asyncpg_url
from bench.dataset import Dataset, Scale, build

BENCH_DB = "easyways_bench"
REINDEX_MODULES = ("app.search.service", "app.search.indexing", "app.search")


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def plain_dsn(url: str, database: str | None = None) -> str:
    """The asyncpg DSN (`postgresql://…`) of a SQLAlchemy URL, optionally for another database."""
    parsed = make_url(to_asyncpg_url(url)).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


# --- loading ------------------------------------------------------------------------------------


async def load(url: str, dataset: Dataset) -> dict[str, int]:
    """COPY every table of `dataset` in one transaction (parents first), then ANALYZE."""
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        async with conn.transaction():
            for name, table in dataset.tables.items():
                if table.rows:
                    await conn.copy_records_to_table(
                        name, records=table.rows, columns=list(table.columns)
                    )
        for name in dataset.tables:
            await conn.execute(f'ANALYZE "{name}"')
    finally:
        await conn.close()
    return dataset.counts()


async def fill_search_vectors(url: str) -> tuple[bool, str]:
    """Run the search service's `reindex_all` if it exists: (done, what happened)."""
    reindex = _find_reindex_all()
    if reindex is None:
        return False, "skipped: no app.search reindex_all yet (searchCourses will find nothing)"
    started = time.perf_counter()
    db = Database.from_url(url, pool_size=2, max_overflow=0)
    try:
        params = list(inspect.signature(reindex).parameters)
        if params and params[0] == "session":
            async with db.transaction() as session:
                result = await reindex(session)
        else:
            result = await reindex(db)
    except Exception as exc:  # the search code is not ours: report and bench the rest
        return False, f"failed: {exc!r}"
    finally:
        await db.dispose()
    seconds = time.perf_counter() - started
    return True, f"{reindex.__module__}.reindex_all -> {result!r} in {seconds:.1f}s"


def _find_reindex_all() -> Callable[..., Any] | None:
    for module_name in REINDEX_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found = getattr(module, "reindex_all", None)
        if callable(found):
            return found  # type: ignore[no-any-return]
    return None


# --- the bench database -------------------------------------------------------------------------


def fingerprint(scale: Scale, seed: int) -> str:
    return json.dumps({"seed": seed, **dataclasses.asdict(scale)}, sort_keys=True)


@dataclass(frozen=True)
class Marker:
    """What the database holds, kept as its comment: the data set and whether it is indexed."""

    dataset: str | None = None
    search_indexed: bool = False

    def dumps(self) -> str:
        return json.dumps({"bench": self.dataset, "search_indexed": self.search_indexed})

    @classmethod
    def loads(cls, text: str | None) -> Marker:
        try:
            value = json.loads(text or "")
            return cls(value["bench"], bool(value["search_indexed"]))
        except (ValueError, KeyError, TypeError):
            return cls()


async def _admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(plain_dsn(url, "postgres"))


async def create_database(url: str, *, drop: bool) -> None:
    name = make_url(url).database
    conn = await _admin(url)
    try:
        if drop:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def read_marker(url: str) -> Marker:
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        value: str | None = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        return Marker.loads(value)
    finally:
        await conn.close()


async def write_marker(url: str, marker: Marker) -> None:
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        name = make_url(url).database
        literal = marker.dumps().replace("'", "''")
        await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'")
    finally:
        await conn.close()


def migrate(url: str) -> None:
    from app.cli import run_migrations

    run_migrations(url)


def prepare(url: str, *, scale: Scale, seed: int, fresh: bool) -> bool:
    """Make `url` hold exactly the data set of (scale, seed), migrated to head and indexed for
    search when the search service can; True when the rows were (re)generated."""
    wanted = fingerprint(scale, seed)
    asyncio.run(create_database(url, drop=fresh))
    marker = asyncio.run(read_marker(url))
    generate = fresh or marker.dataset != wanted
    if generate and not fresh:
        asyncio.run(create_database(url, drop=True))
    migrate(url)  # also brings an existing bench database up to new migrations
    if generate:
        started = time.perf_counter()
        dataset = build(scale, seed)
        say(f"built rows in {time.perf_counter() - started:.1f}s")
        counts = asyncio.run(load(url, dataset))
        say(f"loaded in {time.perf_counter() - started:.1f}s: {counts}")
        marker = Marker(wanted)
        asyncio.run(write_marker(url, marker))
    else:
        say(f"{make_url(url).database} already holds this data set (--fresh rebuilds it)")
    if not marker.search_indexed:
        indexed, note = asyncio.run(fill_search_vectors(url))
        say("search index: " + note)
        asyncio.run(write_marker(url, Marker(wanted, indexed)))
    return generate


def bench_database_url(data_dir: Path) -> tuple[str, Any]:
    """BENCH_DATABASE_URL, or `easyways_bench` on the embedded PostgreSQL (started here; the
    second value is the `EmbeddedServices` to stop, or None)."""
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return to_asyncpg_url(url), None
    from app.embedded import EmbeddedServices

    services = EmbeddedServices(data_dir)
    return services.start_postgres(BENCH_DB), services


def parse_scale(args: argparse.Namespace) -> Scale:
    if args.tiny:
        return Scale.tiny()
    return Scale(courses=args.courses, students=args.students)


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--courses", type=int, default=Scale.courses, help="published courses")
    parser.add_argument("--students", type=int, default=Scale.students, help="students")
    parser.add_argument("--tiny", action="store_true", help="a handful of rows (smoke test)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    add_scale_arguments(parser)
    args = parser.parse_args(argv)
    url, services = bench_database_url(Path(os.environ.get("DATA_DIR", ".data")))
    try:
        prepare(url, scale=parse_scale(args), seed=args.seed, fresh=args.fresh)
    finally:
        if services is not None:
            services.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
