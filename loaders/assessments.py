"""Per-request batch loaders of quizzes, assignments and exams (each batch one statement in its
own short session)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.assessments import repo
from app.assessments.models import (
    Assignment,
    AssignmentSubmission,
    AssignmentSubmissionFile,
    Exam,
    ExamResource,
    ExamSubmission,
    ExamSubmissionFile,
    Question,
    Quiz,
    QuizAnswer,
    QuizAttempt,
)
from app.assessments.repo import StudentKey
from app.db import Database
from loaders.batch import batch_loader


class AssessmentLoaders:
    def __init__(self, db: Database) -> None:
        # quizzes
        self.quizzes: DataLoader[uuid.UUID, Quiz | None] = batch_loader(db, repo.quizzes_by_ids)
        self.quizzes_by_lesson: DataLoader[uuid.UUID, Quiz | None] = batch_loader(
            db, repo.quizzes_by_lesson_ids
        )
        self.questions: DataLoader[uuid.UUID, list[Question]] = batch_loader(
            db, repo.questions_by_quiz_ids
        )
        self.questions_by_id: DataLoader[uuid.UUID, Question | None] = batch_loader(
            db, repo.questions_by_ids
        )
        self.attempts: DataLoader[uuid.UUID, QuizAttempt | None] = batch_loader(
            db, repo.attempts_by_ids
        )
        self.student_attempts: DataLoader[StudentKey, list[QuizAttempt]] = batch_loader(
            db, repo.attempts_by_student_quiz
        )
        self.answers: DataLoader[uuid.UUID, list[QuizAnswer]] = batch_loader(
            db, repo.answers_by_attempt_ids
        )
        # assignments
        self.assignments: DataLoader[uuid.UUID, Assignment | None] = batch_loader(
            db, repo.assignments_by_ids
        )
        self.submissions: DataLoader[uuid.UUID, AssignmentSubmission | None] = batch_loader(
            db, repo.submissions_by_ids
        )
        self.student_submissions: DataLoader[StudentKey, list[AssignmentSubmission]] = batch_loader(
            db, repo.submissions_by_student_assignment
        )
        self.submission_files: DataLoader[uuid.UUID, list[AssignmentSubmissionFile]] = batch_loader(
            db, repo.submission_files_by_submission_ids
        )
        # exams
        self.exams: DataLoader[uuid.UUID, Exam | None] = batch_loader(db, repo.exams_by_ids)
        self.exam_resources: DataLoader[uuid.UUID, list[ExamResource]] = batch_loader(
            db, repo.exam_resources_by_exam_ids
        )
        self.exam_submissions: DataLoader[uuid.UUID, ExamSubmission | None] = batch_loader(
            db, repo.exam_submissions_by_ids
        )
        self.student_exam_submissions: DataLoader[StudentKey, list[ExamSubmission]] = batch_loader(
            db, repo.exam_submissions_by_student_exam
        )
        self.exam_files: DataLoader[uuid.UUID, list[ExamSubmissionFile]] = batch_loader(
            db, repo.exam_files_by_submission_ids
        )
