"""Codes of the expected failures of course reviews (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class ReviewsCode(Code):
    ALREADY_REVIEWED = (
        "ALREADY_REVIEWED",
        "You have reviewed this course already: edit your review instead.",
    )
    NOT_ENROLLED_TO_REVIEW = (
        "NOT_ENROLLED_TO_REVIEW",
        "Only students enrolled in the course (active or completed) may review it.",
    )
    CANNOT_REVIEW_OWN_COURSE = (
        "CANNOT_REVIEW_OWN_COURSE",
        "The course's teachers may reply to reviews, not write one.",
    )
