"""GraphQL types of the dashboards: the student's, the instructor's and the admin's."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Self

import strawberry

from app.analytics import dashboards as service
from app.analytics import student_dashboard as student
from schema.assessments.assignments import gid
from schema.core.inputs import Input
from schema.core.money import Money

_KIND_TYPES = {
    "quiz": "QuizAttempt",
    "assignment": "AssignmentSubmission",
    "exam": "ExamSubmission",
}


@strawberry.input(description="UTC days from `from` to `to`, both included (at most 366 days).")
class AnalyticsRange(Input):
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")

    into = service.DayRange

    def period(self) -> service.DayRange:
        return service.DayRange(self.start, self.end)


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- student --------------------------------------------------------------------------------------


@strawberry.type(description="A course you are taking (active enrollment).")
class CourseInProgress:
    course_id: strawberry.ID = strawberry.field(description="A Course id.")
    title: str
    progress_percentage: float
    enrolled_at: datetime
    last_accessed_at: datetime | None


@strawberry.type(description="Seconds of video learned in one week (Monday to Sunday, UTC).")
class LearningWeek:
    week_start: date
    seconds: int


@strawberry.type(description="Consecutive days with learning (lessons, videos, quizzes...).")
class LearningStreak:
    current_days: int = strawberry.field(description="Ending today or yesterday; 0 otherwise.")
    longest_days: int
    last_active_on: date | None


@strawberry.type(description="An assignment due or an exam closing, not handed in yet.")
class UpcomingDeadline:
    kind: str = strawberry.field(description="`assignment` or `exam`.")
    id: strawberry.ID = strawberry.field(description="An Assignment or Exam id.")
    title: str
    course_id: strawberry.ID
    course_title: str
    due_at: datetime


@strawberry.type(description="A graded quiz attempt, assignment submission or exam.")
class RecentGrade:
    kind: str = strawberry.field(description="`quiz`, `assignment` or `exam`.")
    id: strawberry.ID
    title: str
    course_id: strawberry.ID
    course_title: str
    score_percentage: float | None
    passed: bool | None
    graded_at: datetime


@strawberry.type(description="A certificate you hold (not revoked).")
class DashboardCertificate:
    id: strawberry.ID = strawberry.field(description="A Certificate id.")
    course_id: strawberry.ID | None
    course_title: str
    certificate_number: str
    verification_code: str
    issued_at: datetime


@strawberry.type(description="Your learning at a glance.")
class StudentDashboard:
    courses_in_progress: list[CourseInProgress]
    learning_weeks: list[LearningWeek] = strawberry.field(description="Oldest first.")
    streak: LearningStreak
    courses_enrolled: int
    courses_completed: int
    average_quiz_score: float | None
    time_invested_minutes: int
    upcoming_deadlines: list[UpcomingDeadline] = strawberry.field(description="Soonest first.")
    recent_grades: list[RecentGrade] = strawberry.field(description="Newest first.")
    certificates: list[DashboardCertificate]
    achievements: list[str] = strawberry.field(
        description="Codes: first_enrollment, first_course_completed, five_courses_completed, "
        "certificate_earned, perfect_quiz, streak_7_days, streak_30_days."
    )

    @classmethod
    def of(cls, d: student.StudentDashboard) -> Self:
        return cls(
            courses_in_progress=[
                CourseInProgress(
                    course_id=gid("Course", c.course_id),
                    title=c.title,
                    progress_percentage=float(c.progress_percentage),
                    enrolled_at=c.enrolled_at,
                    last_accessed_at=c.last_accessed_at,
                )
                for c in d.courses_in_progress
            ],
            learning_weeks=[
                LearningWeek(week_start=w.week_start, seconds=w.seconds) for w in d.weeks
            ],
            streak=LearningStreak(
                current_days=d.current_streak_days,
                longest_days=d.longest_streak_days,
                last_active_on=d.last_active_on,
            ),
            courses_enrolled=d.courses_enrolled,
            courses_completed=d.courses_completed,
            average_quiz_score=_rate(d.average_quiz_score),
            time_invested_minutes=d.time_invested_minutes,
            upcoming_deadlines=[
                UpcomingDeadline(
                    kind=x.kind,
                    id=gid(x.kind.title(), x.id),
                    title=x.title,
                    course_id=gid("Course", x.course_id),
                    course_title=x.course_title,
                    due_at=x.due_at,
                )
                for x in d.upcoming_deadlines
            ],
            recent_grades=[
                RecentGrade(
                    kind=g.kind,
                    id=gid(_KIND_TYPES[g.kind], g.id),
                    title=g.title,
                    course_id=gid("Course", g.course_id),
                    course_title=g.course_title,
                    score_percentage=_rate(g.score_percentage),
                    passed=g.passed,
                    graded_at=g.graded_at,
                )
                for g in d.recent_grades
            ],
            certificates=[
                DashboardCertificate(
                    id=gid("Certificate", c.id),
                    course_id=gid("Course", c.course_id) if c.course_id else None,
                    course_title=c.course_title,
                    certificate_number=c.certificate_number,
                    verification_code=c.verification_code,
                    issued_at=c.issued_at,
                )
                for c in d.certificates
            ],
            achievements=d.achievements,
        )


# --- instructor -----------------------------------------------------------------------------------


@strawberry.type(description="One lesson of a course's funnel within the range.")
class FunnelStep:
    lesson_id: strawberry.ID
    module_title: str
    lesson_title: str
    viewers: int = strawberry.field(description="Learners who first viewed the lesson.")
    completers: int = strawberry.field(description="Learners who completed the lesson.")
    drop_off_percentage: float | None = strawberry.field(
        description="Of the previous lesson's viewers, the share not reaching this one."
    )
    quiz_attempts: int
    quiz_failures: int
    quiz_failure_rate: float | None = strawberry.field(description="Percent of quiz attempts.")


@strawberry.type(description="One course you teach, within the range.")
class InstructorCourseStats:
    course_id: strawberry.ID
    title: str
    enrollments: int
    completions: int
    active_learners: int = strawberry.field(
        description="Learners whose latest visit of the course falls in the range (exact for "
        "a range ending today; a past range misses those who came back since)."
    )
    completion_rate: float | None = strawberry.field(description="Current, of all enrollments.")
    dropout_rate: float | None
    average_quiz_score: float | None
    revenue: Money = strawberry.field(description="Paid course lines (after discounts).")
    refunds: Money
    net_revenue: Money
    rating: float | None
    review_count: int
    grading_queue: int = strawberry.field(description="Work waiting for a grade now.")
    watched_seconds: int
    funnel: list[FunnelStep] = strawberry.field(description="Lessons in course order.")

    @classmethod
    def of(cls, c: service.CourseNumbers) -> Self:
        steps: list[FunnelStep] = []
        previous: int | None = None
        for s in c.funnel:
            drop = (
                round(100 * (previous - s.viewers) / previous, 2)
                if previous and previous > s.viewers
                else (0.0 if previous else None)
            )
            steps.append(
                FunnelStep(
                    lesson_id=gid("Lesson", s.lesson_id),
                    module_title=s.module_title,
                    lesson_title=s.lesson_title,
                    viewers=s.viewers,
                    completers=s.completers,
                    drop_off_percentage=drop,
                    quiz_attempts=s.quiz_attempts,
                    quiz_failures=s.quiz_failures,
                    quiz_failure_rate=_rate(s.quiz_failure_rate),
                )
            )
            previous = s.viewers
        return cls(
            course_id=gid("Course", c.course_id),
            title=c.title,
            enrollments=c.enrollments,
            completions=c.completions,
            active_learners=c.active_learners,
            completion_rate=_rate(c.completion_rate),
            dropout_rate=_rate(c.dropout_rate),
            average_quiz_score=_rate(c.average_quiz_score),
            revenue=Money.of(c.revenue_minor, c.currency),
            refunds=Money.of(c.refunds_minor, c.currency),
            net_revenue=Money.of(c.revenue_minor - c.refunds_minor, c.currency),
            rating=_rate(c.rating),
            review_count=c.review_count,
            grading_queue=c.grading_queue,
            watched_seconds=c.watched_seconds,
            funnel=steps,
        )


@strawberry.type(description="Your teaching within a range: totals and one entry per course.")
class InstructorDashboard:
    instructor_id: strawberry.ID
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    enrollments: int
    completions: int
    active_learners: int
    completion_rate: float | None = strawberry.field(
        description="Completed over all enrollments of your courses (current)."
    )
    average_quiz_score: float | None
    revenue: list[Money] = strawberry.field(description="One per currency.")
    refunds: list[Money]
    rating: float | None = strawberry.field(
        description="Mean over the approved reviews of your courses."
    )
    grading_queue: int
    courses: list[InstructorCourseStats]

    @classmethod
    def of(cls, d: service.InstructorDashboard) -> Self:
        cs = d.courses
        attempts = sum(c.quiz_attempts for c in cs)
        scores = sum((c.quiz_score_sum or Decimal(0) for c in cs), Decimal(0))
        reviews = sum(c.review_count for c in cs if c.rating is not None)
        rated = sum((c.rating * c.review_count for c in cs if c.rating is not None), Decimal(0))
        everyone = sum(c.total_enrollments for c in cs)
        finished = sum(
            ((c.completion_rate or Decimal(0)) * c.total_enrollments / 100 for c in cs),
            Decimal(0),
        )
        money: dict[str, list[int]] = {}
        for c in cs:
            pair = money.setdefault(c.currency, [0, 0])
            pair[0] += c.revenue_minor
            pair[1] += c.refunds_minor
        return cls(
            instructor_id=gid("User", d.instructor_id),
            start=d.start,
            end=d.end,
            enrollments=sum(c.enrollments for c in cs),
            completions=sum(c.completions for c in cs),
            active_learners=sum(c.active_learners for c in cs),
            completion_rate=round(100 * float(finished) / everyone, 2) if everyone else None,
            average_quiz_score=round(float(scores) / attempts, 2) if attempts else None,
            revenue=[Money.of(v[0], cur) for cur, v in sorted(money.items())],
            refunds=[Money.of(v[1], cur) for cur, v in sorted(money.items())],
            rating=round(float(rated) / reviews, 2) if reviews else None,
            grading_queue=sum(c.grading_queue for c in cs),
            courses=[InstructorCourseStats.of(c) for c in cs],
        )


# --- admin ----------------------------------------------------------------------------------------


@strawberry.type(description="The platform on one UTC day.")
class PlatformDay:
    day: date
    signups: int
    active_users: int
    monthly_active_users: int = strawberry.field(description="Active in the 30 days to `day`.")
    new_enrollments: int
    completions: int
    searches: int


@strawberry.type(description="A course by enrollments within the range.")
class TopCourse:
    course_id: strawberry.ID
    title: str
    enrollments: int
    completions: int
    revenue: Money
    refunds: Money


@strawberry.type(description="An instructor by enrollments in their courses within the range.")
class TopInstructor:
    instructor_id: strawberry.ID
    name: str
    courses: int
    enrollments: int
    completions: int


@strawberry.type(description="A normalised search that found nothing, and how often.")
class SearchTermWithoutResults:
    query: str
    searches: int


@strawberry.type(description="The platform within a range.")
class AdminDashboard:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    signups: int
    new_enrollments: int
    completions: int
    daily_active_users: float = strawberry.field(description="Mean over the days of the range.")
    peak_daily_active_users: int
    monthly_active_users: int = strawberry.field(
        description="Distinct users active in the 30 days to the range's last rolled-up day."
    )
    revenue: list[Money] = strawberry.field(description="One per currency.")
    refunds: list[Money]
    days: list[PlatformDay]
    top_courses: list[TopCourse]
    top_instructors: list[TopInstructor]
    search_terms_without_results: list[SearchTermWithoutResults]

    @classmethod
    def of(cls, d: service.AdminDashboard) -> Self:
        days = d.days
        return cls(
            start=d.start,
            end=d.end,
            signups=sum(x.signups for x in days),
            new_enrollments=sum(x.new_enrollments for x in days),
            completions=sum(x.completions for x in days),
            daily_active_users=round(
                sum(x.active_users for x in days) / ((d.end - d.start).days + 1), 2
            ),
            peak_daily_active_users=max((x.active_users for x in days), default=0),
            monthly_active_users=days[-1].monthly_active_users if days else 0,
            revenue=[Money.of(a.minor, a.currency) for a in d.revenue],
            refunds=[Money.of(a.minor, a.currency) for a in d.refunds],
            days=[
                PlatformDay(
                    day=x.day,
                    signups=x.signups,
                    active_users=x.active_users,
                    monthly_active_users=x.monthly_active_users,
                    new_enrollments=x.new_enrollments,
                    completions=x.completions,
                    searches=x.searches,
                )
                for x in days
            ],
            top_courses=[
                TopCourse(
                    course_id=gid("Course", c.course_id),
                    title=c.title,
                    enrollments=c.enrollments,
                    completions=c.completions,
                    revenue=Money.of(c.revenue_minor, c.currency),
                    refunds=Money.of(c.refunds_minor, c.currency),
                )
                for c in d.top_courses
            ],
            top_instructors=[
                TopInstructor(
                    instructor_id=gid("User", t.instructor_id),
                    name=t.name,
                    courses=t.courses,
                    enrollments=t.enrollments,
                    completions=t.completions,
                )
                for t in d.top_instructors
            ],
            search_terms_without_results=[
                SearchTermWithoutResults(query=m.query, searches=m.searches)
                for m in d.search_misses
            ],
        )
