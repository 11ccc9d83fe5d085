"""The learning-event vocabulary: what each `analytics_events.event_type` means and carries.

A contract between the code that records events, the rollups that read them and GDPR erasure:
- `lesson.viewed`       entity lesson; course. A learner opens a lesson: the first progress write
                        on a lesson other than the one they were last on (resume heartbeats on the
                        same lesson are not views).
- `lesson.completed`    entity lesson; course (also when a passed quiz/assignment completes it).
- `video.watched`       entity lesson; course; {"seconds": int} seconds added by this report.
- `quiz.started`        entity quiz; course; {"attempt_id": str}
- `quiz.submitted`      entity quiz; course; {"attempt_id", "score": float 0-100 | null while an
                        essay awaits review, "passed": bool | null, "duration_seconds": int}
- `exam.started` / `exam.submitted`  entity exam; like the quiz ones (an exam is graded by hand
                        later: score and passed are null at submission)
- `assignment.submitted` entity assignment; course; {"submission_id", "revision": int, "late"}
- `enrollment.created`  entity enrollment; course; {"source": free|purchase|subscription|admin}
- `purchase.completed`  entity order; course (one event per course item);
                        {"amount_minor": int, "currency": str}
- `search.performed`    no entity; user may be null; {"query": normalised str, "results": int}
- `user.signed_in`      no entity; {"method": "password", "mfa": bool}
Properties never hold e-mail addresses or names.
"""

from __future__ import annotations

import enum


class EventType(enum.StrEnum):
    LESSON_VIEWED = "lesson.viewed"
    LESSON_COMPLETED = "lesson.completed"
    VIDEO_WATCHED = "video.watched"
    QUIZ_STARTED = "quiz.started"
    QUIZ_SUBMITTED = "quiz.submitted"
    EXAM_STARTED = "exam.started"
    EXAM_SUBMITTED = "exam.submitted"
    ASSIGNMENT_SUBMITTED = "assignment.submitted"
    ENROLLMENT_CREATED = "enrollment.created"
    PURCHASE_COMPLETED = "purchase.completed"
    SEARCH_PERFORMED = "search.performed"
    USER_SIGNED_IN = "user.signed_in"


class EntityType(enum.StrEnum):
    LESSON = "lesson"
    QUIZ = "quiz"
    EXAM = "exam"
    ASSIGNMENT = "assignment"
    ENROLLMENT = "enrollment"
    ORDER = "order"
