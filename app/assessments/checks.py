"""Field checks the assessments services share: they record field errors (snake_case paths,
codes of `app.errors.Common` or `AssessmentsCode`) and return the cleaned value."""

from __future__ import annotations

import re
from datetime import datetime

from app.assessments.errors import AssessmentsCode
from app.errors import Common, FieldError

_URL = re.compile(r"^https?://\S+$")


def text(
    errors: list[FieldError],
    field: str,
    value: str | None,
    *,
    max_length: int,
    required: bool = True,
) -> str | None:
    """The stripped text, or None when blank (REQUIRED if it may not be); TOO_LONG past
    `max_length`."""
    cleaned = value.strip() if value is not None else None
    if not cleaned:
        if required:
            errors.append(FieldError(field, "This field is required", Common.REQUIRED))
        return None
    if len(cleaned) > max_length:
        errors.append(
            FieldError(field, f"At most {max_length} characters are allowed", Common.TOO_LONG)
        )
    return cleaned


def link(errors: list[FieldError], field: str, value: str | None) -> str | None:
    """An optional http(s) link."""
    cleaned = text(errors, field, value, max_length=1000, required=False)
    if cleaned is not None and not _URL.match(cleaned):
        errors.append(FieldError(field, "Enter an http(s) link", Common.INVALID_URL))
    return cleaned


def in_range(errors: list[FieldError], field: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        errors.append(FieldError(field, f"Between {low} and {high}", Common.OUT_OF_RANGE))


def window(
    errors: list[FieldError], start: datetime | None, end: datetime | None, field: str
) -> None:
    """An availability window whose end (`field`) comes after its start."""
    if start is not None and end is not None and end <= start:
        errors.append(
            FieldError(field, "The window must end after it opens", AssessmentsCode.WINDOW_INVERTED)
        )
