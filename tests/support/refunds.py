"""Refund test helpers: a paid order built directly in the database (one PURCHASE enrollment per
course, a succeeded payment) and a gateway stand-in that records refund calls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.analytics.models import CourseAnalytics
from app.catalog.models import Course, PricingTier
from app.clock import utcnow
from app.commerce import revenue
from app.commerce.models import (
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentProvider,
    PaymentStatus,
)
from app.db import Database
from app.ids import new_id
from app.integrations.payments_local import LocalGateway
from app.learning import service as learning
from app.learning.models import Enrollment, EnrollmentSource
from app.notifications.models import Notification, NotificationType
from tests.support import catalog as factories


@dataclass(frozen=True)
class Answer:
    id: str
    status: str
    amount_minor: int


@dataclass
class RecordingGateway:
    """Answers every refund with `status` (succeeded, pending or failed)."""

    status: str = "succeeded"
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def refund(
        self,
        *,
        payment_intent_id: str,
        amount_minor: int,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> Answer:
        self.calls.append(
            {
                "payment_intent_id": payment_intent_id,
                "amount_minor": amount_minor,
                "idempotency_key": idempotency_key,
                "metadata": metadata,
            }
        )
        return Answer(f"re_{uuid.uuid4().hex[:16]}", self.status, amount_minor)


async def paid_course(database: Database, price_minor: int = 10_000) -> Course:
    """A published course of 10 lessons (5 modules of 2) at one price."""
    owner = await factories.instructor(database)
    return await factories.course(
        database,
        owner.id,
        modules=5,
        lessons=2,
        tiers=(factories.Tier(PricingTier.BASIC, price_minor),),
    )


async def paid_order(
    database: Database,
    student: User,
    courses: list[Course],
    *,
    prices: list[int] | None = None,
    paid_at: datetime | None = None,
    intent: str | None = None,
) -> Order:
    """A paid order of these courses with its payment and the student's enrollments."""
    amounts = prices or [10_000] * len(courses)
    total = sum(amounts)
    intent = intent or f"pi_{uuid.uuid4().hex[:16]}"
    when = paid_at or utcnow()
    async with database.transaction() as session:
        order = Order(
            id=new_id(),
            user_id=student.id,
            status=OrderStatus.PAID,
            subtotal_minor=total,
            total_minor=total,
            currency="USD",
            provider=PaymentProvider.LOCAL,
            payment_intent_id=intent,
            paid_at=when,
        )
        session.add(order)
        await session.flush()
        for course, amount in zip(courses, amounts, strict=True):
            session.add(
                OrderItem(
                    order_id=order.id,
                    course_id=course.id,
                    title=course.title,
                    tier=PricingTier.BASIC,
                    unit_price_minor=amount,
                    total_minor=amount,
                )
            )
        session.add(
            Payment(
                order_id=order.id,
                user_id=student.id,
                provider=PaymentProvider.LOCAL,
                provider_payment_id=intent,
                amount_minor=total,
                currency="USD",
                status=PaymentStatus.SUCCEEDED,
                succeeded_at=when,
            )
        )
        for course in courses:
            await learning.enroll_student(
                session,
                student_id=student.id,
                course_id=course.id,
                source=EnrollmentSource.PURCHASE,
                order_id=order.id,
            )
        await revenue.recompute_course_revenue(session, [c.id for c in courses])
    return order


async def locally_paid_order(
    database: Database, gateway: LocalGateway, student: User, courses: list[Course]
) -> Order:
    """A paid order whose PaymentIntent succeeded at the local gateway (so it can be refunded)."""
    total = 10_000 * len(courses)
    intent = await gateway.create_payment_intent(
        amount_minor=total,
        currency="USD",
        customer_id=None,
        metadata={},
        idempotency_key=f"test:{uuid.uuid4()}",
    )
    await gateway.complete_intent(intent.id, succeeded=True)
    return await paid_order(database, student, courses, intent=intent.id)


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


async def reload_order(database: Database, order_id: uuid.UUID) -> Order:
    async with database.session() as session:
        found = await session.get(Order, order_id)
        assert found is not None
        return found


async def enrollment_of(database: Database, student: User, course: Course) -> Enrollment:
    async with database.session() as session:
        found = await session.scalar(
            select(Enrollment).where(
                Enrollment.student_id == student.id, Enrollment.course_id == course.id
            )
        )
        assert found is not None
        return found


async def refund_notifications(database: Database, user: User) -> int:
    async with database.session() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.recipient_id == user.id,
                    Notification.type == NotificationType.REFUND_PROCESSED,
                )
            )
            or 0
        )


async def course_revenue(database: Database, course: Course) -> int | None:
    async with database.session() as session:
        row = await session.get(CourseAnalytics, course.id)
        return None if row is None else row.revenue_minor


async def store_event(database: Database, event_type: str, obj: dict[str, Any]) -> uuid.UUID:
    """A stored provider event, as the webhook route would have written it."""
    event_id = f"evt_{uuid.uuid4().hex[:16]}"
    async with database.transaction() as session:
        row = PaymentEvent(
            provider=PaymentProvider.LOCAL,
            provider_event_id=event_id,
            type=event_type,
            payload={"id": event_id, "type": event_type, "data": {"object": obj}},
        )
        session.add(row)
        await session.flush()
        return row.id
