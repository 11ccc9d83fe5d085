"""Shared GraphQL pieces: UserError, the payload pattern, domain-error mapping."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from app.errors import DomainError, FieldError, UserFacingError


@strawberry.type(description="An expected failure the caller can fix.")
class UserError:
    field: str | None = strawberry.field(description="Input field in camelCase, or null.")
    message: str
    code: str

    @classmethod
    def from_field_error(cls, err: FieldError) -> UserError:
        return cls(field=err.field, message=err.message, code=err.code)


def graphql_error(err: DomainError) -> GraphQLError:
    extensions: dict[str, Any] = {"code": err.code}
    retry_after = getattr(err, "retry_after", None)
    if retry_after is not None:
        extensions["retryAfter"] = retry_after
    return GraphQLError(err.message, extensions=extensions)


P = TypeVar("P")


async def run_mutation(make_payload: Callable[..., P], action: Awaitable[dict[str, Any]]) -> P:
    """Await `action`; its dict fills the payload. Expected failures become `errors`,
    authentication/authorization/not-found failures become GraphQL errors with a code."""
    try:
        fields = await action
    except UserFacingError as exc:
        return make_payload(errors=[UserError.from_field_error(e) for e in exc.errors])
    except DomainError as exc:
        raise graphql_error(exc) from exc
    return make_payload(errors=[], **fields)
