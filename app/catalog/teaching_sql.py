"""SQL text of what an instructor's page counts, shared by the batch reads
(`app.catalog.repo.instructors`) and the course documents (`app.catalog.documents`) so that both
answer the same numbers.

An instructor *teaches* a course they own (`courses.instructor_id`) or co-instruct
(`course_instructors` with role co_instructor; teaching assistants do not count); only published
courses count. Over those courses: the course count, the students (distinct, with an enrollment
that grants access: active or completed), the reviews (the sum of `courses.review_count`) and the
rating (the mean of `courses.average_rating` weighted by `review_count`, rounded to 2 decimals;
null without reviews).
"""

from __future__ import annotations

from app.catalog.models import CourseInstructorRole, CourseStatus
from app.catalog.visibility import ACCESS_STATUSES

_PUBLISHED = CourseStatus.PUBLISHED.value
_CO = CourseInstructorRole.CO_INSTRUCTOR.value
_ACCESS = ", ".join(f"'{s.value}'" for s in ACCESS_STATUSES)


def taught_courses(user: str) -> str:
    """FROM-able SQL of the published courses the user `user` (an SQL expression) teaches, as
    rows of `courses` (alias them)."""
    return (
        f"(SELECT tc.* FROM courses tc WHERE tc.status = '{_PUBLISHED}' AND (tc.instructor_id = "
        f"{user} OR EXISTS (SELECT 1 FROM course_instructors tci WHERE tci.course_id = tc.id "
        f"AND tci.user_id = {user} AND tci.role = '{_CO}')))"
    )


def stats_select(user: str) -> str:
    """SELECT of (course_count, student_count, review_count, rating) for the user `user`."""
    courses = taught_courses(user)
    students = (
        f"(SELECT count(DISTINCT e.student_id) FROM enrollments e JOIN {courses} sc "
        f"ON sc.id = e.course_id WHERE e.status IN ({_ACCESS}))"
    )
    return (
        f"SELECT count(*) AS course_count, {students} AS student_count, "
        "coalesce(sum(s.review_count), 0) AS review_count, "
        "round(sum(s.average_rating * s.review_count) FILTER (WHERE s.average_rating IS NOT NULL "
        "AND s.review_count > 0) / nullif(sum(s.review_count) FILTER (WHERE s.average_rating IS "
        "NOT NULL AND s.review_count > 0), 0), 2) AS rating "
        f"FROM {courses} s"
    )
