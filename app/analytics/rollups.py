"""Daily rollups: the worker recomputes whole UTC days of aggregates, then the current totals.

`roll_up_days` replaces each day's rows (DELETE + INSERT … SELECT) in one transaction per day,
under a transaction-level advisory lock of that day, so rolling a day up again — or twice at
once — leaves exactly one set of rows (never double counts). It then refreshes
`course_analytics` / `student_analytics` (app/analytics/totals_repo.py) and, once committed,
bumps the analytics cache version so cached dashboards are recomputed from the new rows.
The schedule rolls up yesterday and today; the `roll_up_analytics_day` actor any given day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import structlog
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import rollups_repo, totals_repo
from app.analytics.dashboard_cache import bump_analytics_version
from app.clock import utcnow
from app.db import Database

log = structlog.get_logger(__name__)
_TOTALS_LOCK = 0  # a day's ordinal is never 0


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


async def roll_up_day(session: AsyncSession, day: date) -> None:
    """Replace every rollup row of `day` in the caller's transaction."""
    await rollups_repo.lock_day(session, day)
    lo, hi = day_bounds(day)
    await rollups_repo.replace_day(session, day, {"day": day, "lo": lo, "hi": hi})


async def refresh_totals(session: AsyncSession, *, today: date) -> None:
    """Recompute course_analytics and student_analytics (streaks as of `today`)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:space, :key)"),
        {"space": rollups_repo.LOCK_SPACE, "key": _TOTALS_LOCK},
    )
    await session.execute(text(totals_repo.COURSE_TOTALS))
    await session.execute(text(totals_repo.STUDENT_TOTALS), {"today": today})


async def roll_up_days(
    db: Database, redis: Redis | None, days: Iterable[date], *, today: date | None = None
) -> list[date]:
    """Roll up each day (one transaction each), refresh the totals, bump the dashboard cache."""
    done: list[date] = []
    for day in sorted(set(days)):
        async with db.transaction() as session:
            await roll_up_day(session, day)
        done.append(day)
    async with db.transaction() as session:
        await refresh_totals(session, today=today or utcnow().date())
    if redis is not None:
        await bump_analytics_version(redis)
    log.info("analytics.rolled_up", days=[d.isoformat() for d in done])
    return done


async def roll_up_recent(db: Database, redis: Redis | None, *, now: datetime) -> int:
    """The periodic job: yesterday (late events and refunds) and today so far."""
    today = now.astimezone(UTC).date()
    return len(await roll_up_days(db, redis, [today - timedelta(days=1), today], today=today))
