"""The SQL of `analytics_exports` (any kind of analytics file export)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.export_models import AnalyticsExport
from app.pagination import Page, PageRequest, SortKey, paginate


async def get_export(
    session: AsyncSession, export_id: uuid.UUID, *, lock: bool = False
) -> AnalyticsExport | None:
    return await session.get(AnalyticsExport, export_id, with_for_update=lock or None)


async def list_exports(
    session: AsyncSession, *, kind: str, request: PageRequest, with_total: bool = False
) -> Page[AnalyticsExport]:
    """One keyset page of the exports of `kind`, newest first."""
    return await paginate(
        session,
        select(AnalyticsExport).where(AnalyticsExport.kind == kind),
        order_by=[SortKey(AnalyticsExport.created_at.expression, descending=True)],
        tiebreaker=AnalyticsExport.id.expression,
        request=request,
        with_total=with_total,
    )
