"""Domain errors raised by services, and the codes they carry.

Every code is a member of a `Code` enum, written `NAME = "NAME", "what it means"`: the GraphQL
layer publishes every member (with its description) as a GraphQL enum value, so a client can rely
on the list. `Failure` holds the codes of errors that end an operation (they become GraphQL errors
with `extensions.code`); `Common` and each domain's `<Domain>Code` (in `app/<domain>/errors.py`)
hold the codes of expected failures a caller can fix (they become a mutation payload's `errors`).

Services name input fields in snake_case (`category_id`, `tiers[1].price`); the GraphQL layer
turns them into the API's names. `app/` never writes a GraphQL name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

# a snake_case path: names, list indexes and dots (`tiers[1].original_price`)
FIELD_PATH = re.compile(r"[a-z][a-z0-9_]*(\[\d+\])?(\.[a-z][a-z0-9_]*(\[\d+\])?)*")


class Code(StrEnum):
    """Base of every code enum: the value is the code, `description` says what it means."""

    description: str

    def __new__(cls, value: str, description: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


class Failure(Code):
    """Codes of errors that end an operation: GraphQL errors with `extensions.code`."""

    UNAUTHENTICATED = "UNAUTHENTICATED", "Sign in first: no valid session came with the request."
    TOKEN_EXPIRED = "TOKEN_EXPIRED", "The access token has expired: refresh it and retry."
    TOKEN_INVALID = "TOKEN_INVALID", "The access token is malformed, forged or revoked."
    FORBIDDEN = "FORBIDDEN", "You are signed in but may not do this."
    NOT_FOUND = "NOT_FOUND", "No such object, or you may not see it."
    RATE_LIMITED = (
        "RATE_LIMITED",
        "Too many requests: retry after the number of seconds the error gives.",
    )
    BAD_USER_INPUT = "BAD_USER_INPUT", "An argument or variable has a value the API cannot take."
    PAYMENT_PROVIDER_ERROR = (
        "PAYMENT_PROVIDER_ERROR",
        "The payment provider refused the request or could not be reached.",
    )
    SEARCH_UNAVAILABLE = "SEARCH_UNAVAILABLE", "The search backend cannot serve this request."
    NOT_ELIGIBLE = "NOT_ELIGIBLE", "The enrollment has nothing to certify (not completed)."
    SERVICE_UNAVAILABLE = (
        "SERVICE_UNAVAILABLE",
        "A service the server depends on is briefly unavailable: retry later, after the"
        " number of seconds the error gives.",
    )


class Common(Code):
    """Codes of expected failures that any domain may report on an input field."""

    REQUIRED = "REQUIRED", "The field needs a value."
    INVALID = "INVALID", "The value is not acceptable for this field."
    TOO_LONG = "TOO_LONG", "The text is longer than allowed."
    TOO_SHORT = "TOO_SHORT", "The text is shorter than allowed."
    TOO_MANY = "TOO_MANY", "There are more entries than allowed."
    OUT_OF_RANGE = "OUT_OF_RANGE", "The number is outside the allowed range."
    FILE_NOT_FOUND = "FILE_NOT_FOUND", "No finished upload of yours has this id."
    INVALID_URL = "INVALID_URL", "Enter an http(s) URL."
    CONFLICT = "CONFLICT", "The change conflicts with the current state; reload and retry."
    TOO_PRECISE = "TOO_PRECISE", "The amount has more decimals than the currency allows."
    UNKNOWN_CURRENCY = "UNKNOWN_CURRENCY", "Not an ISO 4217 currency code."


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str
    code: Code

    def __post_init__(self) -> None:
        if not isinstance(self.code, Code):
            raise TypeError(f"codes are members of a Code enum, got {self.code!r}")
        if self.field is not None and not FIELD_PATH.fullmatch(self.field):
            raise ValueError(f"field paths are snake_case, got {self.field!r}")


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code: Code = Failure.BAD_USER_INPUT

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__


# --- errors that become GraphQL errors with extensions.code -----------------------------------


class Unauthenticated(DomainError):
    code = Failure.UNAUTHENTICATED

    def __init__(self, message: str = "Authentication required") -> None:
        super().__init__(message)


class TokenRejected(Unauthenticated):
    """A bearer token that does not verify: TOKEN_EXPIRED or TOKEN_INVALID, never anonymity."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.code = Failure.TOKEN_EXPIRED if expired else Failure.TOKEN_INVALID


class Forbidden(DomainError):
    code = Failure.FORBIDDEN

    def __init__(self, message: str = "You are not allowed to do this") -> None:
        super().__init__(message)


class NotFound(DomainError):
    code = Failure.NOT_FOUND

    def __init__(self, what: str = "Object") -> None:
        super().__init__(f"{what} not found")


class RateLimited(DomainError):
    code = Failure.RATE_LIMITED

    def __init__(
        self, retry_after: int, message: str = "Too many requests, try again later"
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    """A dependency (Redis, …) cannot be reached: nothing was changed, retry after a while."""

    code = Failure.SERVICE_UNAVAILABLE

    def __init__(
        self,
        retry_after: int = 5,
        message: str = "The service is briefly unavailable, try again in a few seconds",
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# --- errors that become `errors: [UserError!]!` in a mutation payload -------------------------


class UserFacingError(DomainError):
    """An expected failure the caller can fix; carries one or more field errors. Raised by a
    query (a filter it cannot take), it is a BAD_USER_INPUT GraphQL error."""

    code = Failure.BAD_USER_INPUT

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class Invalid(UserFacingError):
    def __init__(self, field: str | None, message: str, code: Code = Common.INVALID) -> None:
        super().__init__([FieldError(field, message, code)])


class Conflict(UserFacingError):
    def __init__(self, field: str | None, message: str, code: Code = Common.CONFLICT) -> None:
        super().__init__([FieldError(field, message, code)])


def collect(errors: list[FieldError]) -> None:
    """Raise every accumulated field error at once, or nothing."""
    if errors:
        raise UserFacingError(errors)
