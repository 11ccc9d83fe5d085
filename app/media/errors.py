"""Codes of the expected failures of the media domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class MediaCode(Code):
    FILE_INFECTED = "FILE_INFECTED", ""
    FILE_TOO_LARGE = "FILE_TOO_LARGE", ""
    FILE_TYPE_MISMATCH = "FILE_TYPE_MISMATCH", ""
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED", ""
    INVALID_FILE_NAME = "INVALID_FILE_NAME", ""
    INVALID_SIZE = "INVALID_SIZE", ""
    SIZE_MISMATCH = "SIZE_MISMATCH", ""
    UNKNOWN_FILE_TYPE = "UNKNOWN_FILE_TYPE", ""
    UNSUPPORTED_PURPOSE = "UNSUPPORTED_PURPOSE", ""
    UPLOAD_EXPIRED = "UPLOAD_EXPIRED", ""
    UPLOAD_MISSING = "UPLOAD_MISSING", ""
    UPLOAD_REJECTED = "UPLOAD_REJECTED", ""
