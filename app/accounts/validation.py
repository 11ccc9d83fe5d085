"""Input rules of the accounts domain. Each function returns every broken rule as FieldErrors
(field names are snake_case input paths) so callers can report them all at once."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import orjson
from email_validator import EmailNotValidError, validate_email

from app.accounts.errors import AccountsCode
from app.errors import Common, FieldError

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 50
MIN_AGE, MAX_AGE = 13, 120
MAX_HEADLINE_LENGTH = 160
MAX_BIO_LENGTH = 5000
MAX_URL_LENGTH = 1000
MAX_PREFERENCES_BYTES = 16 * 1024

_NAME_PUNCTUATION = frozenset(" -'\u2019")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_errors(email: str, field: str = "email") -> list[FieldError]:
    """Syntax check by email-validator (no DNS lookup), at most 254 characters."""
    candidate = email.strip()
    if len(candidate) > MAX_EMAIL_LENGTH:
        return [FieldError(field, "E-mail address is too long", Common.TOO_LONG)]
    try:
        validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        return [FieldError(field, "Enter a valid e-mail address", AccountsCode.INVALID_EMAIL)]
    return []


def clean_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def name_errors(name: str, field: str) -> list[FieldError]:
    """1-50 characters: letters (any script), spaces, hyphens and apostrophes."""
    cleaned = clean_name(name)
    if len(cleaned) > MAX_NAME_LENGTH:
        return [FieldError(field, f"At most {MAX_NAME_LENGTH} characters", Common.TOO_LONG)]
    valid = (
        bool(cleaned)
        and any(c.isalpha() for c in cleaned)
        and all(c.isalpha() or c in _NAME_PUNCTUATION or _is_mark(c) for c in cleaned)
    )
    if not valid:
        return [
            FieldError(
                field,
                "Use letters, spaces, hyphens and apostrophes only",
                AccountsCode.INVALID_NAME,
            )
        ]
    return []


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def clean_phone(phone: str) -> str:
    return _PHONE_SEPARATORS.sub("", phone.strip())


def phone_errors(phone: str, field: str = "phone") -> list[FieldError]:
    """International format: `+`, country code and 7-15 digits (spaces, dots, dashes allowed)."""
    if len(phone) > 32 or not _PHONE.match(clean_phone(phone)):
        return [
            FieldError(
                field,
                "Enter the number in international format, e.g. +14155550100",
                AccountsCode.INVALID_PHONE,
            )
        ]
    return []


def age_errors(age: int, field: str = "age") -> list[FieldError]:
    if not MIN_AGE <= age <= MAX_AGE:
        return [
            FieldError(
                field, f"Age must be between {MIN_AGE} and {MAX_AGE}", AccountsCode.INVALID_AGE
            )
        ]
    return []


def text_errors(value: str, field: str, max_length: int) -> list[FieldError]:
    if len(value) > max_length:
        return [FieldError(field, f"At most {max_length} characters", Common.TOO_LONG)]
    return []


def url_errors(value: str, field: str) -> list[FieldError]:
    if len(value) > MAX_URL_LENGTH:
        return [FieldError(field, f"At most {MAX_URL_LENGTH} characters", Common.TOO_LONG)]
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        return [FieldError(field, "Enter an http(s) URL", Common.INVALID_URL)]
    return []


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def timezone_errors(value: str, field: str = "timezone") -> list[FieldError]:
    if value not in _timezones():
        return [FieldError(field, "Unknown time zone", AccountsCode.INVALID_TIMEZONE)]
    return []


def language_errors(value: str, field: str = "language") -> list[FieldError]:
    if len(value) > 16 or not _LANGUAGE.match(value):
        return [
            FieldError(
                field, "Use a language tag such as en or pt-BR", AccountsCode.INVALID_LANGUAGE
            )
        ]
    return []


def preferences_errors(value: Any, field: str = "preferences") -> list[FieldError]:
    if not isinstance(value, dict):
        return [FieldError(field, "Preferences must be a JSON object", Common.INVALID)]
    if len(orjson.dumps(value)) > MAX_PREFERENCES_BYTES:
        return [FieldError(field, "Preferences are too large", Common.TOO_LONG)]
    return []
