"""Assessments: quizzes and questions on lessons, attempts and answers, assignments with their
submissions and files, and course-level exams with resources and submissions.

Everything here hangs beneath a lesson or a course and is removed with it (CASCADE). Attempt and
submission numbers are unique per student, and at most one attempt per student and quiz (or exam)
is in progress at a time (partial unique indexes), so two concurrent "start" calls cannot both win.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, TimestampMixin, str_enum


class QuizType(enum.StrEnum):
    FORMATIVE = "formative"
    SUMMATIVE = "summative"
    PRACTICE = "practice"


class ScorePolicy(enum.StrEnum):
    BEST = "best"
    LAST = "last"


class QuestionType(enum.StrEnum):
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"
    ESSAY = "essay"
    FILL_BLANK = "fill_blank"
    MATCHING = "matching"


class Difficulty(enum.StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    EXPIRED = "expired"


class GradingStatus(enum.StrEnum):
    AUTO_GRADED = "auto_graded"
    PENDING_REVIEW = "pending_review"
    GRADED = "graded"


class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    GRADED = "graded"
    REVISION_REQUESTED = "revision_requested"


class ExamSubmissionStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    GRADED = "graded"
    REVISION_REQUIRED = "revision_required"


class Quiz(IdMixin, TimestampMixin, Base):
    __tablename__ = "quizzes"

    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(220))
    description: Mapped[str | None] = mapped_column(Text)
    quiz_type: Mapped[QuizType] = mapped_column(
        str_enum(QuizType, "quiz_type"), default=QuizType.FORMATIVE, server_default="formative"
    )
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    passing_score_percentage: Mapped[int] = mapped_column(Integer, default=70, server_default="70")
    max_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0: no cap
    randomize_questions: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sql_text("false")
    )
    randomize_options: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sql_text("false")
    )
    show_correct_answers: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=sql_text("true")
    )
    show_explanations: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=sql_text("true")
    )
    score_policy: Mapped[ScorePolicy] = mapped_column(
        str_enum(ScorePolicy, "score_policy"), default=ScorePolicy.BEST, server_default="best"
    )
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes > 0", name="time_limit_positive"
        ),
        CheckConstraint("passing_score_percentage BETWEEN 0 AND 100", name="passing_score_range"),
        CheckConstraint("max_attempts >= 0", name="max_attempts_non_negative"),
        CheckConstraint(
            "available_from IS NULL OR available_until IS NULL OR available_until > available_from",
            name="window_ordered",
        ),
    )


class Question(IdMixin, TimestampMixin, Base):
    __tablename__ = "questions"

    quiz_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    type: Mapped[QuestionType] = mapped_column(str_enum(QuestionType, "question_type"))
    text: Mapped[str] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(String(1000))
    options: Mapped[Any | None] = mapped_column(JSONB)
    correct_answer: Mapped[Any | None] = mapped_column(JSONB)  # NULL for essays (manual grading)
    explanation: Mapped[str | None] = mapped_column(Text)
    points: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    order_number: Mapped[int] = mapped_column(Integer)
    difficulty: Mapped[Difficulty] = mapped_column(
        str_enum(Difficulty, "difficulty"), default=Difficulty.MEDIUM, server_default="medium"
    )

    __table_args__ = (
        UniqueConstraint("quiz_id", "order_number", deferrable=True, initially="DEFERRED"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("order_number > 0", name="order_number_positive"),
    )


class QuizAttempt(IdMixin, TimestampMixin, Base):
    __tablename__ = "quiz_attempts"

    quiz_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    attempt_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[AttemptStatus] = mapped_column(
        str_enum(AttemptStatus, "attempt_status"),
        default=AttemptStatus.IN_PROGRESS,
        server_default="in_progress",
    )
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    deadline_at: Mapped[datetime | None]  # started_at + time limit, enforced server-side
    submitted_at: Mapped[datetime | None]
    time_taken_seconds: Mapped[int | None] = mapped_column(Integer)
    score_percentage: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    points_earned: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    points_possible: Mapped[int | None] = mapped_column(Integer)
    is_passed: Mapped[bool | None] = mapped_column(Boolean)
    grading_status: Mapped[GradingStatus | None] = mapped_column(
        str_enum(GradingStatus, "grading_status")
    )
    feedback: Mapped[str | None] = mapped_column(Text)
    graded_at: Mapped[datetime | None]
    graded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    question_order: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=sql_text("'[]'::jsonb")
    )
    option_order: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=sql_text("'{}'::jsonb")
    )

    __table_args__ = (
        UniqueConstraint("quiz_id", "student_id", "attempt_number"),
        CheckConstraint("attempt_number > 0", name="attempt_number_positive"),
        CheckConstraint(
            "score_percentage IS NULL OR score_percentage BETWEEN 0 AND 100", name="score_range"
        ),
        CheckConstraint("points_earned IS NULL OR points_earned >= 0", name="points_non_negative"),
        CheckConstraint(
            "time_taken_seconds IS NULL OR time_taken_seconds >= 0", name="time_non_negative"
        ),
        Index(
            "uq_quiz_attempts_one_in_progress",
            "quiz_id",
            "student_id",
            unique=True,
            postgresql_where=sql_text("status = 'in_progress'"),
        ),
        Index("ix_quiz_attempts_grading_status", "grading_status"),
    )


class QuizAnswer(IdMixin, TimestampMixin, Base):
    __tablename__ = "quiz_answers"

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE")
    )
    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[Any] = mapped_column(JSONB)
    is_correct: Mapped[bool | None] = mapped_column(Boolean)  # NULL until graded
    points_awarded: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    feedback: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        CheckConstraint(
            "points_awarded IS NULL OR points_awarded >= 0", name="points_non_negative"
        ),
    )


class Assignment(IdMixin, TimestampMixin, Base):
    __tablename__ = "assignments"

    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(220))
    description: Mapped[str | None] = mapped_column(Text)
    instructions: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None]  # NULL: self-paced, never late
    late_submission_allowed: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sql_text("false")
    )
    late_penalty_percentage: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_points: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    requires_file_upload: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=sql_text("true")
    )
    allowed_file_types: Mapped[list[Any]] = mapped_column(
        JSONB, default=list, server_default=sql_text("'[]'::jsonb")
    )
    max_file_size_mb: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    rubric: Mapped[Any | None] = mapped_column(JSONB)

    __table_args__ = (
        CheckConstraint("late_penalty_percentage BETWEEN 0 AND 100", name="penalty_range"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
        CheckConstraint("max_file_size_mb > 0", name="max_file_size_positive"),
    )


class AssignmentSubmission(IdMixin, TimestampMixin, Base):
    __tablename__ = "assignment_submissions"

    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE")
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(server_default=func.now())
    is_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    points_awarded: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # after penalty
    late_penalty_points: Mapped[Decimal] = mapped_column(
        Numeric(10, 2), default=Decimal(0), server_default="0"
    )
    feedback: Mapped[str | None] = mapped_column(Text)
    rubric_scores: Mapped[Any | None] = mapped_column(JSONB)
    grading_status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status"),
        default=SubmissionStatus.SUBMITTED,
        server_default="submitted",
    )
    graded_at: Mapped[datetime | None]
    graded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    revision_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    parent_submission_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assignment_submissions.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        UniqueConstraint("assignment_id", "student_id", "revision_number"),
        CheckConstraint("revision_number > 0", name="revision_number_positive"),
        CheckConstraint(
            "points_awarded IS NULL OR points_awarded >= 0", name="points_non_negative"
        ),
        CheckConstraint("late_penalty_points >= 0", name="penalty_non_negative"),
        Index("ix_assignment_submissions_grading_status", "grading_status"),
    )


class AssignmentSubmissionFile(IdMixin, CreatedMixin, Base):
    __tablename__ = "assignment_submission_files"

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assignment_submissions.id", ondelete="CASCADE"), index=True
    )
    file_asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("file_assets.id", ondelete="RESTRICT"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size_bytes: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_non_negative"),)


class Exam(IdMixin, TimestampMixin, Base):
    __tablename__ = "exams"

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(220))
    description: Mapped[str | None] = mapped_column(Text)
    instructions: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    total_marks: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    passing_marks: Mapped[int] = mapped_column(Integer, default=70, server_default="70")
    attempts_limit: Mapped[int] = mapped_column(Integer, default=3, server_default="3")  # 0: no cap
    is_final: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("total_marks > 0", name="total_marks_positive"),
        CheckConstraint("passing_marks BETWEEN 0 AND total_marks", name="passing_marks_range"),
        CheckConstraint("attempts_limit >= 0", name="attempts_limit_non_negative"),
        CheckConstraint(
            "available_from IS NULL OR available_until IS NULL OR available_until > available_from",
            name="window_ordered",
        ),
        Index(
            "uq_exams_one_final_per_course",
            "course_id",
            unique=True,
            postgresql_where=sql_text("is_final"),
        ),
    )


class ExamResource(IdMixin, CreatedMixin, Base):
    __tablename__ = "exam_resources"

    exam_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exams.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(127))
    file_asset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("file_assets.id", ondelete="RESTRICT"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (CheckConstraint("num_nonnulls(file_asset_id, url) = 1", name="file_or_url"),)


class ExamSubmission(IdMixin, TimestampMixin, Base):
    __tablename__ = "exam_submissions"

    exam_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    attempt_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[ExamSubmissionStatus] = mapped_column(
        str_enum(ExamSubmissionStatus, "exam_submission_status"),
        default=ExamSubmissionStatus.IN_PROGRESS,
        server_default="in_progress",
    )
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    deadline_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    graded_at: Mapped[datetime | None]
    graded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    is_passed: Mapped[bool | None] = mapped_column(Boolean)
    feedback: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)  # the student's submission notes

    __table_args__ = (
        UniqueConstraint("exam_id", "user_id", "attempt_number"),
        CheckConstraint("attempt_number > 0", name="attempt_number_positive"),
        CheckConstraint("score IS NULL OR score >= 0", name="score_non_negative"),
        Index(
            "uq_exam_submissions_one_in_progress",
            "exam_id",
            "user_id",
            unique=True,
            postgresql_where=sql_text("status = 'in_progress'"),
        ),
        Index("ix_exam_submissions_status", "status"),
    )


class ExamSubmissionFile(IdMixin, CreatedMixin, Base):
    __tablename__ = "exam_submission_files"

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_submissions.id", ondelete="CASCADE"), index=True
    )
    file_asset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("file_assets.id", ondelete="RESTRICT"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size_bytes: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_non_negative"),)
