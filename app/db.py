"""Engine, session factory, transaction helper, declarative base and a statement counter.

The engine never puts statement parameters into its exceptions or logs (`hide_parameters`), and
`error_summary` is all of an unexpected error a development response may show: for a database
error, the driver's exception type and first message line — never the SQL or its parameters.
"""

from __future__ import annotations

import asyncio
import enum
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import asyncpg
from sqlalchemy import (
    DateTime,
    Enum,
    MetaData,
    Select,
    any_,
    bindparam,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, DisconnectionError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from app.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        uuid.UUID: UUID(as_uuid=True),
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-100)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), nullable=False, sort_order=100
    )


class TimestampMixin(CreatedMixin):
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now(), nullable=False, sort_order=101
    )


def to_asyncpg_url(url: str) -> str:
    for prefix in (
        "postgresql://",
        "postgres://",
        "postgresql+psycopg://",
        "postgresql+psycopg2://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def server_settings(role: str = "") -> dict[str, str]:
    """Every connection's session settings; `role` (api, worker) names the connections in
    pg_stat_activity: `easyways-api`."""
    return {"timezone": "UTC", "application_name": f"easyways-{role}" if role else "easyways"}


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, role: str = ""
) -> AsyncEngine:
    """`role` (api, worker) names the connections in pg_stat_activity: `easyways-api`."""
    engine = create_async_engine(
        to_asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        # no ping on every checkout (three round trips per loader batch): see `check_on_checkout`
        pool_pre_ping=False,
        hide_parameters=True,
        connect_args={"server_settings": server_settings(role)},
    )
    check_on_checkout(engine)
    return engine


# a pooled connection unused for longer than this is pinged before it is handed out
PING_AFTER_IDLE_SECONDS = 10.0
_RETURNED_AT = "easyways_returned_at"


def check_on_checkout(engine: AsyncEngine) -> None:
    """Hand out only live connections without a round trip per checkout.

    SQLAlchemy's `pool_pre_ping` pings every connection it hands out (with asyncpg outside
    autocommit: BEGIN, an empty query, ROLLBACK) — on every loader batch of every request. Instead,
    a connection the server closed (terminated backend, restart: the driver has seen the socket
    close) is replaced without any round trip, and one idle in the pool for longer than
    PING_AFTER_IDLE_SECONDS (a firewall or a failover may have dropped it silently) is pinged; a
    busy pool's connections are reused at once. A connection that still dies under a statement
    fails that statement, and SQLAlchemy then invalidates the whole pool (every connection older
    than the failure is replaced on its next checkout), as it always has.
    """
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "connect")
    def _connected(dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(pool, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        driver = getattr(dbapi_connection, "_connection", None)
        if driver is not None and driver.is_closed():
            raise DisconnectionError("the server closed the connection")
        idle = time.monotonic() - record.info.get(_RETURNED_AT, 0.0)
        if idle > PING_AFTER_IDLE_SECONDS:
            try:
                dbapi_connection.ping()
            except Exception as exc:  # any failure: the pool connects afresh (up to 3 times)
                raise DisconnectionError(str(exc)) from exc


# the driver's errors saying the connection (or the server) went away, not that a statement failed
_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
    OSError,
)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or the connection was lost
    (terminated, server restarting, pool exhausted) — a moment's outage, not a bug."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        driver = error.orig.__cause__ if error.orig is not None else None
        return isinstance(driver, _LOST) or isinstance(error.orig, _LOST)
    return isinstance(error, _LOST)


def error_summary(error: BaseException) -> str:
    """`Type: message` of an unexpected error; for a database error the driver's exception and
    its first message line, with the statement's parameter values cut out (no SQL, no
    parameters, no DETAIL)."""
    params: list[str] = []
    if isinstance(error, StatementError) and error.orig is not None:
        params = sorted(_param_texts(error.params), key=len, reverse=True)
        error = error.orig.__cause__ or error.orig  # the driver's own exception
    lines = str(error).strip().splitlines()
    line = lines[0] if lines else ""
    for value in params:
        line = line.replace(value, "…")
    return f"{type(error).__name__}: {line}" if line else type(error).__name__


def _param_texts(params: Any) -> set[str]:
    """The text of every parameter value (of a dict, a list of them, or a tuple)."""
    found: set[str] = set()
    stack = [params]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif item is not None:
            text = str(item)
            if len(text) > 1:
                found.update({text, repr(text)})
    return found


class Database:
    """Owns the engine and hands out sessions; one per process (per event loop)."""

    def __init__(self, engine: AsyncEngine, *, role: str = "", driver_pool_size: int = 1) -> None:
        self.engine = engine
        self.server_settings = server_settings(role)
        # connections of `fetch`, apart from the engine's pool (opened on first use)
        self.driver_pool_size = max(1, driver_pool_size)
        self._driver_pool: asyncpg.Pool | None = None
        self._driver_pool_lock = asyncio.Lock()
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        # Reads run in autocommit: no BEGIN/ROLLBACK round trips around each loader batch. Each
        # statement still sees one snapshot, exactly as under READ COMMITTED in a transaction.
        self.read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.read_sessionmaker = async_sessionmaker(
            self.read_engine,
            expire_on_commit=False,
            autoflush=False,
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        """`pool_size` (default 10) also sizes the driver's pool of `fetch`: half as many."""
        pool_size = int(kwargs.get("pool_size", 10))
        role = str(kwargs.get("role", ""))
        return cls(make_engine(url, **kwargs), role=role, driver_pool_size=pool_size // 2)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A short-lived session for reads (loader batches), in autocommit: each statement
        commits on its own, so the only writes it may carry are single statements that need no
        transaction (the search's trending count rides on its facets statement)."""
        async with self.read_sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: commits on success, rolls back on error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def fetch(
        self, statement: DriverStatement, parameters: Mapping[str, object]
    ) -> Sequence[Sequence[Any]]:
        """The rows of one statement, straight through the driver (its prepared-statement
        cache; autocommit): no session, no compilation, no bind or result processing — a third
        of the CPU of the same statement through a session. For the hottest hand-written reads,
        and writes that are one statement needing no transaction (an upsert of a counter). It
        runs on the driver's own small pool (asyncpg's, opened on first use: checking a
        connection out of SQLAlchemy's pool and back costs as much as the statement). The
        engine's cursor events still fire around it, so statement metrics and tests' statement
        counters see it like any other; parameters go to the driver as they are (UUIDs, lists,
        text) and values come back as the driver decodes them. A connection lost under it raises
        the driver's error (`database_unavailable` knows them); the pool replaces a closed
        connection on checkout."""
        values = statement.values(parameters)
        events: Any = self.engine.sync_engine.dispatch
        stand_in = _Cursorless()
        pool = self._driver_pool or await self._start_driver_pool()
        async with pool.acquire() as driver:
            events.before_cursor_execute(stand_in, None, statement.sql, values, None, False)
            rows: Sequence[Sequence[Any]] = await driver.fetch(statement.sql, *values)
            events.after_cursor_execute(stand_in, None, statement.sql, values, None, False)
        return rows

    async def _start_driver_pool(self) -> asyncpg.Pool:
        async with self._driver_pool_lock:
            if self._driver_pool is None:
                url = self.engine.url.set(drivername="postgresql")
                self._driver_pool = await asyncpg.create_pool(
                    url.render_as_string(hide_password=False),
                    min_size=0,
                    max_size=self.driver_pool_size,
                    # a connection idle this long is closed (a firewall may drop it silently)
                    max_inactive_connection_lifetime=PING_AFTER_IDLE_SECONDS,
                    # single autocommit reads leave nothing to reset: no round trip per release
                    reset=_nothing_to_reset,
                    server_settings=self.server_settings,
                )
        return self._driver_pool

    async def dispose(self) -> None:
        if self._driver_pool is not None:
            await self._driver_pool.close()
            self._driver_pool = None
        await self.engine.dispose()


_DRIVER_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


class _Cursorless:
    """What the engine's cursor-event listeners get as the connection of a `fetch`: its `info`."""

    __slots__ = ("info",)

    def __init__(self) -> None:
        self.info: dict[str, Any] = {}


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    return None


@dataclass(frozen=True)
class DriverStatement:
    """A hand-written read statement compiled once for the driver: its SQL with `$n`
    placeholders, the names of its parameters in order, and the values of those that are
    constants of the statement (a bound literal such as `status = 'published'`), already
    converted as the column type converts them (`Database.fetch` runs it)."""

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, clause: ClauseElement) -> DriverStatement:
        """`clause` (text or a Core statement) compiled for the driver: its `bindparam(name)`s
        without a value are the parameters `fetch` is given by name."""
        compiled = cast(SQLCompiler, clause.compile(dialect=_DRIVER_DIALECT))
        if "POSTCOMPILE" in str(compiled):
            # an expanding IN renders only at execution: compare with `= ANY(array)` instead
            raise ValueError("a driver statement cannot hold an expanding IN parameter")
        names = tuple(compiled.positiontup or ())
        constants = {}
        for name in names:
            bind = compiled.binds[name]
            if not bind.required:
                value = bind.effective_value
                impl = bind.type.dialect_impl(_DRIVER_DIALECT)
                process = impl.bind_processor(_DRIVER_DIALECT)
                constants[name] = process(value) if process is not None else value
        return cls(str(compiled), names, constants)

    def values(self, parameters: Mapping[str, object]) -> tuple[Any, ...]:
        constants = self.constants
        if not constants:
            return tuple(parameters[name] for name in self.names)
        return tuple(
            constants[name] if name in constants else parameters[name] for name in self.names
        )


@dataclass
class StatementCounter:
    """Counts SQL statements an engine executes; used to pin N+1 budgets in tests."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def _on_execute(self, conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", counter._on_execute)
    try:
        yield counter
    finally:
        event.remove(sync_engine, "before_cursor_execute", counter._on_execute)


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """A string column constrained to the values of a StrEnum (no native PG enum to migrate)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


# --- persistence helpers every repository uses -------------------------------------------------


_ANY_OF: dict[tuple[Any, str], Select[Any]] = {}


def _any_of(column: InstrumentedAttribute[Any]) -> Select[Any]:
    key = (column.class_, column.key)
    statement = _ANY_OF.get(key)
    if statement is None:
        keys = bindparam("keys", type_=ARRAY(column.type))
        statement = _ANY_OF[key] = select(column.class_).where(column == any_(keys))
    return statement


async def rows_with(
    session: AsyncSession, column: InstrumentedAttribute[Any], keys: Sequence[Any]
) -> list[Any]:
    """The rows of `column`'s entity whose `column` is one of `keys` (a loader batch): one
    statement, `column = ANY(:keys)`, built once per column. The keys travel as one array
    parameter, so the statement is neither built nor expanded per batch (an `IN` list is
    rendered anew for every number of keys); about a third less CPU per batch."""
    return list(await session.scalars(_any_of(column), {"keys": list(keys)}))


async def add(session: AsyncSession, *objects: Base) -> None:
    session.add_all(objects)
    await session.flush()


async def delete_row(session: AsyncSession, obj: Base) -> None:
    await session.delete(obj)
    await session.flush()


async def save(session: AsyncSession, *objects: Base) -> None:
    """Flush, then reload what the UPDATE expired (`updated_at` is set by the database), so the
    returned objects stay readable after the session closes."""
    await session.flush()
    for obj in objects:
        expired = inspect(obj).expired_attributes
        if expired:
            await session.refresh(obj, attribute_names=list(expired))
