"""Per-request batch loaders of quizzes (each batch one statement in its own short session)."""

from __future__ import annotations

import uuid

from aiodataloader import DataLoader

from app.assessments import attempts, quizzes
from app.assessments.models import Question, Quiz, QuizAnswer, QuizAttempt
from app.db import Database
from loaders.batch import batch_loader


class AssessmentLoaders:
    def __init__(self, db: Database) -> None:
        self.quizzes: DataLoader[uuid.UUID, Quiz | None] = batch_loader(db, quizzes.quizzes_by_ids)
        self.quizzes_by_lesson: DataLoader[uuid.UUID, Quiz | None] = batch_loader(
            db, quizzes.quizzes_by_lesson_ids
        )
        self.questions: DataLoader[uuid.UUID, list[Question]] = batch_loader(
            db, quizzes.questions_by_quiz_ids
        )
        self.questions_by_id: DataLoader[uuid.UUID, Question | None] = batch_loader(
            db, attempts.questions_by_ids
        )
        self.attempts: DataLoader[uuid.UUID, QuizAttempt | None] = batch_loader(
            db, attempts.attempts_by_ids
        )
        self.answers: DataLoader[uuid.UUID, list[QuizAnswer]] = batch_loader(
            db, attempts.answers_by_attempt_ids
        )
