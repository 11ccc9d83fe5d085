"""SQL of the dashboards: reads of the rollup tables (and of small current-state tables:
enrollments, course_analytics, the grading work waiting) — never of the raw events. Each function
is one statement, whatever the number of courses, lessons or days."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.teaching_sql import taught_courses

_GRADING = """
SELECT l.course_id, count(*) AS n FROM quiz_attempts qa JOIN quizzes q ON q.id = qa.quiz_id
  JOIN lessons l ON l.id = q.lesson_id
  WHERE qa.grading_status = 'pending_review' AND l.course_id IN (SELECT id FROM taught)
  GROUP BY l.course_id
UNION ALL
SELECT l.course_id, count(*) FROM assignment_submissions s JOIN assignments a
  ON a.id = s.assignment_id JOIN lessons l ON l.id = a.lesson_id
  WHERE s.grading_status IN ('submitted', 'under_review') AND l.course_id IN (SELECT id FROM taught)
  GROUP BY l.course_id
UNION ALL
SELECT e.course_id, count(*) FROM exam_submissions es JOIN exams e ON e.id = es.exam_id
  WHERE es.status = 'submitted' AND e.course_id IN (SELECT id FROM taught)
  GROUP BY e.course_id
"""

INSTRUCTOR_COURSES = f"""
WITH taught AS (SELECT * FROM {taught_courses(":uid")} t)
SELECT t.id, t.title, t.currency, ca.average_rating,
  coalesce((ca.engagement ->> 'reviews')::int, 0),
  ca.completion_rate, ca.dropout_rate, ca.total_enrollments,
  coalesce(d.enrollments, 0), coalesce(d.completions, 0), coalesce(d.revenue, 0),
  coalesce(d.refunds, 0), coalesce(d.quiz_attempts, 0), d.quiz_score_sum,
  coalesce(d.watched, 0), coalesce(a.learners, 0), coalesce(g.n, 0)
FROM taught t
LEFT JOIN course_analytics ca ON ca.course_id = t.id
LEFT JOIN (
  SELECT course_id, sum(enrollments) AS enrollments, sum(completions) AS completions,
    sum(revenue_minor) AS revenue, sum(refunds_minor) AS refunds,
    sum(quiz_attempts) AS quiz_attempts, sum(quiz_score_sum) AS quiz_score_sum,
    sum(watched_seconds) AS watched
  FROM course_daily_stats
  WHERE course_id IN (SELECT id FROM taught) AND day BETWEEN :start AND :end
  GROUP BY course_id
) d ON d.course_id = t.id
LEFT JOIN (
  SELECT course_id, count(*) AS learners FROM enrollments
  WHERE course_id IN (SELECT id FROM taught) AND status IN ('active', 'completed')
    AND last_accessed_at >= :lo AND last_accessed_at < :hi
  GROUP BY course_id
) a ON a.course_id = t.id
LEFT JOIN (SELECT course_id, sum(n) AS n FROM ({_GRADING}) w GROUP BY course_id) g
  ON g.course_id = t.id
ORDER BY t.title, t.id
"""  # noqa: S608 - fixed fragments; every value is a bound parameter

INSTRUCTOR_FUNNEL = f"""
WITH taught AS (SELECT * FROM {taught_courses(":uid")} t)
SELECT l.course_id, l.id, m.title, l.title, coalesce(s.viewers, 0), coalesce(s.completers, 0),
  coalesce(s.attempts, 0), coalesce(s.failures, 0)
FROM lessons l JOIN course_modules m ON m.id = l.module_id
LEFT JOIN (
  SELECT lesson_id, sum(first_viewers) AS viewers, sum(first_completers) AS completers,
    sum(quiz_attempts) AS attempts, sum(quiz_failures) AS failures
  FROM lesson_daily_stats
  WHERE course_id IN (SELECT id FROM taught) AND day BETWEEN :start AND :end
  GROUP BY lesson_id
) s ON s.lesson_id = l.id
WHERE l.course_id IN (SELECT id FROM taught)
ORDER BY l.course_id, m.order_number, l.order_number
"""  # noqa: S608


async def instructor_courses(
    session: AsyncSession, instructor_id: uuid.UUID, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    return await rows(session, INSTRUCTOR_COURSES, {"uid": instructor_id, **params})


async def instructor_funnel(
    session: AsyncSession, instructor_id: uuid.UUID, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    return await rows(session, INSTRUCTOR_FUNNEL, {"uid": instructor_id, **params})


# --- admin ---------------------------------------------------------------------------------------

PLATFORM_DAYS = """
SELECT day, signups, active_users, active_users_30d, new_enrollments, completions, searches
FROM platform_daily_stats WHERE day BETWEEN :start AND :end ORDER BY day
"""

MONEY = """
SELECT currency, sum(revenue_minor), sum(refunds_minor) FROM course_daily_stats
WHERE day BETWEEN :start AND :end GROUP BY currency ORDER BY currency
"""

TOP_COURSES = """
SELECT c.id, c.title, c.currency, sum(d.enrollments) AS enrollments, sum(d.completions),
  sum(d.revenue_minor) AS revenue, sum(d.refunds_minor)
FROM course_daily_stats d JOIN courses c ON c.id = d.course_id
WHERE d.day BETWEEN :start AND :end
GROUP BY c.id, c.title, c.currency
ORDER BY enrollments DESC, revenue DESC, c.title, c.id LIMIT :limit
"""

TOP_INSTRUCTORS = """
SELECT u.id, u.first_name, u.last_name, count(DISTINCT c.id), sum(d.enrollments) AS enrollments,
  sum(d.completions)
FROM course_daily_stats d JOIN courses c ON c.id = d.course_id JOIN users u
  ON u.id = c.instructor_id
WHERE d.day BETWEEN :start AND :end
GROUP BY u.id, u.first_name, u.last_name
ORDER BY enrollments DESC, u.id LIMIT :limit
"""

SEARCH_MISSES = """
SELECT query, sum(searches) AS n FROM search_miss_daily WHERE day BETWEEN :start AND :end
GROUP BY query ORDER BY n DESC, query LIMIT :limit
"""


async def rows(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in (await session.execute(text(sql), params)).all()]


# --- student -------------------------------------------------------------------------------------

IN_PROGRESS = """
SELECT e.course_id, c.title, e.progress_percentage, e.enrolled_at, e.last_accessed_at
FROM enrollments e JOIN courses c ON c.id = e.course_id
WHERE e.student_id = :uid AND e.status = 'active'
ORDER BY e.last_accessed_at DESC NULLS LAST, e.enrolled_at DESC, e.id LIMIT :limit
"""

WEEKS = """
SELECT date_trunc('week', day)::date AS week, sum(seconds_learned)
FROM student_daily_activity WHERE user_id = :uid AND day >= :since AND day <= :today
GROUP BY week
"""

TOTALS = """
SELECT courses_enrolled, courses_completed, average_quiz_score, time_invested_minutes,
  current_streak_days, longest_streak_days, last_active_on, achievements
FROM student_analytics WHERE user_id = :uid
"""

DEADLINES = """
WITH mine AS (
  SELECT id, course_id FROM enrollments WHERE student_id = :uid AND status = 'active'
)
SELECT * FROM (
  SELECT 'assignment' AS kind, a.id, a.title, l.course_id, c.title AS course_title,
    a.due_at AS due
  FROM assignments a JOIN lessons l ON l.id = a.lesson_id JOIN courses c ON c.id = l.course_id
  WHERE l.course_id IN (SELECT course_id FROM mine) AND a.due_at > :now
    AND NOT EXISTS (SELECT 1 FROM assignment_submissions s
                    WHERE s.assignment_id = a.id AND s.student_id = :uid)
  UNION ALL
  SELECT 'exam', x.id, x.title, x.course_id, c.title, x.available_until
  FROM exams x JOIN courses c ON c.id = x.course_id
  WHERE x.course_id IN (SELECT course_id FROM mine) AND x.available_until > :now
    AND NOT EXISTS (SELECT 1 FROM exam_submissions s
                    WHERE s.exam_id = x.id AND s.user_id = :uid AND s.status <> 'in_progress')
) d ORDER BY due, id LIMIT :limit
"""

GRADES = """
SELECT * FROM (
  SELECT 'quiz' AS kind, qa.id, q.title, l.course_id, c.title AS course_title,
    qa.score_percentage AS score, qa.is_passed AS passed,
    coalesce(qa.graded_at, qa.submitted_at) AS graded_at
  FROM quiz_attempts qa JOIN quizzes q ON q.id = qa.quiz_id JOIN lessons l ON l.id = q.lesson_id
    JOIN courses c ON c.id = l.course_id
  WHERE qa.student_id = :uid AND qa.score_percentage IS NOT NULL
    AND qa.grading_status IN ('auto_graded', 'graded')
  UNION ALL
  SELECT 'assignment', s.id, a.title, l.course_id, c.title,
    round(100 * s.points_awarded / nullif(a.max_points, 0), 2), NULL, s.graded_at
  FROM assignment_submissions s JOIN assignments a ON a.id = s.assignment_id
    JOIN lessons l ON l.id = a.lesson_id JOIN courses c ON c.id = l.course_id
  WHERE s.student_id = :uid AND s.grading_status = 'graded' AND s.graded_at IS NOT NULL
  UNION ALL
  SELECT 'exam', es.id, x.title, x.course_id, c.title,
    round(100 * es.score / nullif(x.total_marks, 0), 2), es.is_passed, es.graded_at
  FROM exam_submissions es JOIN exams x ON x.id = es.exam_id JOIN courses c ON c.id = x.course_id
  WHERE es.user_id = :uid AND es.status = 'graded' AND es.graded_at IS NOT NULL
) g ORDER BY graded_at DESC, id LIMIT :limit
"""

CERTIFICATES = """
SELECT id, course_id, course_title, certificate_number, verification_code, issued_at
FROM certificates WHERE user_id = :uid AND revoked_at IS NULL
ORDER BY issued_at DESC, id LIMIT :limit
"""


def student_params(
    user_id: uuid.UUID, *, now: datetime, today: date, since: date, limit: int
) -> dict[str, Any]:
    return {"uid": user_id, "now": now, "today": today, "since": since, "limit": limit}
