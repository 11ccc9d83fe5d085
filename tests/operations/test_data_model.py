"""The database itself keeps the promises the services rely on: uniqueness, ranges, ordering and
what survives a deletion. Each test writes through the ORM to the real PostgreSQL schema built by
the migrations, so a missing constraint in a model or in the migration makes it fail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User, UserRole
from app.assessments.models import (
    Assignment,
    Question,
    QuestionType,
    Quiz,
    QuizAttempt,
)
from app.catalog.models import (
    Course,
    CourseModule,
    CoursePricingTier,
    CourseResource,
    Lesson,
    LessonResource,
    LessonType,
    PricingTier,
)
from app.clock import utcnow
from app.cms.models import CourseReview
from app.commerce.models import (
    Coupon,
    CouponRedemption,
    DiscountType,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentProvider,
)
from app.communication.models import DiscussionPost, DiscussionThread, PostVote
from app.db import Database
from app.learning.models import Certificate, Enrollment, EnrollmentSource, LessonProgress
from app.media.models import FileAsset, FilePurpose, StorageBackend

# clean_state fetches redis_client lazily, which fails inside its running loop unless the session
# fixture already exists; asking for it up front sets it up first.
pytestmark = pytest.mark.usefixtures("redis_client")

DB_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@dataclass
class CourseTree:
    instructor_id: uuid.UUID
    course_id: uuid.UUID
    module_ids: list[uuid.UUID]
    lesson_id: uuid.UUID


async def add(session: AsyncSession, *rows: Any) -> None:
    session.add_all(rows)
    await session.flush()


async def make_user(db: Database, **kwargs: Any) -> uuid.UUID:
    user = User(
        email=f"{uuid.uuid4().hex[:12]}@example.com",
        first_name="Ada",
        last_name="Lovelace",
        password_hash="argon2-hash",
        **kwargs,
    )
    async with db.transaction() as session:
        await add(session, user)
    return user.id


async def make_course(db: Database, *, modules: int = 1) -> CourseTree:
    instructor_id = await make_user(db, role=UserRole.INSTRUCTOR)
    async with db.transaction() as session:
        course = Course(instructor_id=instructor_id, title="SQL", slug=f"sql-{uuid.uuid4().hex}")
        await add(session, course)
        mods = [
            CourseModule(course_id=course.id, title=f"M{n}", order_number=n)
            for n in range(1, modules + 1)
        ]
        await add(session, *mods)
        lesson = Lesson(
            module_id=mods[0].id,
            course_id=course.id,
            type=LessonType.QUIZ,
            title="L1",
            order_number=1,
        )
        await add(session, lesson)
    return CourseTree(instructor_id, course.id, [m.id for m in mods], lesson.id)


async def insert_fails(db: Database, constraint: str, *rows: Any) -> None:
    with pytest.raises(IntegrityError) as exc_info:
        async with db.transaction() as session:
            await add(session, *rows)
    assert constraint in str(exc_info.value)


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


# --- uniqueness the services rely on -------------------------------------------------------


async def test_a_student_cannot_be_enrolled_twice_in_one_course(database: Database) -> None:
    """Property 22 (database half): duplicate enrollment prevention."""
    tree = await make_course(database)
    student = await make_user(database)

    def enrollment() -> Enrollment:
        return Enrollment(
            student_id=student, course_id=tree.course_id, source=EnrollmentSource.FREE
        )

    async with database.transaction() as session:
        await add(session, enrollment())
    await insert_fails(database, "uq_enrollments_student_id_course_id", enrollment())
    assert await count(database, Enrollment) == 1


async def test_a_payment_event_is_stored_once_per_provider_event_id(database: Database) -> None:
    def event() -> PaymentEvent:
        return PaymentEvent(
            provider=PaymentProvider.STRIPE,
            provider_event_id="evt_123",
            type="payment_intent.succeeded",
            payload={"id": "evt_123"},
        )

    async with database.transaction() as session:
        await add(session, event())
    await insert_fails(database, "uq_payment_events_provider_event_id", event())


async def test_a_user_votes_on_a_post_at_most_once(database: Database) -> None:
    """Property 46 (database half): vote duplicate prevention."""
    tree = await make_course(database)
    voter = await make_user(database)
    async with database.transaction() as session:
        thread = DiscussionThread(course_id=tree.course_id, title="Q", body="?")
        await add(session, thread)
        post = DiscussionPost(thread_id=thread.id, body="answer")
        await add(session, post)
        await add(session, PostVote(post_id=post.id, user_id=voter))
    await insert_fails(
        database, "pk_post_votes", PostVote(post_id=post.id, user_id=voter, value=-1)
    )


async def test_a_thread_has_at_most_one_accepted_solution(database: Database) -> None:
    tree = await make_course(database)
    async with database.transaction() as session:
        thread = DiscussionThread(course_id=tree.course_id, title="Q", body="?")
        await add(session, thread)
        await add(session, DiscussionPost(thread_id=thread.id, body="a", is_solution=True))
    second = DiscussionPost(thread_id=thread.id, body="b", is_solution=True)
    await insert_fails(database, "uq_discussion_posts_one_solution", second)


async def test_one_review_per_student_and_course(database: Database) -> None:
    tree = await make_course(database)
    student = await make_user(database)

    def review() -> CourseReview:
        return CourseReview(user_id=student, course_id=tree.course_id, rating=4)

    async with database.transaction() as session:
        await add(session, review())
    await insert_fails(database, "uq_course_reviews_user_id_course_id", review())


async def test_a_student_has_one_quiz_attempt_in_progress_at_a_time(database: Database) -> None:
    tree = await make_course(database)
    student = await make_user(database)
    async with database.transaction() as session:
        quiz = Quiz(lesson_id=tree.lesson_id, title="Q")
        enrollment = Enrollment(
            student_id=student, course_id=tree.course_id, source=EnrollmentSource.FREE
        )
        await add(session, quiz, enrollment)
        await add(
            session,
            QuizAttempt(
                quiz_id=quiz.id, student_id=student, enrollment_id=enrollment.id, attempt_number=1
            ),
        )
    second = QuizAttempt(
        quiz_id=quiz.id, student_id=student, enrollment_id=enrollment.id, attempt_number=2
    )
    await insert_fails(database, "uq_quiz_attempts_one_in_progress", second)


# --- ranges and shapes ----------------------------------------------------------------------


@DB_SETTINGS
@given(price=st.integers(min_value=-(10**12), max_value=10**12))
async def test_a_tier_price_is_accepted_exactly_when_it_is_not_negative(
    database: Database, price: int
) -> None:
    tree = await make_course(database)
    tier = CoursePricingTier(course_id=tree.course_id, tier=PricingTier.PRO, price_minor=price)
    if price >= 0:
        async with database.transaction() as session:
            await add(session, tier)
    else:
        await insert_fails(database, "ck_course_pricing_tiers_price_non_negative", tier)


@DB_SETTINGS
@given(rating=st.integers(min_value=-5, max_value=10))
async def test_a_review_rating_is_accepted_exactly_when_it_is_one_to_five(
    database: Database, rating: int
) -> None:
    tree = await make_course(database)
    student = await make_user(database)
    review = CourseReview(user_id=student, course_id=tree.course_id, rating=rating)
    if 1 <= rating <= 5:
        async with database.transaction() as session:
            await add(session, review)
    else:
        await insert_fails(database, "ck_course_reviews_rating_range", review)


async def test_progress_percentage_stays_within_zero_and_hundred(database: Database) -> None:
    tree = await make_course(database)
    student = await make_user(database)
    enrollment = Enrollment(
        student_id=student,
        course_id=tree.course_id,
        source=EnrollmentSource.FREE,
        progress_percentage=Decimal("100.01"),
    )
    await insert_fails(database, "ck_enrollments_progress_range", enrollment)


async def test_module_order_numbers_are_positive(database: Database) -> None:
    tree = await make_course(database)
    module = CourseModule(course_id=tree.course_id, title="zero", order_number=0)
    await insert_fails(database, "ck_course_modules_order_number_positive", module)


async def test_an_order_total_must_add_up(database: Database) -> None:
    order = Order(subtotal_minor=5000, discount_minor=1000, tax_minor=0, total_minor=5000)
    await insert_fails(database, "ck_orders_total_adds_up", order)


async def test_orders_get_positive_increasing_receipt_numbers(database: Database) -> None:
    async with database.transaction() as session:
        first = Order(subtotal_minor=100, total_minor=100)
        second = Order(subtotal_minor=200, total_minor=200)
        await add(session, first)
        await add(session, second)
    assert 0 < first.number < second.number


async def test_coupon_codes_are_stored_upper_case(database: Database) -> None:
    coupon = Coupon(code="save10", discount_type=DiscountType.PERCENTAGE, percent_off=10)
    await insert_fails(database, "ck_coupons_code_upper", coupon)


async def test_a_fixed_coupon_needs_an_amount_and_a_currency(database: Database) -> None:
    coupon = Coupon(code="FIVE", discount_type=DiscountType.FIXED, percent_off=5)
    await insert_fails(database, "ck_coupons_discount_shape", coupon)


async def test_a_coupon_cannot_be_used_more_often_than_its_limit(database: Database) -> None:
    async with database.transaction() as session:
        coupon = Coupon(
            code="ONCE", discount_type=DiscountType.PERCENTAGE, percent_off=50, usage_limit=1
        )
        await add(session, coupon)
        coupon.used_count = 1
    with pytest.raises(IntegrityError, match="ck_coupons_used_within_limit"):
        async with database.transaction() as session:
            await session.execute(
                update(Coupon)
                .where(Coupon.id == coupon.id)
                .values(used_count=Coupon.used_count + 1)
            )


# --- deferred ordering (reorder in one transaction) -----------------------------------------


async def test_two_modules_can_swap_order_numbers_in_one_transaction(database: Database) -> None:
    """Property 15 (database half): reordering keeps numbers unique without a temporary gap."""
    tree = await make_course(database, modules=2)
    first, second = tree.module_ids
    async with database.transaction() as session:
        await session.execute(
            update(CourseModule).where(CourseModule.id == first).values(order_number=2)
        )
        await session.execute(
            update(CourseModule).where(CourseModule.id == second).values(order_number=1)
        )
    async with database.session() as session:
        order = await session.scalars(select(CourseModule.id).order_by(CourseModule.order_number))
        assert list(order) == [second, first]


async def test_committing_two_modules_with_one_order_number_fails(database: Database) -> None:
    """Property 13 (database half): module order numbers are unique within a course."""
    tree = await make_course(database, modules=2)
    with pytest.raises(IntegrityError, match="uq_course_modules_course_id_order_number"):
        async with database.transaction() as session:
            await session.execute(
                update(CourseModule)
                .where(CourseModule.id == tree.module_ids[1])
                .values(order_number=1)
            )
    async with database.session() as session:
        numbers = await session.scalars(
            select(CourseModule.order_number).order_by(CourseModule.order_number)
        )
        assert list(numbers) == [1, 2]


@DB_SETTINGS
@given(permutation=st.permutations(range(1, 6)))
async def test_any_permutation_of_lesson_order_commits_in_one_transaction(
    database: Database, permutation: list[int]
) -> None:
    """Property 15: any reorder of a module's lessons commits, numbers unique and gapless."""
    tree = await make_course(database)
    async with database.transaction() as session:
        await session.execute(delete(Lesson).where(Lesson.id == tree.lesson_id))
        lessons = [
            Lesson(
                module_id=tree.module_ids[0],
                course_id=tree.course_id,
                type=LessonType.TEXT,
                title=f"L{n}",
                order_number=n,
            )
            for n in range(1, 6)
        ]
        await add(session, *lessons)
    async with database.transaction() as session:
        for lesson, number in zip(lessons, permutation, strict=True):
            await session.execute(
                update(Lesson).where(Lesson.id == lesson.id).values(order_number=number)
            )
    async with database.session() as session:
        rows = await session.execute(
            select(Lesson.id, Lesson.order_number).where(Lesson.module_id == tree.module_ids[0])
        )
        stored = {lesson_id: number for lesson_id, number in rows}
    assert stored == {lesson.id: n for lesson, n in zip(lessons, permutation, strict=True)}


# --- what a deletion takes with it and what it leaves ---------------------------------------


async def _course_with_content_and_a_sale(
    database: Database,
) -> tuple[CourseTree, uuid.UUID, uuid.UUID]:
    tree = await make_course(database)
    student = await make_user(database)
    async with database.transaction() as session:
        asset = FileAsset(
            purpose=FilePurpose.LESSON_RESOURCE,
            storage_backend=StorageBackend.LOCAL,
            storage_key=f"res/{uuid.uuid4().hex}",
            file_name="notes.pdf",
            content_type="application/pdf",
            size_bytes=10,
        )
        quiz = Quiz(lesson_id=tree.lesson_id, title="Q")
        order = Order(
            user_id=student, subtotal_minor=4900, total_minor=4900, status=OrderStatus.PAID
        )
        await add(session, asset, quiz, order)
        enrollment = Enrollment(
            student_id=student,
            course_id=tree.course_id,
            source=EnrollmentSource.PURCHASE,
            order_id=order.id,
        )
        await add(
            session,
            Question(
                quiz_id=quiz.id,
                type=QuestionType.TRUE_FALSE,
                text="?",
                correct_answer=True,
                order_number=1,
            ),
            Assignment(lesson_id=tree.lesson_id, title="A", instructions="do"),
            LessonResource(lesson_id=tree.lesson_id, title="notes", file_asset_id=asset.id),
            CourseResource(course_id=tree.course_id, title="site", url="https://example.com"),
            CoursePricingTier(course_id=tree.course_id, tier=PricingTier.BASIC, price_minor=4900),
            OrderItem(
                order_id=order.id,
                course_id=tree.course_id,
                title="SQL",
                tier=PricingTier.BASIC,
                unit_price_minor=4900,
                total_minor=4900,
            ),
            enrollment,
        )
        await add(session, LessonProgress(enrollment_id=enrollment.id, lesson_id=tree.lesson_id))
        await add(
            session,
            Payment(
                order_id=order.id,
                user_id=student,
                provider=PaymentProvider.LOCAL,
                provider_payment_id=f"pi_{uuid.uuid4().hex}",
                amount_minor=4900,
            ),
            Certificate(
                enrollment_id=enrollment.id,
                user_id=student,
                course_id=tree.course_id,
                certificate_number="EWS-2026-AB12CD",
                verification_code=uuid.uuid4().hex,
                student_name="Ada Lovelace",
                course_title="SQL",
            ),
        )
    return tree, student, order.id


async def test_deleting_a_course_removes_everything_beneath_it(database: Database) -> None:
    """Property 18: cascade deletion integrity — no orphaned content is left."""
    tree, _, _ = await _course_with_content_and_a_sale(database)
    async with database.transaction() as session:
        await session.execute(delete(Course).where(Course.id == tree.course_id))
    for model in (
        CourseModule,
        Lesson,
        Quiz,
        Question,
        Assignment,
        LessonResource,
        CourseResource,
        CoursePricingTier,
        Enrollment,
        LessonProgress,
    ):
        assert await count(database, model) == 0, model.__tablename__


async def test_deleting_a_course_keeps_its_orders_and_certificates(database: Database) -> None:
    """Property 18, financial side: orders and payments are never lost with a course."""
    tree, _, order_id = await _course_with_content_and_a_sale(database)
    async with database.transaction() as session:
        await session.execute(delete(Course).where(Course.id == tree.course_id))
    async with database.session() as session:
        item = (await session.scalars(select(OrderItem))).one()
        certificate = (await session.scalars(select(Certificate))).one()
    assert (item.order_id, item.course_id, item.title, item.total_minor) == (
        order_id,
        None,
        "SQL",
        4900,
    )
    assert await count(database, Order) == 1
    assert await count(database, Payment) == 1
    assert (certificate.course_id, certificate.enrollment_id) == (None, None)
    assert certificate.course_title == "SQL"


async def test_deleting_a_user_keeps_their_orders_and_payments(database: Database) -> None:
    _, student, order_id = await _course_with_content_and_a_sale(database)
    async with database.transaction() as session:
        await session.execute(delete(User).where(User.id == student))
    async with database.session() as session:
        order = await session.get_one(Order, order_id)
        payment = (await session.scalars(select(Payment))).one()
    assert (order.user_id, order.total_minor) == (None, 4900)
    assert (payment.order_id, payment.user_id) == (order_id, None)


async def test_an_order_with_a_payment_cannot_be_deleted(database: Database) -> None:
    _, _, order_id = await _course_with_content_and_a_sale(database)
    with pytest.raises(IntegrityError, match="fk_payments_order_id_orders"):
        async with database.transaction() as session:
            await session.execute(delete(Order).where(Order.id == order_id))
    assert await count(database, Order) == 1


async def test_a_file_still_attached_to_a_lesson_cannot_be_deleted(database: Database) -> None:
    await _course_with_content_and_a_sale(database)
    with pytest.raises(IntegrityError, match="fk_lesson_resources_file_asset_id_file_assets"):
        async with database.transaction() as session:
            await session.execute(delete(FileAsset))
    assert await count(database, FileAsset) == 1


async def test_a_coupon_redemption_is_recorded_once_per_order(database: Database) -> None:
    student = await make_user(database)
    async with database.transaction() as session:
        coupon = Coupon(code="HALF", discount_type=DiscountType.PERCENTAGE, percent_off=50)
        order = Order(user_id=student, subtotal_minor=100, discount_minor=50, total_minor=50)
        await add(session, coupon, order)
        await add(
            session,
            CouponRedemption(
                coupon_id=coupon.id, user_id=student, order_id=order.id, discount_minor=50
            ),
        )
    again = CouponRedemption(
        coupon_id=coupon.id, user_id=student, order_id=order.id, discount_minor=50
    )
    await insert_fails(database, "uq_coupon_redemptions_coupon_id_order_id", again)


async def test_timestamps_are_stored_with_time_zone(database: Database) -> None:
    tree = await make_course(database)
    async with database.session() as session:
        course = await session.get_one(Course, tree.course_id)
    assert course.created_at.utcoffset() == timedelta(0)
    assert abs(course.created_at - utcnow()) < timedelta(minutes=5)
