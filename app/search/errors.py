"""Codes of the expected failures of the search domain (see app/errors.py).

Search has no codes of its own: a query, prefix or limit it cannot take is reported with the
`app.errors.Common` codes (REQUIRED, TOO_LONG, OUT_OF_RANGE) in a BAD_USER_INPUT error, and a
filter with the catalog's."""

from __future__ import annotations

from app.errors import Code


class SearchCode(Code):
    """Empty on purpose; add a member here when search gains a failure of its own."""
