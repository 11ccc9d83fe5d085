"""Codes of the expected failures of the learning domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class LearningCode(Code):
    ALREADY_ENROLLED = "ALREADY_ENROLLED", "You are already enrolled in this course."
    ALREADY_REVOKED = "ALREADY_REVOKED", "The certificate was revoked before."
    ASSESSMENT_REQUIRED = (
        "ASSESSMENT_REQUIRED",
        "A quiz or assignment lesson completes only by passing its assessment.",
    )
    COURSE_FULL = "COURSE_FULL", "Every seat of the course is taken."
    COURSE_NOT_FREE = "COURSE_NOT_FREE", "The course is paid: buy it (or subscribe) to enroll."
    COURSE_NOT_PUBLISHED = "COURSE_NOT_PUBLISHED", "The course is not open for enrollment."
    NOT_ACTIVE = (
        "NOT_ACTIVE",
        "The enrollment's status does not allow this (e.g. withdrawn or revoked).",
    )
    NOT_ENROLLED = "NOT_ENROLLED", "You are not enrolled in the lesson's course: enroll first."
    PREREQUISITE_NOT_MET = (
        "PREREQUISITE_NOT_MET",
        "The lesson's module needs another module completed first.",
    )
