"""Learning-event helpers: write what is buffered, read the stored events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.analytics.models import AnalyticsEvent
from app.analytics.recorder import EventFlusher
from app.db import Database


async def flush(database: Database, *, batch_size: int = 500) -> int:
    """Write every buffered event now, as the process's flusher does."""
    return await EventFlusher(database, batch_size=batch_size).flush()


async def stored(database: Database, *types: str) -> list[AnalyticsEvent]:
    """The stored events (of `types`, when given), oldest first."""
    stmt = select(AnalyticsEvent).order_by(AnalyticsEvent.occurred_at, AnalyticsEvent.id)
    if types:
        stmt = stmt.where(AnalyticsEvent.event_type.in_(types))
    async with database.session() as session:
        return list(await session.scalars(stmt))


async def flushed(database: Database, *types: str) -> list[AnalyticsEvent]:
    await flush(database)
    return await stored(database, *types)


def shape(event: AnalyticsEvent) -> tuple[Any, ...]:
    return (event.event_type, event.user_id, event.course_id, event.entity_type, event.entity_id)
