"""Analytics actors: roll up a given UTC day, and build a queued CSV report."""

from __future__ import annotations

import uuid
from datetime import date

import dramatiq

from app.analytics.reports import build_pending_report
from app.analytics.rollups import roll_up_days
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime


@dramatiq.actor(max_retries=MAX_RETRIES)
async def roll_up_analytics_day(day: str) -> None:
    """Recompute the rollups of `day` (ISO date): re-running it replaces that day's rows."""
    runtime = get_runtime()
    await roll_up_days(runtime.db, runtime.redis, [date.fromisoformat(day)])


@dramatiq.actor(max_retries=MAX_RETRIES)
async def build_analytics_report(report_id: str) -> None:
    runtime = get_runtime()
    await build_pending_report(runtime.db, runtime.storage, uuid.UUID(report_id))
