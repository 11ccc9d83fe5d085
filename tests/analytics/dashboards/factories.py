"""Rows the rollups read, written directly: events (until the recorder exists on this branch),
enrollments at given times, scored quiz attempts, reviews, paid orders and refunds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.analytics.models import AnalyticsEvent
from app.assessments.models import AttemptStatus, GradingStatus, Quiz, QuizAttempt
from app.catalog.models import Course, Lesson, PricingTier
from app.cms.models import CourseReview, ReviewStatus
from app.commerce.models import (
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from app.db import Database
from app.ids import new_id
from app.learning.models import (
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LessonProgress,
    ProgressStatus,
)
from tests.support.catalog import build_course, person

DAY = date(2026, 3, 10)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass
class World:
    teacher: User
    course: Course
    lessons: list[Lesson]
    quizzes: dict[uuid.UUID, Quiz]  # by lesson id


async def world(
    database: Database, *, modules: int = 2, lessons: int = 2, teacher: User | None = None
) -> World:
    """A published course of `teacher` (a new instructor by default), a quiz on every lesson."""
    owner = teacher or await person(database, UserRole.INSTRUCTOR, profile=True)
    async with database.transaction() as session:
        course = build_course(session, owner.id, modules=modules, lessons=lessons)
        await session.flush()
        rows = (
            await session.scalars(
                select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.title)
            )
        ).all()
        quizzes = {
            lesson.id: Quiz(id=new_id(), lesson_id=lesson.id, title=f"Quiz {lesson.title}")
            for lesson in rows
        }
        session.add_all(quizzes.values())
    return World(owner, course, list(rows), quizzes)


async def student(database: Database, name: str = "Ada") -> User:
    return await person(database, first_name=name, last_name="Learner")


async def enroll(
    database: Database,
    who: User,
    course: Course,
    *,
    on: date = DAY,
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
    completed_on: date | None = None,
    progress: int = 0,
) -> Enrollment:
    row = Enrollment(
        id=new_id(),
        student_id=who.id,
        course_id=course.id,
        status=EnrollmentStatus.COMPLETED if completed_on else status,
        source=EnrollmentSource.FREE,
        enrolled_at=at(on, 9),
        completed_at=at(completed_on, 18) if completed_on else None,
        withdrawn_at=at(on, 20) if status == EnrollmentStatus.DROPPED else None,
        progress_percentage=Decimal(100 if completed_on else progress),
    )
    async with database.transaction() as session:
        session.add(row)
    return row


async def complete_lesson(
    database: Database, enrollment: Enrollment, lesson: Lesson, *, on: date = DAY
) -> None:
    async with database.transaction() as session:
        session.add(
            LessonProgress(
                enrollment_id=enrollment.id,
                lesson_id=lesson.id,
                status=ProgressStatus.COMPLETED,
                completed_at=at(on, 15),
            )
        )


async def attempt(
    database: Database,
    enrollment: Enrollment,
    quiz: Quiz,
    score: float,
    *,
    on: date = DAY,
    number: int = 1,
    passing: float = 70,
) -> None:
    async with database.transaction() as session:
        session.add(
            QuizAttempt(
                quiz_id=quiz.id,
                student_id=enrollment.student_id,
                enrollment_id=enrollment.id,
                attempt_number=number,
                status=AttemptStatus.SUBMITTED,
                started_at=at(on, 10),
                submitted_at=at(on, 10, 30),
                score_percentage=Decimal(str(score)),
                is_passed=score >= passing,
                grading_status=GradingStatus.AUTO_GRADED,
                graded_at=at(on, 10, 30),
            )
        )


async def review(
    database: Database, who: User, course: Course, rating: int, *, on: date = DAY
) -> None:
    async with database.transaction() as session:
        session.add(
            CourseReview(
                user_id=who.id,
                course_id=course.id,
                rating=rating,
                status=ReviewStatus.APPROVED,
                created_at=at(on, 11),
            )
        )


async def events(database: Database, *rows: dict[str, Any]) -> None:
    """Insert analytics_events rows (keys of AnalyticsEvent; `occurred_at` defaults to DAY)."""
    async with database.transaction() as session:
        session.add_all(
            AnalyticsEvent(**{"occurred_at": at(DAY), "properties": {}, **row}) for row in rows
        )


def viewed(who: User, lesson: Lesson, when: datetime) -> dict[str, Any]:
    return {
        "event_type": "lesson.viewed",
        "user_id": who.id,
        "course_id": lesson.course_id,
        "entity_type": "lesson",
        "entity_id": lesson.id,
        "occurred_at": when,
    }


def watched(who: User, lesson: Lesson, seconds: int, when: datetime) -> dict[str, Any]:
    return {
        "event_type": "video.watched",
        "user_id": who.id,
        "course_id": lesson.course_id,
        "entity_type": "lesson",
        "entity_id": lesson.id,
        "properties": {"seconds": seconds},
        "occurred_at": when,
    }


def searched(query: str, results: int, when: datetime) -> dict[str, Any]:
    return {
        "event_type": "search.performed",
        "user_id": None,
        "properties": {"query": query, "results": results},
        "occurred_at": when,
    }


def days_back(day: date, n: int) -> list[date]:
    return [day - timedelta(days=i) for i in range(n)]


async def purchase(
    database: Database,
    who: User,
    course: Course,
    amount_minor: int,
    *,
    on: date = DAY,
    refunded_minor: int = 0,
    refunded_on: date | None = None,
) -> None:
    """A paid order of one course line (and a processed refund of part of it)."""
    order_id, payment_id, item_id = new_id(), new_id(), new_id()
    status = OrderStatus.PARTIALLY_REFUNDED if refunded_minor else OrderStatus.PAID
    async with database.transaction() as session:
        session.add(
            Order(
                id=order_id,
                user_id=who.id,
                status=status,
                subtotal_minor=amount_minor,
                total_minor=amount_minor,
                refunded_minor=refunded_minor,
                currency=course.currency,
                provider=PaymentProvider.LOCAL,
                payment_intent_id=f"pi_{order_id.hex}",
                paid_at=at(on, 8),
            )
        )
        await session.flush()
        session.add(
            OrderItem(
                id=item_id,
                order_id=order_id,
                course_id=course.id,
                title=course.title,
                tier=PricingTier.BASIC,
                unit_price_minor=amount_minor,
                total_minor=amount_minor,
                refunded_minor=refunded_minor,
            )
        )
        session.add(
            Payment(
                id=payment_id,
                order_id=order_id,
                user_id=who.id,
                provider=PaymentProvider.LOCAL,
                provider_payment_id=f"pi_{order_id.hex}",
                amount_minor=amount_minor,
                amount_refunded_minor=refunded_minor,
                currency=course.currency,
                status=PaymentStatus.SUCCEEDED,
                succeeded_at=at(on, 8),
            )
        )
        await session.flush()
        if refunded_minor:
            session.add(
                Refund(
                    payment_id=payment_id,
                    order_id=order_id,
                    order_item_id=item_id,
                    amount_minor=refunded_minor,
                    currency=course.currency,
                    status=RefundStatus.SUCCEEDED,
                    processed_at=at(refunded_on or on, 16),
                )
            )
