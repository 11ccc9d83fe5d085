"""CSV text of the reports, read from the rollups. A report is one file of sections: a line
`# <section>`, a header row, the rows, an empty line.

Course report (Property 58): `Enrollment trend` (every day of the range, zero-filled),
`Completion rates` (the range's and the course's current), `Performance by module` (per module:
lessons, learners reaching / completing it, quiz attempts, failures and failure rate) and
`Lesson funnel` (the same per lesson). Platform report: `Platform days`, `Revenue`, `Top courses`,
`Search terms without results`.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import dashboards_repo, reports_repo
from app.analytics.dashboards import DayRange
from app.money import from_minor

Section = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


def _safe(value: Any) -> Any:
    """No spreadsheet formula injection through titles or search terms."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def write_sections(sections: Sequence[Section]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for title, header, rows in sections:
        writer.writerow([f"# {title}"])
        writer.writerow(header)
        writer.writerows([_safe(v) for v in row] for row in rows)
        writer.writerow([])
    return out.getvalue().encode("utf-8")


def _rate(part: int, whole: int) -> Decimal | str:
    return round(Decimal(100 * part) / whole, 2) if whole else ""


def _money(minor: int, currency: str) -> Decimal:
    return from_minor(int(minor), currency)


async def _all(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[Any]:
    return list((await session.execute(text(sql), params)).all())


async def course_report_csv(session: AsyncSession, course_id: uuid.UUID, period: DayRange) -> bytes:
    params = {**period.params(), "course": course_id}
    days = {r[0]: r for r in await _all(session, reports_repo.COURSE_DAYS, params)}
    [totals] = await _all(session, reports_repo.COURSE_TOTALS, params)
    lessons = await _all(session, reports_repo.COURSE_LESSONS, params)
    currency = totals[1]
    trend: list[list[Any]] = []
    for i in range(period.days):
        day = period.start + timedelta(days=i)
        r = days.get(day)
        if r is None:
            trend.append([day, 0, 0, 0, 0, 0, 0, 0, "", _money(0, currency), _money(0, currency)])
            continue
        average = round(r[8] / r[7], 2) if r[7] else ""
        trend.append([*r[0:8], average, _money(r[9], r[11]), _money(r[10], r[11])])
    enrolled = sum(int(r[1]) for r in days.values())
    completed = sum(int(r[2]) for r in days.values())
    rates: list[list[Any]] = [
        ["enrollments_in_range", enrolled],
        ["completions_in_range", completed],
        ["completion_rate_in_range", _rate(completed, enrolled)],
        ["total_enrollments", totals[2] or 0],
        ["total_completions", totals[3] or 0],
        ["completion_rate", totals[4] if totals[4] is not None else ""],
        ["dropout_rate", totals[5] if totals[5] is not None else ""],
        ["average_days_to_completion", totals[6] if totals[6] is not None else ""],
        ["average_rating", totals[7] if totals[7] is not None else ""],
    ]
    return write_sections(
        [
            (
                "Enrollment trend",
                [
                    "day", "enrollments", "completions", "dropouts", "active_learners",
                    "lesson_views", "watched_seconds", "quiz_attempts", "average_quiz_score",
                    f"revenue_{currency}", f"refunds_{currency}",
                ],
                trend,
            ),
            ("Completion rates", ["metric", "value"], rates),
            (
                "Performance by module",
                [
                    "module", "title", "lessons", "learners_started", "lesson_completions",
                    "learners_completed_last_lesson", "quiz_attempts", "quiz_failures",
                    "quiz_failure_rate",
                ],
                _modules(lessons),
            ),
            (
                "Lesson funnel",
                [
                    "module", "lesson", "title", "viewers", "completers", "quiz_attempts",
                    "quiz_failures", "quiz_failure_rate",
                ],
                [[*r[0:1], *r[2:8], _rate(int(r[7]), int(r[6]))] for r in lessons],
            ),
        ]
    )  # fmt: skip


def _modules(lessons: Sequence[Any]) -> list[list[Any]]:
    modules: dict[int, list[Any]] = {}
    for number, title, _, _, viewers, completers, attempts, failures in lessons:
        m = modules.setdefault(number, [number, title, 0, int(viewers), 0, 0, 0, 0])
        m[2] += 1
        m[4] += int(completers)
        m[5] = int(completers)  # the module's last lesson so far
        m[6] += int(attempts)
        m[7] += int(failures)
    return [[*m, _rate(m[7], m[6])] for m in modules.values()]


async def platform_report_csv(session: AsyncSession, period: DayRange) -> bytes:
    params = {**period.params(), "limit": 50}
    days = await _all(session, dashboards_repo.PLATFORM_DAYS, params)
    money = await _all(session, dashboards_repo.MONEY, params)
    courses = await _all(session, dashboards_repo.TOP_COURSES, params)
    misses = await _all(session, dashboards_repo.SEARCH_MISSES, params)
    return write_sections(
        [
            (
                "Platform days",
                [
                    "day", "signups", "active_users", "monthly_active_users", "new_enrollments",
                    "completions", "searches",
                ],
                days,
            ),
            (
                "Revenue",
                ["currency", "revenue", "refunds"],
                [[c, _money(r, c), _money(f, c)] for c, r, f in money],
            ),
            (
                "Top courses",
                ["course_id", "title", "enrollments", "completions", "revenue", "refunds",
                 "currency"],
                [
                    [r[0], r[1], r[3], r[4], _money(r[5], r[2]), _money(r[6], r[2]), r[2]]
                    for r in courses
                ],
            ),
            ("Search terms without results", ["query", "searches"], misses),
        ]
    )  # fmt: skip
