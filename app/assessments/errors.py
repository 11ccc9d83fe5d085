"""Codes of the expected failures of the assessments domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class AssessmentsCode(Code):
    """Quizzes, assignments, course exams and the gradebook."""

    ALREADY_SUBMITTED = (
        "ALREADY_SUBMITTED",
        "This was already handed in; a new submission needs a requested revision.",
    )
    ATTEMPT_CLOSED = "ATTEMPT_CLOSED", "The attempt was already submitted: nothing more is saved."
    ATTEMPT_EXPIRED = (
        "ATTEMPT_EXPIRED",
        "The attempt's time limit has passed: nothing more is accepted.",
    )
    ATTEMPTS_EXHAUSTED = "ATTEMPTS_EXHAUSTED", "Every allowed attempt has been used."
    CLOSED = "CLOSED", "The availability window has ended."
    DUPLICATE = "DUPLICATE", "The same entry is given twice."
    FINAL_EXAM_EXISTS = "FINAL_EXAM_EXISTS", "The course already has a final exam."
    FINAL_EXAM_REQUIRED = (
        "FINAL_EXAM_REQUIRED",
        "The course requires a final exam: its final exam cannot stop being final.",
    )
    INVALID_SHAPE = (
        "INVALID_SHAPE",
        "The configuration or answer does not fit the question's type (which never changes).",
    )
    LATE_SUBMISSION_NOT_ALLOWED = (
        "LATE_SUBMISSION_NOT_ALLOWED",
        "The due date has passed and the assignment takes no late submissions.",
    )
    NOT_ANSWERED = "NOT_ANSWERED", "The question has no answer in this attempt to grade."
    NOT_A_PERMUTATION = (
        "NOT_A_PERMUTATION",
        "The list must name every question of the quiz exactly once.",
    )
    NOT_OPEN_YET = "NOT_OPEN_YET", "The availability window has not opened yet."
    NOT_PENDING_REVIEW = "NOT_PENDING_REVIEW", "The attempt is not waiting for a teacher's review."
    NOT_SUBMITTED = "NOT_SUBMITTED", "The attempt has not been handed in yet."
    POINTS_MISMATCH = (
        "POINTS_MISMATCH",
        "The rubric's criteria must add up to the assignment's maximum points.",
    )
    QUESTION_NOT_IN_QUIZ = "QUESTION_NOT_IN_QUIZ", "The question is not part of this attempt."
    QUIZ_EXISTS = "QUIZ_EXISTS", "The lesson already has a quiz (one per quiz lesson)."
    QUIZ_HAS_NO_QUESTIONS = "QUIZ_HAS_NO_QUESTIONS", "The quiz has no questions yet."
    REVISION_REQUESTED = (
        "REVISION_REQUESTED",
        "A revision of this submission was requested: the student's next one is graded instead.",
    )
    TOO_FEW_OPTIONS = "TOO_FEW_OPTIONS", "A question needs at least two options to choose from."
    UNGRADED = "UNGRADED", "Every answered essay and short answer of the attempt needs a grade."
    UNKNOWN_CRITERION = (
        "UNKNOWN_CRITERION",
        "The assignment's rubric has no criterion of this name.",
    )
    UNKNOWN_OPTION = "UNKNOWN_OPTION", "The id names no option (or matching item) of this question."
    UNPAIRED = "UNPAIRED", "Every left-hand item of a matching question needs its right-hand match."
    WINDOW_INVERTED = (
        "WINDOW_INVERTED",
        "The end of the availability window is not after its start.",
    )
    WRONG_LESSON_TYPE = (
        "WRONG_LESSON_TYPE",
        "The lesson's type does not take this: quizzes go on quiz lessons, assignments on "
        "assignment lessons.",
    )
