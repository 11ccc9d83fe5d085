"""Input rules of a course review and its reply: a 1-5 integer rating, a plain-text title and
sanitised-HTML bodies, each with a length limit (checked after cleaning)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from app.errors import Common, FieldError, collect
from app.security.sanitize import plain_text, sanitize_html

TITLE_MAX_LENGTH = 120
BODY_MAX_LENGTH = 5000
REPLY_MAX_LENGTH = 3000
NOTE_MAX_LENGTH = 2000
MIN_RATING, MAX_RATING = 1, 5


class Keep(enum.Enum):
    """Marks an update argument the caller did not give (None clears)."""

    KEEP = 0


KEEP: Final = Keep.KEEP


@dataclass(frozen=True)
class ReviewText:
    title: str | None
    body: str | None


def check_rating(errors: list[FieldError], rating: object) -> None:
    if isinstance(rating, bool) or not isinstance(rating, int):
        errors.append(FieldError("rating", "Give a whole number of stars.", Common.INVALID))
    elif not MIN_RATING <= rating <= MAX_RATING:
        errors.append(FieldError("rating", "Rate from 1 to 5 stars.", Common.OUT_OF_RANGE))


def clean_title(errors: list[FieldError], title: str | None) -> str | None:
    text = plain_text(title or "")
    if len(text) > TITLE_MAX_LENGTH:
        errors.append(
            FieldError("title", f"At most {TITLE_MAX_LENGTH} characters, please.", Common.TOO_LONG)
        )
    return text or None


def clean_html(errors: list[FieldError], field: str, value: str | None, limit: int) -> str | None:
    """Sanitised HTML, or None when it shows no text; TOO_LONG past `limit` characters."""
    cleaned = sanitize_html(value or "")
    if not plain_text(cleaned):
        return None
    if len(cleaned) > limit:
        errors.append(FieldError(field, f"At most {limit} characters, please.", Common.TOO_LONG))
    return cleaned


def review_text(rating: int, title: str | None, body: str | None) -> ReviewText:
    """The cleaned title and body; every problem at once (`UserFacingError`)."""
    errors: list[FieldError] = []
    check_rating(errors, rating)
    text = ReviewText(clean_title(errors, title), clean_html(errors, "body", body, BODY_MAX_LENGTH))
    collect(errors)
    return text


def reply_text(body: str) -> str:
    errors: list[FieldError] = []
    cleaned = clean_html(errors, "body", body, REPLY_MAX_LENGTH)
    if cleaned is None:
        errors.append(FieldError("body", "Write a reply.", Common.REQUIRED))
    collect(errors)
    assert cleaned is not None
    return cleaned


def note_text(note: str | None) -> str | None:
    text = plain_text(note or "") or None
    if text is not None and len(text) > NOTE_MAX_LENGTH:
        collect([FieldError("note", f"At most {NOTE_MAX_LENGTH} characters.", Common.TOO_LONG)])
    return text
