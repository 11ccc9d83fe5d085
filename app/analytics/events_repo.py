"""The SQL of learning events: keyset pages for the admin list, a streamed read for exports.
The table is append-only: nothing here updates or deletes a row."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.models import AnalyticsEvent
from app.pagination import Page, PageRequest, SortKey, paginate

STREAM_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: uuid.UUID
    event_type: str
    user_id: uuid.UUID | None
    course_id: uuid.UUID | None
    entity_type: str | None
    entity_id: uuid.UUID | None
    properties: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class EventFilter:
    """Every given condition must hold (`occurred_from` inclusive, `occurred_to` exclusive)."""

    user_id: uuid.UUID | None = None
    course_id: uuid.UUID | None = None
    types: tuple[str, ...] = field(default_factory=tuple)
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": str(self.user_id) if self.user_id else None,
            "course_id": str(self.course_id) if self.course_id else None,
            "types": list(self.types),
            "occurred_from": self.occurred_from.isoformat() if self.occurred_from else None,
            "occurred_to": self.occurred_to.isoformat() if self.occurred_to else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EventFilter:
        def when(key: str) -> datetime | None:
            return datetime.fromisoformat(data[key]) if data.get(key) else None

        return cls(
            user_id=uuid.UUID(data["user_id"]) if data.get("user_id") else None,
            course_id=uuid.UUID(data["course_id"]) if data.get("course_id") else None,
            types=tuple(data.get("types") or ()),
            occurred_from=when("occurred_from"),
            occurred_to=when("occurred_to"),
        )


_COLUMNS = (
    AnalyticsEvent.id,
    AnalyticsEvent.event_type,
    AnalyticsEvent.user_id,
    AnalyticsEvent.course_id,
    AnalyticsEvent.entity_type,
    AnalyticsEvent.entity_id,
    AnalyticsEvent.properties,
    AnalyticsEvent.occurred_at,
)


def _filtered(where: EventFilter) -> Select[Any]:
    stmt = select(*_COLUMNS)
    if where.user_id is not None:
        stmt = stmt.where(AnalyticsEvent.user_id == where.user_id)
    if where.course_id is not None:
        stmt = stmt.where(AnalyticsEvent.course_id == where.course_id)
    if where.types:
        stmt = stmt.where(AnalyticsEvent.event_type.in_(where.types))
    if where.occurred_from is not None:
        stmt = stmt.where(AnalyticsEvent.occurred_at >= where.occurred_from)
    if where.occurred_to is not None:
        stmt = stmt.where(AnalyticsEvent.occurred_at < where.occurred_to)
    return stmt


def _stored(row: Sequence[Any]) -> StoredEvent:
    return StoredEvent(*row)


async def list_events(
    session: AsyncSession, *, where: EventFilter, request: PageRequest, with_total: bool = False
) -> Page[StoredEvent]:
    """One keyset page, newest first: one statement (two with the total)."""
    page = await paginate(
        session,
        _filtered(where),
        order_by=[SortKey(AnalyticsEvent.occurred_at.expression, descending=True)],
        tiebreaker=AnalyticsEvent.id.expression,
        request=request,
        with_total=with_total,
    )
    return Page(
        [_stored(row) for row in page.items],
        page.cursors,
        page.has_next,
        page.has_previous,
        page.total_count,
    )


async def stream_events(session: AsyncSession, where: EventFilter) -> AsyncIterator[StoredEvent]:
    """Every matching event, oldest first, through a server-side cursor (the caller's session
    must be in a transaction); memory stays at one chunk whatever the number of rows."""
    stmt = _filtered(where).order_by(AnalyticsEvent.occurred_at, AnalyticsEvent.id)
    result = await session.stream(stmt.execution_options(yield_per=STREAM_CHUNK))
    async for row in result:
        yield _stored(row)
