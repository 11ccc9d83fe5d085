"""Property 18: deleting a course leaves nothing beneath it behind."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.assessments.models import Assignment, Question, Quiz
from app.catalog import service, structure
from app.catalog.models import (
    Course,
    CourseModule,
    CourseObjective,
    CoursePricingTier,
    CourseRequirement,
    CourseResource,
    CourseTag,
    Lesson,
    LessonResource,
    LessonType,
    PricingTier,
    Tag,
)
from app.catalog.service import TierInput
from tests.support.authoring import actor, course, lesson_fields, rows

BENEATH = [
    CourseModule,
    Lesson,
    Quiz,
    Question,
    Assignment,
    LessonResource,
    CourseResource,
    CourseRequirement,
    CourseObjective,
    CourseTag,
    CoursePricingTier,
]


async def _counts(database) -> dict[str, int]:
    return {m.__name__: await rows(database, m) for m in BENEATH}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(modules=st.lists(st.lists(st.sampled_from(list(LessonType)), max_size=3), max_size=3))
async def test_property_18_deleting_a_course_removes_everything_beneath_it(
    database, modules
) -> None:
    owner = await actor(database)
    kept = await _build(database, owner, [[LessonType.QUIZ, LessonType.ASSIGNMENT]])
    baseline = await _counts(database)
    doomed = await _build(database, owner, modules)
    async with database.transaction() as session:
        await service.delete_course(session, actor=owner, course_id=doomed.id)
    assert await _counts(database) == baseline
    assert await rows(database, Course, Course.id == doomed.id) == 0
    assert await rows(database, Course, Course.id == kept.id) == 1
    assert await rows(database, Tag) >= 1  # shared tags outlive the course


async def _build(database, owner, modules):
    created = await course(
        database, owner, requirements=["A"], objectives=["B"], tags=["Shared", "More"]
    )
    async with database.transaction() as session:
        await service.set_course_pricing(
            session,
            actor=owner,
            course_id=created.id,
            is_free=False,
            tiers=[TierInput(PricingTier.BASIC, Decimal("1.00"))],
        )
        session.add(CourseResource(course_id=created.id, title="Slides", url="https://x.test/s"))
    for m, kinds in enumerate(modules):
        async with database.transaction() as session:
            module = await structure.add_module(
                session, actor=owner, course_id=created.id, title=f"M{m}"
            )
        for n, kind in enumerate(kinds):
            fields = await lesson_fields(database, kind)
            async with database.transaction() as session:
                lesson = await structure.add_lesson(
                    session, actor=owner, module_id=module.id, type=kind, title=f"L{n}", **fields
                )
                session.add(LessonResource(lesson_id=lesson.id, title="R", url="https://x.test/r"))
                if kind == LessonType.QUIZ:
                    quiz = Quiz(lesson_id=lesson.id, title="Check")
                    session.add(quiz)
                    await session.flush()
                    session.add(
                        Question(quiz_id=quiz.id, type="true_false", text="?", order_number=1)
                    )
                elif kind == LessonType.ASSIGNMENT:
                    session.add(Assignment(lesson_id=lesson.id, title="Do", instructions="It"))
    return created
