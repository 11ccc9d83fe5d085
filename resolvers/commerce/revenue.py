"""Revenue root fields: instructorRevenue and salesReport (admins)."""

from __future__ import annotations

import strawberry

from app.commerce import revenue as service
from schema.commerce.revenue import InstructorRevenue, RevenueRange, SalesDay
from schema.core.admin_only import admin_field
from schema.core.auth import require_actor
from schema.core.context import Info


@strawberry.type
class Query:
    @strawberry.field(
        description="Your own courses' revenue: sales paid and refunds processed in the range, "
        "per course and currency, with totals per currency."
    )
    async def instructor_revenue(self, info: Info, range: RevenueRange) -> InstructorRevenue | None:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            rows = await service.instructor_revenue(session, actor=actor, period=range.period())
        return InstructorRevenue.of(rows)

    @admin_field(
        description="Admins: paid orders, gross, discounts, tax, refunds and net per UTC day "
        "and currency."
    )
    async def sales_report(self, info: Info, range: RevenueRange) -> list[SalesDay]:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            rows = await service.sales_report(session, actor=actor, period=range.period())
        return [SalesDay.of(r) for r in rows]
