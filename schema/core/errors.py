"""Error codes as GraphQL enums, the payload's `UserError`, and the normalising of GraphQL errors.

Two enums list every code the API can answer, with descriptions (they are in schema.graphql):
- `UserErrorCode`: the `code` of a mutation payload's `errors` — `app.errors.Common` and each
  domain's `<Domain>Code` (app/<domain>/errors.py); adding a domain adds its enum to `USER_CODES`.
- `ErrorCode`: the `extensions.code` of GraphQL errors — `app.errors.Failure` (raised by services)
  and `Transport` (raised by the GraphQL layer itself).

Every GraphQL error leaves with `extensions.code` and `extensions.requestId`: GRAPHQL_PARSE_FAILED,
GRAPHQL_VALIDATION_FAILED (stamped by the limits extension right after validation),
BAD_USER_INPUT (variable/argument coercion, bad page arguments, a filter a query cannot take —
with its field errors in `extensions.fields`), the code of a DomainError a resolver raised, else
INTERNAL_SERVER_ERROR — logged with its traceback and, in production, masked as "Internal server
error"; elsewhere its message is the exception's type and message (`app.db.error_summary`: for a
database error the driver's first message line, never the SQL or its parameters). In production,
"Did you mean …?" suggestions are dropped for non-admins.

`normalise_errors` rewrites the error list in place; the schema calls it from `process_errors`,
which strawberry runs for every result (HTTP, WebSocket, `schema.execute` in tests) before any
extension sees the errors. It is idempotent: errors that already carry a requestId pass through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

import strawberry
import structlog
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import ExecutionContext

from app.accounts.errors import AccountsCode
from app.accounts.oidc_errors import OidcCode
from app.accounts.privacy_errors import PrivacyCode
from app.admin.errors import AdminCode
from app.assessments.errors import AssessmentsCode
from app.catalog.errors import CatalogCode
from app.cms.errors import CmsCode
from app.cms.review_errors import ReviewsCode
from app.commerce.errors import CommerceCode
from app.communication.errors import CommunicationCode
from app.db import database_unavailable, error_summary
from app.errors import (
    Code,
    Common,
    DomainError,
    Failure,
    FieldError,
    ServiceUnavailable,
    UserFacingError,
)
from app.learning.errors import LearningCode
from app.media.errors import MediaCode
from app.metrics import GRAPHQL_ERRORS
from app.notifications.errors import NotificationsCode
from app.partners.errors import PartnersCode
from app.redis import redis_unavailable
from app.search.errors import SearchCode
from app.webhooks.errors import WebhooksCode


class Transport(Code):
    """Codes of errors the GraphQL layer raises before or around execution."""

    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED", "The document is not valid GraphQL syntax."
    GRAPHQL_VALIDATION_FAILED = (
        "GRAPHQL_VALIDATION_FAILED",
        "The document does not fit the schema or the limits (depth, aliases, tokens, cost).",
    )
    BAD_REQUEST = "BAD_REQUEST", "The HTTP request is not a GraphQL request this server takes."
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED", "Mutations need POST."
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE", "Send application/json bodies."
    PAYLOAD_TOO_LARGE = (
        "PAYLOAD_TOO_LARGE",
        "The request body is larger than the server takes (HTTP 413).",
    )
    URI_TOO_LONG = "URI_TOO_LONG", "The query string is longer than the server takes (HTTP 414)."
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR", "An unexpected fault (logged with the id)."


USER_CODES: tuple[type[Code], ...] = (
    Common,
    AccountsCode,
    CatalogCode,
    LearningCode,
    AssessmentsCode,
    MediaCode,
    CommerceCode,
    SearchCode,
    CommunicationCode,
    CmsCode,
    NotificationsCode,
    PartnersCode,
    AdminCode,
    WebhooksCode,
    ReviewsCode,
    PrivacyCode,
    OidcCode,
)
FAILURE_CODES: tuple[type[Code], ...] = (Failure, Transport)


def graphql_enum(name: str, description: str, groups: Iterable[type[Code]]) -> Any:
    """One GraphQL enum of every member of `groups` (a name may appear in one group only)."""
    values: dict[str, Any] = {}
    for group in groups:
        for code in group:
            if code.value in values:
                raise ValueError(f"{name}: {code.value} is defined twice")
            values[code.value] = strawberry.enum_value(
                code.value, description=code.description or None
            )
    python_enum: Any = Enum(name, values)  # type: ignore[misc]
    return strawberry.enum(python_enum, name=name, description=description)


UserErrorCode = graphql_enum(
    "UserErrorCode", "What went wrong in a mutation payload's `errors`.", USER_CODES
)
ErrorCode = graphql_enum("ErrorCode", "The `extensions.code` of a GraphQL error.", FAILURE_CODES)
ERROR_CODES = frozenset(code.value for group in FAILURE_CODES for code in group)
_CAMEL = re.compile(r"_([a-z0-9])")


def api_path(field: str | None) -> str | None:
    """A service's snake_case field path in the API's names: `tiers[1].original_price` →
    `tiers[1].originalPrice`."""
    return None if field is None else _CAMEL.sub(lambda m: m.group(1).upper(), field)


@strawberry.type(description="An expected failure the caller can fix.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault, as a path of API names relative to `input` "
        "(`tiers[1].price`); null when the failure concerns the input as a whole."
    )
    message: str = strawberry.field(description="For people; may change, unlike `code`.")
    code: UserErrorCode  # type: ignore[valid-type]

    @classmethod
    def of(cls, error: FieldError) -> UserError:
        return cls(
            field=api_path(error.field), message=error.message, code=UserErrorCode[str(error.code)]
        )


PARSE_FAILED = Transport.GRAPHQL_PARSE_FAILED.value
VALIDATION_FAILED = Transport.GRAPHQL_VALIDATION_FAILED.value
BAD_USER_INPUT = Failure.BAD_USER_INPUT.value
INTERNAL = Transport.INTERNAL_SERVER_ERROR.value
MASKED_MESSAGE = "Internal server error"

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
logger = structlog.get_logger("easyways.graphql")


def with_extensions(
    error: GraphQLError, message: str | None = None, **extensions: Any
) -> GraphQLError:
    """A copy of `error` with extra extensions (and optionally another message)."""
    return GraphQLError(
        message if message is not None else error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), **extensions},
    )


def _context_value(execution_context: ExecutionContext | None) -> Any:
    return getattr(execution_context, "context", None) if execution_context else None


def _is_privileged(context: Any) -> bool:
    claims = getattr(context, "claims", None)
    role = getattr(claims, "role", None) if claims is not None else None
    return str(role) == "admin"


def _hides_details(context: Any) -> bool:
    settings = getattr(context, "settings", None)
    return bool(settings is not None and settings.is_production)


def dependency_unavailable(error: Exception) -> bool:
    """The database or Redis could not be reached, or a connection to it was lost."""
    return database_unavailable(error) or redis_unavailable(error)


def classify(error: GraphQLError, execution_context: ExecutionContext | None) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    original = error.original_error
    if isinstance(original, DomainError):
        return str(original.code)
    if isinstance(error, GraphQLSyntaxError) or isinstance(original, GraphQLSyntaxError):
        return PARSE_FAILED
    if execution_context is not None and execution_context.graphql_document is None:
        return PARSE_FAILED
    if isinstance(error, StrawberryInputCoercionError) or isinstance(
        original, (StrawberryInputCoercionError, GlobalIDValueError)
    ):
        return BAD_USER_INPUT
    if error.path is None and (
        original is None
        or isinstance(original, GraphQLError)
        or error.message.startswith("Variable '$")
    ):
        # Raised by graphql-core after validation, before any field ran: variable coercion.
        return BAD_USER_INPUT
    # With a path and no exception it is a broken contract (e.g. null for a non-null field).
    return INTERNAL


def normalise_error(
    error: GraphQLError, execution_context: ExecutionContext | None, context: Any = None
) -> GraphQLError:
    extensions = error.extensions or {}
    if "requestId" in extensions:
        return error
    context = context if context is not None else _context_value(execution_context)
    code = classify(error, execution_context)
    if code not in ERROR_CODES:  # a code outside the published enum is a bug: say so, loudly
        logger.error("graphql error with an unpublished code", code=code, error=error.message)
        code = INTERNAL
    message = error.message
    original = error.original_error
    if code == INTERNAL and isinstance(original, Exception) and dependency_unavailable(original):
        # the database or Redis went away mid-request: nothing was committed, retrying is right
        logger.warning("dependency unavailable", error=error_summary(original))
        original = ServiceUnavailable()
        code = str(original.code)
    if isinstance(original, DomainError):
        message = original.message
        retry_after = getattr(original, "retry_after", None)
        if retry_after is not None:
            extensions = {**extensions, "retryAfter": retry_after}
        if isinstance(original, UserFacingError):
            fields = [
                {"field": api_path(e.field), "message": e.message, "code": str(e.code)}
                for e in original.errors
            ]
            extensions = {**extensions, "fields": fields}
    if code == INTERNAL:
        logger.error(
            "graphql resolver failed",
            path=list(error.path) if error.path else None,
            error=error.message,
            exc_info=original if isinstance(original, BaseException) else None,
        )
        if _hides_details(context):
            message = MASKED_MESSAGE
        elif isinstance(original, Exception) and not isinstance(original, GraphQLError):
            message = error_summary(original)
    elif _hides_details(context) and not _is_privileged(context):
        message = _SUGGESTION.sub("", message)
    GRAPHQL_ERRORS.labels(code=code).inc()
    request_id = getattr(context, "request_id", None)
    return with_extensions(error, message, **{**extensions, "code": code, "requestId": request_id})


def normalise_errors(
    errors: list[GraphQLError], execution_context: ExecutionContext | None, context: Any = None
) -> None:
    """Replace each error of `errors` (in place) by its normalised copy."""
    for index, error in enumerate(errors):
        errors[index] = normalise_error(error, execution_context, context)
