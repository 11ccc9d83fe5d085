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
    rows of `courses` (alias them): owned ones, then co-instructed ones they do not own — two
    index lookups (`courses.instructor_id`, `course_instructors.user_id`), no scan of the
    catalogue."""
    return (
        f"(SELECT tc.* FROM courses tc WHERE tc.instructor_id = {user} "
        f"AND tc.status = '{_PUBLISHED}' "
        "UNION ALL SELECT tc.* FROM course_instructors tci "
        "JOIN courses tc ON tc.id = tci.course_id "
        f"WHERE tci.user_id = {user} AND tci.role = '{_CO}' AND tc.status = '{_PUBLISHED}' "
        f"AND tc.instructor_id <> {user})"
    )


_RATED = "s.average_rating IS NOT NULL AND s.review_count > 0"
# each number over the taught courses `s` (only the student count reads enrollments)
_STATS = {
    "course_count": "count(*)",
    "review_count": "coalesce(sum(s.review_count), 0)",
    "rating": (
        f"round(sum(s.average_rating * s.review_count) FILTER (WHERE {_RATED}) / "
        f"nullif(sum(s.review_count) FILTER (WHERE {_RATED}), 0), 2)"
    ),
}


def _students(user: str) -> str:
    return (
        f"(SELECT count(DISTINCT e.student_id) FROM enrollments e JOIN {taught_courses(user)} sc "
        f"ON sc.id = e.course_id WHERE e.status IN ({_ACCESS}))"
    )


def stat_select(column: str, user: str) -> str:
    """SELECT of one number (`course_count`, `student_count`, `review_count` or `rating`) for
    the user `user`: what a document asks for one field, without computing the others."""
    if column == "student_count":
        return f"SELECT {_students(user)} AS student_count"
    return f"SELECT {_STATS[column]} AS {column} FROM {taught_courses(user)} s"


def stats_select(user: str) -> str:
    """SELECT of (course_count, student_count, review_count, rating) for the user `user`."""
    numbers = ", ".join(f"{sql} AS {name}" for name, sql in _STATS.items())
    return f"SELECT {numbers}, {_students(user)} AS student_count FROM {taught_courses(user)} s"
