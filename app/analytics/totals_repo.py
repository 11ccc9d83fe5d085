"""SQL that refreshes the current totals of `course_analytics` and `student_analytics` from the
domain tables and the student days (set-based: one statement each, whatever the numbers).

Definitions (the same in the docs and the accuracy tests):
- course: total = every enrollment; active / completed / dropped by status; completion and
  dropout rate = completed / dropped over total, in percent (2 decimals); rating = mean of the
  approved reviews (2 decimals); days to completion = mean of completed_at - enrolled_at; the
  hardest lesson = the lesson whose graded quiz attempts fail most often (then most attempts).
  `revenue_minor` / `currency` stay commerce's (app/commerce/revenue.py).
- student: enrolled = every enrollment; completed / in progress by status (completed / active);
  average quiz score = mean score of the submitted, scored quiz attempts; time invested = the
  seconds learned of every student day, in whole minutes; streaks = runs of consecutive days with
  learning, the current one ending today or yesterday.
"""

from __future__ import annotations

COURSE_TOTALS = """
INSERT INTO course_analytics AS ca (course_id, total_enrollments, active_enrollments,
  completion_count, completion_rate, dropout_rate, average_rating, average_days_to_completion,
  hardest_lesson_id, engagement, computed_at)
SELECT c.id, coalesce(e.total, 0), coalesce(e.active, 0), coalesce(e.completed, 0),
  coalesce(round(100.0 * e.completed / nullif(e.total, 0), 2), 0),
  coalesce(round(100.0 * e.dropped / nullif(e.total, 0), 2), 0),
  r.rating, e.days, h.lesson_id,
  jsonb_build_object('watched_seconds', coalesce(d.watched, 0),
    'lesson_views', coalesce(d.views, 0), 'reviews', coalesce(r.n, 0)),
  now()
FROM courses c
LEFT JOIN (
  SELECT course_id, count(*) AS total, count(*) FILTER (WHERE status = 'active') AS active,
    count(*) FILTER (WHERE status = 'completed') AS completed,
    count(*) FILTER (WHERE status = 'dropped') AS dropped,
    round(avg(extract(epoch FROM completed_at - enrolled_at) / 86400)
      FILTER (WHERE completed_at IS NOT NULL), 2) AS days
  FROM enrollments GROUP BY course_id
) e ON e.course_id = c.id
LEFT JOIN (
  SELECT course_id, round(avg(rating), 2) AS rating, count(*) AS n FROM course_reviews
  WHERE status = 'approved' GROUP BY course_id
) r ON r.course_id = c.id
LEFT JOIN (
  SELECT DISTINCT ON (l.course_id) l.course_id, l.id AS lesson_id
  FROM quiz_attempts qa JOIN quizzes q ON q.id = qa.quiz_id JOIN lessons l ON l.id = q.lesson_id
  WHERE qa.is_passed IS NOT NULL
  GROUP BY l.course_id, l.id
  HAVING count(*) FILTER (WHERE NOT qa.is_passed) > 0
  ORDER BY l.course_id, avg((NOT qa.is_passed)::int) DESC, count(*) DESC, l.id
) h ON h.course_id = c.id
LEFT JOIN (
  SELECT course_id, sum(watched_seconds) AS watched, sum(lesson_views) AS views
  FROM course_daily_stats GROUP BY course_id
) d ON d.course_id = c.id
LEFT JOIN course_analytics old ON old.course_id = c.id
WHERE e.course_id IS NOT NULL OR r.course_id IS NOT NULL OR old.course_id IS NOT NULL
ON CONFLICT (course_id) DO UPDATE SET
  total_enrollments = excluded.total_enrollments,
  active_enrollments = excluded.active_enrollments,
  completion_count = excluded.completion_count,
  completion_rate = excluded.completion_rate,
  dropout_rate = excluded.dropout_rate,
  average_rating = excluded.average_rating,
  average_days_to_completion = excluded.average_days_to_completion,
  hardest_lesson_id = excluded.hardest_lesson_id,
  engagement = excluded.engagement,
  computed_at = excluded.computed_at
"""

STUDENT_TOTALS = """
WITH learning AS (
  SELECT user_id, day, day - (row_number() OVER (PARTITION BY user_id ORDER BY day))::int AS grp
  FROM student_daily_activity WHERE learned AND day <= :today
), runs AS (
  SELECT user_id, count(*) AS len, max(day) AS last_day FROM learning GROUP BY user_id, grp
), streaks AS (
  SELECT user_id, max(len) AS longest,
    coalesce(max(len) FILTER (WHERE last_day >= CAST(:today AS date) - 1), 0) AS current,
    max(last_day) AS last_active
  FROM runs GROUP BY user_id
), enrolled AS (
  SELECT student_id AS user_id, count(*) AS total,
    count(*) FILTER (WHERE status = 'completed') AS completed,
    count(*) FILTER (WHERE status = 'active') AS active
  FROM enrollments GROUP BY student_id
), quizzes AS (
  SELECT student_id AS user_id, round(avg(score_percentage), 2) AS score,
    bool_or(score_percentage >= 100) AS ace
  FROM quiz_attempts WHERE score_percentage IS NOT NULL AND submitted_at IS NOT NULL
  GROUP BY student_id
), seconds AS (
  SELECT user_id, sum(seconds_learned) AS total FROM student_daily_activity GROUP BY user_id
), certified AS (
  SELECT user_id, count(*) AS total FROM certificates
  WHERE revoked_at IS NULL AND user_id IS NOT NULL GROUP BY user_id
), people AS (
  SELECT user_id FROM enrolled UNION SELECT user_id FROM seconds
  UNION SELECT user_id FROM student_analytics
)
INSERT INTO student_analytics AS sa (user_id, courses_enrolled, courses_completed,
  courses_in_progress, average_quiz_score, time_invested_minutes, current_streak_days,
  longest_streak_days, last_active_on, achievements, computed_at)
SELECT p.user_id, coalesce(e.total, 0), coalesce(e.completed, 0), coalesce(e.active, 0),
  q.score, coalesce(s.total, 0) / 60, coalesce(k.current, 0), coalesce(k.longest, 0),
  k.last_active,
  to_jsonb(array_remove(ARRAY[
    CASE WHEN coalesce(e.total, 0) >= 1 THEN 'first_enrollment' END,
    CASE WHEN coalesce(e.completed, 0) >= 1 THEN 'first_course_completed' END,
    CASE WHEN coalesce(e.completed, 0) >= 5 THEN 'five_courses_completed' END,
    CASE WHEN coalesce(c.total, 0) >= 1 THEN 'certificate_earned' END,
    CASE WHEN coalesce(q.ace, false) THEN 'perfect_quiz' END,
    CASE WHEN coalesce(k.longest, 0) >= 7 THEN 'streak_7_days' END,
    CASE WHEN coalesce(k.longest, 0) >= 30 THEN 'streak_30_days' END
  ], NULL)),
  now()
FROM people p
JOIN users u ON u.id = p.user_id
LEFT JOIN enrolled e ON e.user_id = p.user_id
LEFT JOIN quizzes q ON q.user_id = p.user_id
LEFT JOIN seconds s ON s.user_id = p.user_id
LEFT JOIN streaks k ON k.user_id = p.user_id
LEFT JOIN certified c ON c.user_id = p.user_id
ON CONFLICT (user_id) DO UPDATE SET
  courses_enrolled = excluded.courses_enrolled,
  courses_completed = excluded.courses_completed,
  courses_in_progress = excluded.courses_in_progress,
  average_quiz_score = excluded.average_quiz_score,
  time_invested_minutes = excluded.time_invested_minutes,
  current_streak_days = excluded.current_streak_days,
  longest_streak_days = excluded.longest_streak_days,
  last_active_on = excluded.last_active_on,
  achievements = excluded.achievements,
  computed_at = excluded.computed_at
"""
