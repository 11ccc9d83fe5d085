"""The analytics domain's part of a GDPR export and erasure: the user's learning events are
exported; on erasure they lose their user id and properties (what happened in which course
still counts in course statistics, no longer whose it was), and the per-student aggregates
(totals and learning days) go; searches that held the user's e-mail or name go from the
trending and no-result lists."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.models import AnalyticsEvent, SearchQuery, StudentAnalytics
from app.analytics.rollup_models import SearchMissDaily, StudentDailyActivity
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
    days = await session.execute(
        select(
            StudentDailyActivity.day,
            StudentDailyActivity.seconds_learned,
            StudentDailyActivity.lessons_completed,
            StudentDailyActivity.learned,
        )
        .where(StudentDailyActivity.user_id == user_id)
        .order_by(StudentDailyActivity.day)
    )
    return {"events": plain_rows(events.all()), "learning_days": plain_rows(days.all())}


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    await session.execute(
        update(AnalyticsEvent)
        .where(AnalyticsEvent.user_id == subject.user_id)
        .values(user_id=None, properties={}, request_id=None)
    )
    for table in (StudentAnalytics, StudentDailyActivity):
        await session.execute(delete(table).where(table.user_id == subject.user_id))
    needles = [n.lower() for n in subject.needles()]
    if needles:
        for searches in (SearchQuery, SearchMissDaily):
            await session.execute(
                delete(searches).where(
                    or_(*(searches.query.contains(n, autoescape=True) for n in needles))
                )
            )
