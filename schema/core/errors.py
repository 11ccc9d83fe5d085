"""Every GraphQL error leaves with `extensions.code` and `extensions.requestId`.

Codes: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED (stamped by the limits extension right
after validation), BAD_USER_INPUT (variable/argument coercion, bad page arguments), the code of a
DomainError a resolver raised (directly or via schema.core.mutation.graphql_error), else
INTERNAL_SERVER_ERROR — logged with its traceback and, in production, masked as
"Internal server error". In production, "Did you mean …?" suggestions are dropped for non-admins.

`normalise_errors` rewrites the error list in place; the schema calls it from `process_errors`,
which strawberry runs for every result (HTTP, WebSocket, `schema.execute` in tests) before any
extension sees the errors. It is idempotent: errors that already carry a requestId pass through.
"""

from __future__ import annotations

import re
from typing import Any

import structlog
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import ExecutionContext

from app.errors import DomainError
from app.metrics import GRAPHQL_ERRORS

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL = "INTERNAL_SERVER_ERROR"
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


def classify(error: GraphQLError, execution_context: ExecutionContext | None) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    original = error.original_error
    if isinstance(original, DomainError):
        return original.code
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
    message = error.message
    original = error.original_error
    if isinstance(original, DomainError):
        message = original.message
        retry_after = getattr(original, "retry_after", None)
        if retry_after is not None:
            extensions = {**extensions, "retryAfter": retry_after}
    if code == INTERNAL:
        logger.error(
            "graphql resolver failed",
            path=list(error.path) if error.path else None,
            error=error.message,
            exc_info=original if isinstance(original, BaseException) else None,
        )
        if _hides_details(context):
            message = MASKED_MESSAGE
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
