"""SQL of the daily rollups: each statement replaces one table's rows of one UTC day from the
domain tables (enrollments, orders and refunds, quiz attempts, reviews, lesson progress, users)
and, where only events know it, from `analytics_events` (views, watched seconds, activity,
searches). Parameters: `:day` (a date), `:lo` / `:hi` (its start and the next day's start,
timestamptz). The caller runs them in one transaction under `lock_day`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.models import CourseDailyStats
from app.analytics.rollup_models import (
    LessonDailyStats,
    PlatformDailyStats,
    SearchMissDaily,
    StudentDailyActivity,
)

_PAID = "'paid', 'partially_refunded', 'refunded'"
# events that are learning (a streak day); sign-ins and searches are activity only
_LEARNING = (
    "'lesson.viewed', 'lesson.completed', 'video.watched', 'quiz.started', 'quiz.submitted',"
    " 'exam.started', 'exam.submitted', 'assignment.submitted'"
)
_IN_DAY = "{col} >= :lo AND {col} < :hi"


def _day(col: str) -> str:
    return _IN_DAY.format(col=col)


COURSE_DAY = f"""
INSERT INTO course_daily_stats (course_id, day, currency, enrollments, completions, dropouts,
  active_students, revenue_minor, refunds_minor, lesson_views, watched_seconds, quiz_attempts,
  quiz_passed, quiz_score_sum, ratings, rating_sum)
SELECT p.course_id, :day, c.currency, sum(p.enrollments), sum(p.completions), sum(p.dropouts),
  coalesce(max(a.learners), 0), sum(p.revenue), sum(p.refunds), sum(p.views), sum(p.watched),
  sum(p.qa), sum(p.qp), sum(p.qs), sum(p.ratings), sum(p.rating_sum)
FROM (
  SELECT course_id, 1 AS enrollments, 0 AS completions, 0 AS dropouts, 0::bigint AS revenue,
    0::bigint AS refunds, 0 AS views, 0::bigint AS watched, 0 AS qa, 0 AS qp,
    0::numeric AS qs, 0 AS ratings, 0 AS rating_sum
  FROM enrollments WHERE {_day("enrolled_at")}
  UNION ALL SELECT course_id, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM enrollments WHERE {_day("completed_at")}
  UNION ALL SELECT course_id, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM enrollments WHERE status = 'dropped' AND {_day("withdrawn_at")}
  UNION ALL SELECT oi.course_id, 0, 0, 0, oi.total_minor, 0, 0, 0, 0, 0, 0, 0, 0
  FROM order_items oi JOIN orders o ON o.id = oi.order_id
  WHERE oi.course_id IS NOT NULL AND o.status IN ({_PAID}) AND {_day("o.paid_at")}
  UNION ALL SELECT oi.course_id, 0, 0, 0, 0, r.amount_minor, 0, 0, 0, 0, 0, 0, 0
  FROM refunds r JOIN order_items oi ON oi.id = r.order_item_id
  WHERE oi.course_id IS NOT NULL AND r.status = 'succeeded' AND {_day("r.processed_at")}
  UNION ALL SELECT course_id, 0, 0, 0, 0, 0,
    count(*) FILTER (WHERE event_type = 'lesson.viewed'),
    coalesce(sum(CASE WHEN event_type = 'video.watched'
      AND jsonb_typeof(properties -> 'seconds') = 'number'
      THEN greatest((properties ->> 'seconds')::numeric, 0)::bigint END), 0),
    0, 0, 0, 0, 0
  FROM analytics_events
  WHERE course_id IS NOT NULL AND event_type IN ('lesson.viewed', 'video.watched')
    AND {_day("occurred_at")}
  GROUP BY course_id
  UNION ALL SELECT l.course_id, 0, 0, 0, 0, 0, 0, 0, 1, coalesce(qa.is_passed, false)::int,
    qa.score_percentage, 0, 0
  FROM quiz_attempts qa JOIN quizzes q ON q.id = qa.quiz_id JOIN lessons l ON l.id = q.lesson_id
  WHERE qa.score_percentage IS NOT NULL AND {_day("qa.submitted_at")}
  UNION ALL SELECT course_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, rating
  FROM course_reviews WHERE status = 'approved' AND {_day("created_at")}
) p
JOIN courses c ON c.id = p.course_id
LEFT JOIN (
  SELECT course_id, count(DISTINCT user_id) AS learners FROM analytics_events
  WHERE course_id IS NOT NULL AND user_id IS NOT NULL AND {_day("occurred_at")}
  GROUP BY course_id
) a ON a.course_id = p.course_id
GROUP BY p.course_id, c.currency
"""  # noqa: S608 - fixed fragments; every value is a bound parameter

# first view / first completion of a lesson by a learner falls on exactly one day, so the sum of
# a range counts each learner once: the funnel's distinct learners
LESSON_DAY = f"""
INSERT INTO lesson_daily_stats (lesson_id, day, course_id, first_viewers, first_completers,
  quiz_attempts, quiz_failures)
SELECT l.id, :day, l.course_id, sum(p.viewers), sum(p.completers), sum(p.qa), sum(p.qf)
FROM (
  SELECT e.entity_id AS lesson_id, count(DISTINCT e.user_id) AS viewers, 0 AS completers,
    0 AS qa, 0 AS qf
  FROM analytics_events e
  WHERE e.event_type = 'lesson.viewed' AND e.entity_type = 'lesson' AND e.user_id IS NOT NULL
    AND {_day("e.occurred_at")}
    AND NOT EXISTS (
      SELECT 1 FROM analytics_events b
      WHERE b.entity_type = 'lesson' AND b.entity_id = e.entity_id
        AND b.event_type = 'lesson.viewed' AND b.user_id = e.user_id AND b.occurred_at < :lo)
  GROUP BY e.entity_id
  UNION ALL SELECT lp.lesson_id, 0, count(*), 0, 0
  FROM lesson_progress lp WHERE {_day("lp.completed_at")} GROUP BY lp.lesson_id
  UNION ALL SELECT q.lesson_id, 0, 0, count(*), count(*) FILTER (WHERE NOT qa.is_passed)
  FROM quiz_attempts qa JOIN quizzes q ON q.id = qa.quiz_id
  WHERE qa.is_passed IS NOT NULL AND {_day("qa.submitted_at")}
  GROUP BY q.lesson_id
) p
JOIN lessons l ON l.id = p.lesson_id
GROUP BY l.id, l.course_id
"""  # noqa: S608

STUDENT_DAY = f"""
INSERT INTO student_daily_activity (user_id, day, seconds_learned, lessons_completed, learned)
SELECT a.user_id, :day, sum(a.seconds), sum(a.completed), bool_or(a.learned)
FROM (
  SELECT e.user_id,
    coalesce(sum(CASE WHEN e.event_type = 'video.watched'
      AND jsonb_typeof(e.properties -> 'seconds') = 'number'
      THEN greatest((e.properties ->> 'seconds')::numeric, 0)::bigint END), 0) AS seconds,
    0 AS completed, bool_or(e.event_type IN ({_LEARNING})) AS learned
  FROM analytics_events e
  WHERE e.user_id IS NOT NULL AND {_day("e.occurred_at")}
  GROUP BY e.user_id
  UNION ALL SELECT en.student_id, 0, count(*), true
  FROM lesson_progress lp JOIN enrollments en ON en.id = lp.enrollment_id
  WHERE {_day("lp.completed_at")}
  GROUP BY en.student_id
) a
JOIN users u ON u.id = a.user_id
GROUP BY a.user_id
"""  # noqa: S608

PLATFORM_DAY = f"""
INSERT INTO platform_daily_stats (day, signups, active_users, active_users_30d, new_enrollments,
  completions, searches)
SELECT :day,
  (SELECT count(*) FROM users WHERE {_day("created_at")}),
  (SELECT count(*) FROM student_daily_activity WHERE day = :day),
  (SELECT count(DISTINCT user_id) FROM student_daily_activity
   WHERE day > CAST(:day AS date) - 30 AND day <= :day),
  (SELECT count(*) FROM enrollments WHERE {_day("enrolled_at")}),
  (SELECT count(*) FROM enrollments WHERE {_day("completed_at")}),
  (SELECT count(*) FROM analytics_events
   WHERE event_type = 'search.performed' AND {_day("occurred_at")})
"""  # noqa: S608

SEARCH_MISSES_DAY = f"""
INSERT INTO search_miss_daily (day, query, searches)
SELECT :day, left(properties ->> 'query', 200), count(*)
FROM analytics_events
WHERE event_type = 'search.performed' AND {_day("occurred_at")}
  AND jsonb_typeof(properties -> 'results') = 'number' AND (properties ->> 'results')::numeric = 0
  AND coalesce(properties ->> 'query', '') <> ''
GROUP BY left(properties ->> 'query', 200)
"""  # noqa: S608

# the order matters: the platform's active users read the students' day
DAY_TABLES: tuple[tuple[str, str], ...] = (
    (CourseDailyStats.__tablename__, COURSE_DAY),
    (LessonDailyStats.__tablename__, LESSON_DAY),
    (StudentDailyActivity.__tablename__, STUDENT_DAY),
    (PlatformDailyStats.__tablename__, PLATFORM_DAY),
    (SearchMissDaily.__tablename__, SEARCH_MISSES_DAY),
)

LOCK_SPACE = 1_845_018  # advisory lock namespace of day rollups (any constant of our own)


async def lock_day(session: AsyncSession, day: date) -> None:
    """Serialise rollups of the same day until the transaction ends: a second one waits, then
    replaces the first one's rows instead of adding to them."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:space, :day)"),
        {"space": LOCK_SPACE, "day": day.toordinal()},
    )


async def replace_day(session: AsyncSession, day: date, params: dict[str, object]) -> None:
    for table, insert in DAY_TABLES:
        delete = f"DELETE FROM {table} WHERE day = :day"  # noqa: S608 - our table names
        await session.execute(text(delete), {"day": day})
        await session.execute(text(insert), params)
