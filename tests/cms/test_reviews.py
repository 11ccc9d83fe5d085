"""Course reviews through the service: who may write one, one per course (also under a race),
the input limits, editing and deleting, instructor replies, hiding, and the rating columns that
follow every change."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.admin.models import ContentReport
from app.catalog.models import CourseInstructor
from app.cms import reviews
from app.cms.review_errors import ReviewsCode
from app.db import Database
from app.errors import Common, Forbidden, NotFound, UserFacingError
from app.learning.models import EnrollmentStatus
from app.outbox import OutboxEvent
from app.security.permissions import Actor
from tests.support.reviews import (
    admin,
    classroom,
    fresh_aggregate,
    review,
    review_count,
    stored_rating,
)


def codes(exc: pytest.ExceptionInfo[UserFacingError]) -> list[str]:
    return [e.code.value for e in exc.value.errors]


async def test_an_enrolled_students_review_is_visible_and_counted_at_once(
    database: Database,
) -> None:
    room = await classroom(database, students=2)
    first = await review(database, room.students[0], room.course, 5, title="Great", body="Yes")
    await review(database, room.students[1], room.course, 4)
    assert first.status == "approved"
    assert await stored_rating(database, room.course.id) == (Decimal("4.50"), 2)


async def test_a_review_emits_course_changed_in_its_transaction(database: Database) -> None:
    room = await classroom(database)
    await review(database, room.students[0], room.course, 3)
    async with database.session() as session:
        events = list(
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == "catalog.course_changed")
            )
        )
    assert any(e.payload["course_id"] == str(room.course.id) for e in events)


@pytest.mark.parametrize("status", [EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED])
async def test_active_and_completed_students_may_review(
    database: Database, status: EnrollmentStatus
) -> None:
    room = await classroom(database, students=0)
    student = await room.student(database, status)
    await review(database, student, room.course, 4)
    assert await stored_rating(database, room.course.id) == (Decimal("4.00"), 1)


@pytest.mark.parametrize(
    "status", [EnrollmentStatus.DROPPED, EnrollmentStatus.REFUNDED, EnrollmentStatus.REVOKED]
)
async def test_students_who_left_the_course_may_not_review(
    database: Database, status: EnrollmentStatus
) -> None:
    room = await classroom(database, students=0)
    student = await room.student(database, status)
    with pytest.raises(UserFacingError) as refused:
        await review(database, student, room.course, 4)
    assert codes(refused) == [ReviewsCode.NOT_ENROLLED_TO_REVIEW.value]
    assert await review_count(database, room.course.id) == 0


async def test_someone_never_enrolled_may_not_review(database: Database) -> None:
    room = await classroom(database, students=0)
    outsider = await room.student(database, EnrollmentStatus.DROPPED)
    with pytest.raises(UserFacingError) as refused:
        await review(database, outsider, room.course, 5)
    assert codes(refused) == ["NOT_ENROLLED_TO_REVIEW"]


async def test_the_courses_teachers_may_not_review_it(database: Database) -> None:
    room = await classroom(database)
    with pytest.raises(UserFacingError) as refused:
        await review(database, room.teacher, room.course, 5)
    assert codes(refused) == [ReviewsCode.CANNOT_REVIEW_OWN_COURSE.value]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rating=st.integers().filter(lambda r: not 1 <= r <= 5))
async def test_a_rating_outside_one_to_five_is_refused_and_nothing_is_written(
    database: Database, rating: int
) -> None:
    room = await classroom(database)
    with pytest.raises(UserFacingError) as refused:
        await review(database, room.students[0], room.course, rating)
    assert codes(refused) == [Common.OUT_OF_RANGE.value]
    assert await review_count(database, room.course.id) == 0


async def test_title_and_body_have_limits_and_the_body_is_sanitised(database: Database) -> None:
    room = await classroom(database)
    with pytest.raises(UserFacingError) as refused:
        await review(database, room.students[0], room.course, 5, title="t" * 121, body="b" * 5001)
    assert sorted(codes(refused)) == ["TOO_LONG", "TOO_LONG"]
    written = await review(
        database,
        room.students[0],
        room.course,
        5,
        title="<b>Nice</b> course",
        body='<p onclick="x()">Good<script>alert(1)</script></p>',
    )
    assert written.title == "Nice course"
    assert written.body == "<p>Good</p>"


async def test_two_racing_submissions_by_one_student_give_one_review(database: Database) -> None:
    room = await classroom(database)

    async def submit(rating: int) -> object:
        try:
            return await review(database, room.students[0], room.course, rating)
        except UserFacingError as exc:
            return [e.code.value for e in exc.errors]

    outcomes = await asyncio.gather(submit(5), submit(1))
    assert sorted(map(str, outcomes)).count(str([ReviewsCode.ALREADY_REVIEWED.value])) == 1
    assert await review_count(database, room.course.id) == 1
    assert await stored_rating(database, room.course.id) == await fresh_aggregate(
        database, room.course.id
    )


async def test_the_author_edits_the_review_and_the_rating_follows(database: Database) -> None:
    room = await classroom(database)
    written = await review(database, room.students[0], room.course, 5, title="Old", body="Body")
    async with database.transaction() as session:
        changed = await reviews.update_review(
            session, actor=Actor.of(room.students[0]), review_id=written.id, rating=2, title=None
        )
    assert (changed.rating, changed.title, changed.body) == (2, None, "Body")
    assert await stored_rating(database, room.course.id) == (Decimal("2.00"), 1)


async def test_nobody_else_edits_a_review(database: Database) -> None:
    room = await classroom(database, students=2)
    written = await review(database, room.students[0], room.course, 5)
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await reviews.update_review(
                session, actor=Actor.of(room.students[1]), review_id=written.id, rating=1
            )


async def test_the_author_or_an_admin_deletes_a_review(database: Database) -> None:
    room = await classroom(database, students=3)
    mine = await review(database, room.students[0], room.course, 5)
    theirs = await review(database, room.students[1], room.course, 1)
    outsider = Actor.of(room.students[2])
    with pytest.raises(NotFound):
        async with database.transaction() as session:
            await reviews.delete_review(session, actor=outsider, review_id=mine.id)
    async with database.transaction() as session:
        await reviews.delete_review(session, actor=Actor.of(room.students[0]), review_id=mine.id)
    async with database.transaction() as session:
        await reviews.delete_review(
            session, actor=Actor.of(await admin(database)), review_id=theirs.id
        )
    assert await stored_rating(database, room.course.id) == (None, 0)


async def test_the_owner_and_co_instructors_reply_once_and_may_edit_or_remove_it(
    database: Database,
) -> None:
    room = await classroom(database, students=1)
    helper = await room.student(database)
    async with database.transaction() as session:
        session.add(CourseInstructor(course_id=room.course.id, user_id=helper.id))
    written = await review(database, room.students[0], room.course, 3)
    async with database.transaction() as session:
        replied = await reviews.reply_to_review(
            session, actor=Actor.of(room.teacher), review_id=written.id, body="<p>Thanks</p>"
        )
    assert replied.reply_body == "<p>Thanks</p>"
    assert replied.reply_updated_at is None
    async with database.transaction() as session:
        edited = await reviews.reply_to_review(
            session, actor=Actor.of(helper), review_id=written.id, body="Fixed in v2"
        )
    assert edited.reply_body == "Fixed in v2"
    assert edited.reply_updated_at is not None
    async with database.transaction() as session:
        removed = await reviews.remove_review_reply(
            session, actor=Actor.of(room.teacher), review_id=written.id
        )
    assert removed.reply_body is None


async def test_a_student_may_not_reply_to_a_review(database: Database) -> None:
    room = await classroom(database, students=2)
    written = await review(database, room.students[0], room.course, 3)
    with pytest.raises(Forbidden):
        async with database.transaction() as session:
            await reviews.reply_to_review(
                session, actor=Actor.of(room.students[1]), review_id=written.id, body="Me too"
            )


async def test_a_hidden_review_leaves_the_rating_until_shown_again(database: Database) -> None:
    room = await classroom(database, students=2)
    low = await review(database, room.students[0], room.course, 1)
    await review(database, room.students[1], room.course, 5)
    moderator = Actor.of(await admin(database))
    async with database.transaction() as session:
        hidden = await reviews.hide_review(
            session, actor=moderator, review_id=low.id, note="Off topic"
        )
    assert (hidden.status, hidden.moderation_note) == ("hidden", "Off topic")
    assert await stored_rating(database, room.course.id) == (Decimal("5.00"), 1)
    async with database.transaction() as session:
        await reviews.unhide_review(session, actor=moderator, review_id=low.id)
    assert await stored_rating(database, room.course.id) == (Decimal("3.00"), 2)


async def test_only_moderators_hide_reviews(database: Database) -> None:
    room = await classroom(database)
    written = await review(database, room.students[0], room.course, 1)
    with pytest.raises(Forbidden):
        async with database.transaction() as session:
            await reviews.hide_review(session, actor=Actor.of(room.teacher), review_id=written.id)


async def test_a_reported_review_is_in_the_moderation_queue(database: Database) -> None:
    room = await classroom(database, students=2)
    written = await review(database, room.students[0], room.course, 1)
    async with database.transaction() as session:
        await reviews.report_review(
            session, actor=Actor.of(room.students[1]), review_id=written.id, reason="spam"
        )
    with pytest.raises(UserFacingError) as again:
        async with database.transaction() as session:
            await reviews.report_review(
                session, actor=Actor.of(room.students[1]), review_id=written.id, reason="spam"
            )
    assert codes(again) == ["ALREADY_REPORTED"]
    async with database.session() as session:
        report = await session.scalar(
            select(ContentReport).where(ContentReport.target_id == written.id)
        )
    assert report is not None
    assert report.target_type == "course_review"


DANGEROUS = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<p onclick="steal()">hi</p>',
        "<iframe src=//evil></iframe>",
        "<style>body{}</style>",
    ]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=st.text(max_size=40), attack=DANGEROUS, after=st.text(max_size=40))
async def test_property_63_review_bodies_and_replies_lose_dangerous_html(
    database: Database, before: str, attack: str, after: str
) -> None:
    """Property 63: HTML sanitization — a review's body and its reply keep no script, event
    handler, javascript: URL, frame or style, whatever surrounds them."""
    room = await classroom(database)
    written = await review(
        database, room.students[0], room.course, 4, body=f"x{before}{attack}{after}"
    )
    async with database.transaction() as session:
        replied = await reviews.reply_to_review(
            session, actor=Actor.of(room.teacher), review_id=written.id, body=f"y{attack}{after}"
        )
    for html in (written.body or "", replied.reply_body or ""):
        lowered = html.lower()
        assert not any(
            bad in lowered
            for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<style")
        )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=st.text(alphabet="abc ", min_size=121, max_size=300).filter(lambda t: len(t.split()) > 0),
    body=st.text(alphabet="xyz", min_size=5001, max_size=6000),
    rating=st.integers(min_value=-3, max_value=9),
)
async def test_property_62_review_input_outside_its_limits_changes_nothing(
    database: Database, title: str, body: str, rating: int
) -> None:
    """Property 62: input validation — a review with a title, body or rating outside its limits
    is refused with every field's error, and no review and no rating change is stored."""
    room = await classroom(database)
    with pytest.raises(UserFacingError) as refused:
        await review(database, room.students[0], room.course, rating, title=title, body=body)
    fields = {e.field for e in refused.value.errors}
    long_title = len(" ".join(title.split())) > 120
    assert fields >= {"body"} | ({"title"} if long_title else set())
    assert ("rating" in fields) == (not 1 <= rating <= 5)
    assert await review_count(database, room.course.id) == 0
    assert await stored_rating(database, room.course.id) == (None, 0)
