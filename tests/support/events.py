"""Learning-event helpers: write what is buffered, read the stored events, query them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.analytics import EventType, record_event
from app.analytics.models import AnalyticsEvent
from app.analytics.recorder import EventFlusher
from app.db import Database
from tests.support.catalog import person, token_for
from tests.support.graphql import GraphQLClient


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


# --- learningEvents ----------------------------------------------------------------------------

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EVENTS = """query($filter: LearningEventFilter, $first: Int, $after: String) {
  learningEvents(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node {
      id type occurredAt userId courseId entityType entityId
      properties { seconds score passed attemptId query results source amount { amount currency } }
      statement
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def learning_events(client: GraphQLClient, token: str, **variables: Any) -> dict[str, Any]:
    outcome = await client.execute(EVENTS, variables, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data["learningEvents"]


def nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in page["edges"]]


async def admin_token(client: GraphQLClient, database: Database) -> str:
    return token_for(client, await person(database, UserRole.ADMIN))


def watched(learner: User, course_id: uuid.UUID, seconds: int, minutes: int) -> uuid.UUID:
    return record_event(
        EventType.VIDEO_WATCHED,
        user_id=learner.id,
        course_id=course_id,
        entity_type="lesson",
        entity_id=uuid.uuid4(),
        properties={"seconds": seconds},
        occurred_at=T0 + timedelta(minutes=minutes),
    )
