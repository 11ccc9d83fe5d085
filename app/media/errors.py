"""Codes of the expected failures of the media domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class MediaCode(Code):
    FILE_INFECTED = "FILE_INFECTED", "The virus scan found the file infected; it was rejected."
    FILE_TOO_LARGE = "FILE_TOO_LARGE", "The file is larger than this purpose allows."
    FILE_TYPE_MISMATCH = (
        "FILE_TYPE_MISMATCH",
        "The file's content is of another type than the one declared; it was rejected.",
    )
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED", "This purpose does not take this file type."
    INVALID_FILE_NAME = (
        "INVALID_FILE_NAME",
        "The file name is empty, too long (over 255 characters) or holds a path or control "
        "characters.",
    )
    INVALID_SIZE = "INVALID_SIZE", "The declared size is zero or negative."
    SIZE_MISMATCH = (
        "SIZE_MISMATCH",
        "The uploaded file is not the size that was declared; it was rejected.",
    )
    UNKNOWN_FILE_TYPE = (
        "UNKNOWN_FILE_TYPE",
        "The file's content is of no recognisable type; it was rejected.",
    )
    UNSUPPORTED_PURPOSE = "UNSUPPORTED_PURPOSE", "Files cannot be uploaded for this purpose."
    UPLOAD_EXPIRED = (
        "UPLOAD_EXPIRED",
        "The upload link expired before the file arrived; request a new upload.",
    )
    UPLOAD_MISSING = (
        "UPLOAD_MISSING",
        "The file has not arrived yet: send it to the upload link first.",
    )
    UPLOAD_REJECTED = (
        "UPLOAD_REJECTED",
        "This upload was rejected earlier; request a new upload and send the file again.",
    )
    NOT_WEBVTT = (
        "NOT_WEBVTT",
        "The caption file is not WebVTT: it must be UTF-8 text starting with WEBVTT.",
    )
