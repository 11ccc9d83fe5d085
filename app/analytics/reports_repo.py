"""SQL of the CSV reports: a course's days, its current totals, its lessons by module; the
platform's days, money, top courses and search misses come from dashboards_repo."""

from __future__ import annotations

COURSE_DAYS = """
SELECT day, enrollments, completions, dropouts, active_students, lesson_views, watched_seconds,
  quiz_attempts, quiz_score_sum, revenue_minor, refunds_minor, currency
FROM course_daily_stats WHERE course_id = :course AND day BETWEEN :start AND :end ORDER BY day
"""

COURSE_TOTALS = """
SELECT c.title, c.currency, ca.total_enrollments, ca.completion_count, ca.completion_rate,
  ca.dropout_rate, ca.average_days_to_completion, ca.average_rating
FROM courses c LEFT JOIN course_analytics ca ON ca.course_id = c.id WHERE c.id = :course
"""

COURSE_LESSONS = """
SELECT m.order_number, m.title, l.order_number, l.title, coalesce(sum(s.first_viewers), 0),
  coalesce(sum(s.first_completers), 0), coalesce(sum(s.quiz_attempts), 0),
  coalesce(sum(s.quiz_failures), 0)
FROM lessons l JOIN course_modules m ON m.id = l.module_id
LEFT JOIN lesson_daily_stats s ON s.lesson_id = l.id AND s.day BETWEEN :start AND :end
WHERE l.course_id = :course
GROUP BY m.order_number, m.title, l.order_number, l.title, l.id
ORDER BY m.order_number, l.order_number
"""
