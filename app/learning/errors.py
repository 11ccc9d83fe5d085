"""Codes of the expected failures of the learning domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class LearningCode(Code):
    ALREADY_ENROLLED = "ALREADY_ENROLLED", ""
    ALREADY_REVOKED = "ALREADY_REVOKED", ""
    ASSESSMENT_REQUIRED = "ASSESSMENT_REQUIRED", ""
    COURSE_FULL = "COURSE_FULL", ""
    COURSE_NOT_FREE = "COURSE_NOT_FREE", ""
    COURSE_NOT_PUBLISHED = "COURSE_NOT_PUBLISHED", ""
    NOT_ACTIVE = "NOT_ACTIVE", ""
    PREREQUISITE_NOT_MET = "PREREQUISITE_NOT_MET", ""
