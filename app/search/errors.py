"""Codes of the expected failures of the search domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class SearchCode(Code):
    INVALID_LIMIT = "INVALID_LIMIT", ""
