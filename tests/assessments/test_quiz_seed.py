"""The demo course gets a quiz lesson with a three-question objective quiz; seeding is idempotent
and the course stays publishable."""

from __future__ import annotations

from sqlalchemy import select

from app.assessments import quizzes
from app.assessments.models import Quiz
from app.catalog import reads, service
from app.catalog.models import CourseStatus, Lesson, LessonType
from app.seed import seed


async def test_seeding_twice_adds_the_demo_quiz_once_and_keeps_the_course_publishable(
    database,
) -> None:
    first, second = await seed(database), await seed(database)
    assert (first["demo quiz"], second["demo quiz"]) == (1, 0)
    async with database.session() as session:
        course = (await reads.courses_by_slugs(session, ["python-for-absolute-beginners"]))[0]
        assert course is not None
        assert course.status == CourseStatus.PUBLISHED
        lessons = (
            await session.scalars(
                select(Lesson).where(Lesson.course_id == course.id, Lesson.type == LessonType.QUIZ)
            )
        ).all()
        assert len(lessons) == 1
        quiz = (await session.scalars(select(Quiz).where(Quiz.lesson_id == lessons[0].id))).one()
        questions = await quizzes.questions_of(session, quiz.id)
        assert quiz.passing_score_percentage == 70
        assert len(questions) == 3
        assert all(q.correct_answer for q in questions)
        assert await service.publication_problems(session, course) == []
