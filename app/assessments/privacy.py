"""The assessments domain's part of a GDPR export and erasure: quiz attempts and answers, exam
and assignment submissions. Scores stay (course statistics and grade books count them, and the
user row they point at is anonymised); what the learner wrote (submission text, exam notes) is
blanked, and uploaded submission files go with the user's uploads (app.media)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.assessments.models import (
    AssignmentSubmission,
    AssignmentSubmissionFile,
    ExamSubmission,
    ExamSubmissionFile,
    QuizAnswer,
    QuizAttempt,
)
from app.privacy import ErasureSubject, plain_rows, scrub_json


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    attempts = await session.execute(
        select(QuizAttempt.__table__).where(QuizAttempt.student_id == user_id)
    )
    answers = await session.execute(
        select(QuizAnswer.__table__)
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .where(QuizAttempt.student_id == user_id)
    )
    exams = await session.execute(
        select(ExamSubmission.__table__).where(ExamSubmission.user_id == user_id)
    )
    assignments = await session.execute(
        select(AssignmentSubmission.__table__).where(AssignmentSubmission.student_id == user_id)
    )
    files = await session.execute(
        select(
            AssignmentSubmissionFile.submission_id,
            AssignmentSubmissionFile.file_name,
            AssignmentSubmissionFile.content_type,
            AssignmentSubmissionFile.size_bytes,
        )
        .join(
            AssignmentSubmission, AssignmentSubmission.id == AssignmentSubmissionFile.submission_id
        )
        .where(AssignmentSubmission.student_id == user_id)
    )
    return {
        "quiz_attempts": {
            "attempts": plain_rows(attempts.all()),
            "answers": plain_rows(answers.all()),
        },
        "exam_submissions": plain_rows(exams.all()),
        "assignment_submissions": {
            "submissions": plain_rows(assignments.all()),
            "files": plain_rows(files.all()),
        },
    }


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    user_id = subject.user_id
    await session.execute(
        update(AssignmentSubmission)
        .where(AssignmentSubmission.student_id == user_id)
        .values(text=None)
    )
    mine = select(AssignmentSubmission.id).where(AssignmentSubmission.student_id == user_id)
    await session.execute(
        update(AssignmentSubmissionFile)
        .where(AssignmentSubmissionFile.submission_id.in_(mine))
        .values(file_name="file")
    )
    await session.execute(
        update(ExamSubmission).where(ExamSubmission.user_id == user_id).values(notes=None)
    )
    exams = select(ExamSubmission.id).where(ExamSubmission.user_id == user_id)
    await session.execute(
        update(ExamSubmissionFile)
        .where(ExamSubmissionFile.submission_id.in_(exams))
        .values(file_name="file")
    )
    answers = select(QuizAttempt.id).where(QuizAttempt.student_id == user_id)
    await scrub_json(session, QuizAnswer.answer, subject, where=QuizAnswer.attempt_id.in_(answers))
