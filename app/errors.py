"""Domain errors raised by services; the API layer maps them to payload errors or GraphQL errors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str
    code: str


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "BAD_REQUEST"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__
        if code:
            self.code = code


# --- errors that become GraphQL errors with extensions.code -----------------------------------


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Authentication required") -> None:
        super().__init__(message)


class Forbidden(DomainError):
    code = "FORBIDDEN"

    def __init__(self, message: str = "You are not allowed to do this") -> None:
        super().__init__(message)


class NotFound(DomainError):
    code = "NOT_FOUND"

    def __init__(self, what: str = "Object") -> None:
        super().__init__(f"{what} not found")


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(
        self, retry_after: int, message: str = "Too many requests, try again later"
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# --- errors that become `errors: [UserError!]!` in a mutation payload -------------------------


class UserFacingError(DomainError):
    """An expected failure the caller can fix; carries one or more field errors."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class Invalid(UserFacingError):
    def __init__(self, field: str | None, message: str, code: str = "INVALID") -> None:
        super().__init__([FieldError(field, message, code)])


class Conflict(UserFacingError):
    def __init__(self, field: str | None, message: str, code: str = "CONFLICT") -> None:
        super().__init__([FieldError(field, message, code)])


def collect(errors: list[FieldError]) -> None:
    """Raise every accumulated field error at once, or nothing."""
    if errors:
        raise UserFacingError(errors)
