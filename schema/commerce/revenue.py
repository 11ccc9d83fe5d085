"""Revenue reports: an instructor's revenue per course and the admins' sales per day.

Reports never add up different currencies: one row (and one total) per currency, every amount a
`Money` in it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import strawberry

from app.commerce import revenue
from schema.catalog.types import Course
from schema.commerce.orders import course_of
from schema.core.context import Info
from schema.core.money import Money


@strawberry.input(description="A time range: from (inclusive) to (exclusive).")
class RevenueRange:
    start: datetime = strawberry.field(name="from")
    end: datetime = strawberry.field(name="to")

    def period(self) -> revenue.DateRange:
        return revenue.DateRange(self.start, self.end)


@strawberry.type(description="One course's revenue in one currency.")
class CourseRevenue:
    title: str = strawberry.field(description="The course's title now.")
    gross: Money = strawberry.field(description="Paid order lines, after discounts, before tax.")
    refunds: Money = strawberry.field(description="Refunds processed on those lines.")
    net: Money = strawberry.field(description="gross - refunds.")
    course_id: strawberry.Private[uuid.UUID]

    @classmethod
    def of(cls, row: revenue.CourseRevenue) -> CourseRevenue:
        return cls(
            title=row.title,
            gross=Money.of(row.gross_minor, row.currency),
            refunds=Money.of(row.refunds_minor, row.currency),
            net=Money.of(row.net_minor, row.currency),
            course_id=row.course_id,
        )

    @strawberry.field(description="The course, while it exists and is visible to you.")
    async def course(self, info: Info) -> Course | None:
        return await course_of(info, self.course_id)


@strawberry.type(description="Totals of one currency.")
class RevenueTotal:
    gross: Money
    refunds: Money
    net: Money


@strawberry.type(description="Your courses' sales paid and refunds processed within the range.")
class InstructorRevenue:
    courses: list[CourseRevenue]
    totals: list[RevenueTotal] = strawberry.field(description="One per currency.")

    @classmethod
    def of(cls, rows: list[revenue.CourseRevenue]) -> InstructorRevenue:
        totals: dict[str, list[int]] = {}
        for row in rows:
            money = totals.setdefault(row.currency, [0, 0])
            money[0] += row.gross_minor
            money[1] += row.refunds_minor
        return cls(
            courses=[CourseRevenue.of(r) for r in rows],
            totals=[
                RevenueTotal(gross=Money.of(g, c), refunds=Money.of(r, c), net=Money.of(g - r, c))
                for c, (g, r) in sorted(totals.items())
            ],
        )


@strawberry.type(
    description="One UTC day of sales in one currency (net = gross - discounts - refunds)."
)
class SalesDay:
    day: date
    orders: int = strawberry.field(description="Orders paid that day.")
    gross: Money = strawberry.field(description="Their subtotals.")
    discount: Money
    tax: Money
    refunds: Money = strawberry.field(description="Refunds processed that day.")
    net: Money

    @classmethod
    def of(cls, row: revenue.DaySales) -> SalesDay:
        cur = row.currency
        return cls(
            day=row.day,
            orders=row.orders,
            gross=Money.of(row.gross_minor, cur),
            discount=Money.of(row.discount_minor, cur),
            tax=Money.of(row.tax_minor, cur),
            refunds=Money.of(row.refunds_minor, cur),
            net=Money.of(row.net_minor, cur),
        )
