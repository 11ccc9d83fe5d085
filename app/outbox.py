"""Transactional outbox: events are written in the caller's transaction and handed on after commit.

`emit` adds a row to the caller's session; the relay (`relay_once`) claims undispatched rows with
`FOR UPDATE SKIP LOCKED`, hands each to a dispatcher (Dramatiq / pub/sub) and marks it dispatched,
backing off rows whose dispatch failed. Several relays may run at once; none hands on a row twice
while it holds the row lock, and actors are idempotent on the event id for the rare redelivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Index, Integer, String, Text, delete, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, Database, IdMixin
from app.metrics import OUTBOX_PENDING


class OutboxEvent(IdMixin, CreatedMixin, Base):
    __tablename__ = "outbox"

    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    available_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dispatched_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "available_at",
            postgresql_where=text("dispatched_at IS NULL"),
        ),
    )


async def emit(
    session: AsyncSession, topic: str, payload: dict[str, Any], *, delay_seconds: float = 0.0
) -> uuid.UUID:
    """Record an event in the caller's transaction; it is handed on only if that commits, and
    not before `delay_seconds` have passed (by the database's clock, which the relay reads)."""
    event = OutboxEvent(topic=topic, payload=payload)
    if delay_seconds > 0:
        event.available_at = func.now() + timedelta(seconds=delay_seconds)
    session.add(event)
    await session.flush()
    return event.id


# --- the relay ------------------------------------------------------------------------------

Dispatch = Callable[[OutboxEvent], Awaitable[None] | None]

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 600.0
PENDING_GAUGE_EVERY_SECONDS = 5.0
PURGE_EVERY_SECONDS = 3600.0

log = structlog.get_logger(__name__)


def backoff_seconds(attempts: int) -> float:
    """Delay before retrying an event that failed `attempts` times: 1 s, 2 s, 4 s … ≤ 10 min."""
    exponent = min(max(attempts - 1, 0), 30)  # 2**30 s is far past the cap
    return min(BACKOFF_BASE_SECONDS * float(2**exponent), BACKOFF_MAX_SECONDS)


async def relay_once(db: Database, dispatch: Dispatch, *, batch: int = 100) -> int:
    """Hand on up to `batch` due events, oldest first; returns how many were dispatched.

    The rows are claimed with `FOR UPDATE SKIP LOCKED` and marked in the same transaction, so
    concurrent relays never hand on the same row twice. A failing dispatch does not stop the
    batch: that row records the error and becomes due again after an exponential backoff.
    """
    dispatched = 0
    async with db.transaction() as session:
        events = await _claim_due(session, batch)
        if not events:
            return 0
        now = await _database_now(session)
        for event in events:
            try:
                result = dispatch(event)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:  # one bad event must never block the others
                _defer(event, exc, now=now)
                continue
            event.dispatched_at = now
            dispatched += 1
    return dispatched


async def _database_now(session: AsyncSession) -> datetime:
    now: datetime | None = await session.scalar(select(func.now()))
    assert now is not None
    return now


async def _claim_due(session: AsyncSession, batch: int) -> Sequence[OutboxEvent]:
    stmt = (
        select(OutboxEvent)
        .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.available_at <= func.now())
        .order_by(OutboxEvent.available_at, OutboxEvent.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(stmt)).all()


def _defer(event: OutboxEvent, exc: Exception, *, now: datetime) -> None:
    event.attempts += 1
    event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    event.available_at = now + timedelta(seconds=backoff_seconds(event.attempts))
    log.warning(
        "outbox.dispatch_failed",
        event_id=str(event.id),
        topic=event.topic,
        attempts=event.attempts,
        error=event.last_error,
    )


async def count_pending(db: Database) -> int:
    async with db.session() as session:
        stmt = (
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
        return int(await session.scalar(stmt) or 0)


async def purge_dispatched(db: Database, *, older_than: timedelta) -> int:
    """Delete events handed on more than `older_than` ago; returns how many were deleted."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(OutboxEvent).where(OutboxEvent.dispatched_at < func.now() - older_than)
        )
        return int(getattr(result, "rowcount", 0) or 0)


async def run_relay(
    db: Database,
    dispatch: Dispatch,
    *,
    stop: asyncio.Event,
    interval: float = 0.25,
    batch: int = 100,
    retention: timedelta = timedelta(days=7),
) -> None:
    """Relay until `stop` is set: drain due events, then sleep `interval` (or until stopped).

    Every few seconds it updates the OUTBOX_PENDING gauge, and every hour it purges events
    dispatched longer than `retention` ago. A database outage is logged and retried.
    """
    loop = asyncio.get_running_loop()
    next_gauge = next_purge = loop.time()
    while not stop.is_set():
        try:
            handed_on = await relay_once(db, dispatch, batch=batch)
            now = loop.time()
            if now >= next_gauge:
                OUTBOX_PENDING.set(await count_pending(db))
                next_gauge = now + PENDING_GAUGE_EVERY_SECONDS
            if now >= next_purge:
                await purge_dispatched(db, older_than=retention)
                next_purge = now + PURGE_EVERY_SECONDS
        except (SQLAlchemyError, OSError) as exc:
            log.error("outbox.relay_failed", error=str(exc))
            handed_on = 0
        if handed_on < batch:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
