"""The analytics domain's part of a GDPR export and erasure: the user's learning events are
exported; on erasure they lose their user id and properties (what happened in which course
still counts in course statistics, no longer whose it was), and the per-student aggregates go."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.models import AnalyticsEvent, SearchQuery, StudentAnalytics
from app.privacy import ErasureSubject, plain_rows


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    events = await session.execute(
        select(
            AnalyticsEvent.id,
            AnalyticsEvent.event_type,
            AnalyticsEvent.entity_type,
            AnalyticsEvent.entity_id,
            AnalyticsEvent.course_id,
            AnalyticsEvent.properties,
            AnalyticsEvent.occurred_at,
        )
        .where(AnalyticsEvent.user_id == user_id)
        .order_by(AnalyticsEvent.occurred_at, AnalyticsEvent.id)
    )
    return {"events": plain_rows(events.all())}


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    await session.execute(
        update(AnalyticsEvent)
        .where(AnalyticsEvent.user_id == subject.user_id)
        .values(user_id=None, properties={}, request_id=None)
    )
    await session.execute(
        delete(StudentAnalytics).where(StudentAnalytics.user_id == subject.user_id)
    )
    needles = [n.lower() for n in subject.needles()]
    if needles:
        await session.execute(
            delete(SearchQuery).where(
                or_(*(SearchQuery.query.contains(n, autoescape=True) for n in needles))
            )
        )
