"""The schema's one extension: limits, caches, cost, rate limits, metrics, per-operation
WebSocket context.

`OperationGuard` does, in one extension (one instance per operation), what strawberry's
MaxTokensLimiter, ParserCache, AddValidationRules and ValidationCache did before it, in the same
order with the same results. In order of the hooks:
- on_operation: the token limit (GRAPHQL_MAX_TOKENS) becomes a parse option; the depth, alias and
  valid-text rules join the validation rules; production callers who are not admins get no
  introspection; over WebSocket the operation gets a copy of the socket's context with fresh
  loaders (loaders and sessions never outlive one operation).
- on_parse: strawberry's parse cache (LRU of `parse` with the token limit).
- on_validate: a document with more than GRAPHQL_MAX_DIRECTIVES directives gets that one error;
  else it is validated once per document, schema and rules (`VALIDATIONS`). Validation errors
  get GRAPHQL_VALIDATION_FAILED, except values a scalar refused and invalid text (NUL, control
  characters) in a literal, which are BAD_USER_INPUT; for a valid document the variables are
  checked for invalid text (BAD_USER_INPUT), then the cost is computed (cached) and an operation
  above GRAPHQL_MAX_COST is refused.
- on_execute: a request authenticated by an API key runs queries only with the `read` scope and
  mutations only with `write` (FORBIDDEN otherwise); the cost is charged to the caller's budget
  (the API key's own, else the user's, else the client IP's) in Redis; over budget → RATE_LIMITED
  (HTTP 429 + Retry-After), nothing executes. Requests that fail before execution are charged 1.
  X-RateLimit-* headers go on every HTTP response. An API key's usage counters (requests, cost,
  last use) count every operation charged to it.
- then, for an HTTP query every root field of which has a planner (schema/core/planned.py),
  the planners answer it and the executor does not run.
- results: `extensions.cost = {requested, maximum, remaining}`.

The schema runs it with `schema.core.runner.LeanExtensionsRunner`.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import structlog
from graphql import ASTValidationRule, FieldNode, GraphQLError, OperationType, get_operation_ast
from graphql.validation import NoSchemaIntrospectionCustomRule
from redis.exceptions import RedisError
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.schema.schema import validate_document

from app.accounts import revocation
from app.clock import utcnow
from app.errors import DomainError, Failure, TokenRejected
from app.http.middleware import request_info
from app.metrics import GRAPHQL_OPERATIONS
from app.partners.keys import SCOPE_READ, SCOPE_WRITE
from app.partners.usage import record_usage
from app.security.ratelimit import RateLimitResult, hit
from loaders import Loaders
from schema.core.auth import user_of
from schema.core.errors import BAD_USER_INPUT, VALIDATION_FAILED, with_extensions
from schema.core.limits import COST_CACHE, DocumentMemo, directive_limit_error
from schema.core.planned import PlannedReads
from schema.core.scalars import ScalarValueError
from schema.core.values import check_variables

RATE_WINDOW_SECONDS = 60
CACHE_SIZE = 512  # documents in the parse and validation caches
# Mutations that need no access token: a client may still send its expired one with them.
TOKENLESS_MUTATIONS = frozenset(
    {
        "login",
        "register",
        "refreshToken",
        "logout",
        "verifyEmail",
        "resendVerification",
        "requestPasswordReset",
        "resetPassword",
        "oidcAuthorizationUrl",
        "completeOidcLogin",
        "confirmOidcLink",
        "confirmOidcMfa",
        "sendOidcLinkEmail",
        "confirmOidcLinkByEmail",
        "__typename",
    }
)
logger = structlog.get_logger("easyways.graphql")


def _validated(document: Any, schema: Any, rules: tuple[type[ASTValidationRule], ...]) -> Any:
    return validate_document(schema, document, rules)


# validation errors by document (identity), schema and rules: strawberry's ValidationCache keys
# its LRU by the document node itself, whose hash walks the whole tree on every request
VALIDATIONS: DocumentMemo[list[GraphQLError]] = DocumentMemo(_validated, CACHE_SIZE)


def anonymous_bucket(client_ip: str | None, settings: Any) -> tuple[str, int]:
    """An anonymous caller's rate budget (per client IP) and its limit; the response cache
    charges its hits to the same one."""
    return f"gql:ip:{client_ip or 'unknown'}", settings.rate_limit_anonymous_per_minute


def claim(claims: Any, name: str) -> Any:
    if claims is None:
        return None
    return claims.get(name) if isinstance(claims, dict) else getattr(claims, name, None)


def is_admin(context: Any) -> bool:
    """What the token says (cheap; for labels and limits, not for privileges)."""
    return str(claim(getattr(context, "claims", None), "role")) == "admin"


async def is_live_admin(context: Any) -> bool:
    """An admin token whose session is still live (not revoked, not logged out everywhere)."""
    if not is_admin(context):
        return False
    try:
        user = await user_of(context)
    except DomainError:
        return False
    return user is not None and str(user.role) == "admin"


def _code_of(error: GraphQLError) -> str:
    """A validation error's code: a literal one of our scalars refused is BAD_USER_INPUT."""
    refused = isinstance(error.original_error, ScalarValueError)
    return BAD_USER_INPUT if refused else VALIDATION_FAILED


class OperationGuard(SchemaExtension):
    """The schema's one extension, built per operation (schema/root.py passes the limits)."""

    def __init__(
        self,
        max_tokens: int,
        rules: tuple[type[ASTValidationRule], ...] = (),
        cache_size: int = CACHE_SIZE,
        planned: PlannedReads | None = None,
    ) -> None:
        self.max_tokens = max_tokens
        self.rules = rules
        self.cache_size = cache_size
        self.planned = planned
        self.cost: int | None = None
        self.maximum: int | None = None
        self.rate: RateLimitResult | None = None

    # --- helpers ------------------------------------------------------------------------------

    @property
    def context(self) -> Any:
        return self.execution_context.context

    def _settings(self) -> Any:
        return getattr(self.context, "settings", None)

    def _operation_labels(self) -> tuple[str, str]:
        try:
            kind = self.execution_context.operation_type.value
        except (RuntimeError, AttributeError):
            kind = "unknown"
        name = (self.execution_context.operation_name or "anonymous")[:64]
        return kind, name

    # --- hooks --------------------------------------------------------------------------------

    async def on_operation(self) -> AsyncIterator[None]:
        ec = self.execution_context
        ec.parse_options["max_tokens"] = self.max_tokens
        ec.validation_rules = (*ec.validation_rules, *self.rules)
        started = time.perf_counter()
        self._isolate_websocket_operation()
        settings = self._settings()
        if (
            settings is not None
            and settings.is_production
            and not await is_live_admin(self.context)
        ):
            ec.validation_rules = (*ec.validation_rules, NoSchemaIntrospectionCustomRule)
        try:
            yield
        finally:
            if self.rate is None:  # failed before execution: still counts against the budget
                await self._charge(1)
            self._observe(time.perf_counter() - started)

    def on_parse(self) -> Iterator[None]:
        # strawberry's ParserCache: the LRU (shared by every schema) of `parse` with the token
        # limit; a document over the limit raises the parser's error (GRAPHQL_PARSE_FAILED).
        ec = self.execution_context
        parse = _get_parse_cache(self.cache_size)
        ec.graphql_document = parse(ec.query, **ec.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        # Before strawberry looks at the errors. The cached error list is never mutated: errors
        # are copied with their code.
        self._validate()
        ec = self.execution_context
        if ec.pre_execution_errors:
            ec.pre_execution_errors = [
                e if "code" in (e.extensions or {}) else with_extensions(e, code=_code_of(e))
                for e in ec.pre_execution_errors
            ]
        elif (invalid := check_variables(ec.variables)) is not None:
            ec.pre_execution_errors = [invalid]
        else:
            self._check_cost()
        yield

    def _validate(self) -> None:
        """The directive count, then graphql-core's validation, once per document, schema and
        rule classes (`VALIDATIONS`, an LRU shared by every schema)."""
        ec = self.execution_context
        settings = self._settings()
        if settings is not None and ec.graphql_document is not None:
            error = directive_limit_error(ec.graphql_document, settings)
            if error is not None:
                ec.pre_execution_errors = [error]
                return
        if ec.graphql_document is None:
            return
        ec.pre_execution_errors = VALIDATIONS.get(
            ec.graphql_document, ec.schema._schema, tuple(ec.validation_rules)
        )

    def _check_cost(self) -> None:
        ec = self.execution_context
        settings = self._settings()
        if settings is None or ec.graphql_document is None:
            return
        self.maximum = settings.graphql_max_cost
        self.cost = COST_CACHE.cost(
            ec.schema._schema, ec.graphql_document, ec.query, ec.operation_name, ec.variables
        )
        if self.cost > self.maximum:
            ec.pre_execution_errors = [
                GraphQLError(
                    f"Query cost {self.cost} exceeds the maximum of {self.maximum}; "
                    "ask for fewer fields or smaller pages.",
                    extensions={"code": VALIDATION_FAILED},
                )
            ]

    async def on_execute(self) -> AsyncIterator[None]:
        self._refuse_rejected_token()
        self._refuse_out_of_scope()
        result = await self._charge(self.cost or 1, read_revocation=True)
        if result is not None and not result.allowed:
            raise GraphQLError(
                "Rate limit exceeded; try again later.",
                extensions={"code": Failure.RATE_LIMITED.value, "retryAfter": result.reset_after},
            )
        await self._run_planned()
        yield

    async def _run_planned(self) -> None:
        """A query every field of which a planner covers gets its result here; strawberry then
        skips the executor (it runs only when `execution_context.result` is unset)."""
        if self.planned is None or not self.planned.applies(self.context):
            return
        ec = self.execution_context
        result = await self.planned.run(
            ec.schema._schema, ec.graphql_document, ec.operation_name, ec.variables, self.context
        )
        if result is not None:
            ec.result = result

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        remaining = max(self.rate.remaining, 0) if self.rate is not None else None
        return {"cost": {"requested": self.cost, "maximum": self.maximum, "remaining": remaining}}

    # --- pieces -------------------------------------------------------------------------------

    def _refuse_rejected_token(self) -> None:
        """A bearer token that did not verify fails the operation with its code (HTTP 401 and
        `WWW-Authenticate`), unless the operation only signs in (it needs no access token)."""
        error = getattr(self.context, "token_error", None)
        if error is None or self._signs_in_only():
            return
        response = getattr(self.context, "response", None)
        if isinstance(response, Response):
            response.status_code = 401
            response.headers["WWW-Authenticate"] = (
                f'Bearer error="invalid_token", error_description="{error.message}"'
            )
        raise GraphQLError(error.message, extensions={"code": str(error.code)})

    def _refuse_out_of_scope(self) -> None:
        """An API key without `read` runs no query, without `write` no mutation."""
        key = getattr(self.context, "api_key", None)
        if key is None:
            return
        ec = self.execution_context
        operation = (
            get_operation_ast(ec.graphql_document, ec.operation_name)
            if ec.graphql_document is not None
            else None
        )
        mutation = operation is not None and operation.operation == OperationType.MUTATION
        needed = SCOPE_WRITE if mutation else SCOPE_READ
        if needed not in key.scopes:
            raise GraphQLError(
                f"The API key does not have the `{needed}` scope",
                extensions={"code": Failure.FORBIDDEN.value},
            )

    def _signs_in_only(self) -> bool:
        ec = self.execution_context
        if ec.graphql_document is None:
            return False
        operation = get_operation_ast(ec.graphql_document, ec.operation_name)
        if operation is None or operation.operation != OperationType.MUTATION:
            return False
        names = {
            s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)
        }
        everything = len(names) == len(operation.selection_set.selections)
        return everything and names <= TOKENLESS_MUTATIONS

    def _isolate_websocket_operation(self) -> None:
        context = self.context
        if not isinstance(getattr(context, "request", None), WebSocket):
            return
        claims, token_error = context.claims, context.token_error
        expires = claim(claims, "exp")
        if isinstance(expires, int) and expires < utcnow().timestamp():
            # the socket outlived its access token: its operations fail until it reconnects
            claims, token_error = None, TokenRejected("The access token has expired", expired=True)
        self.execution_context.context = dataclasses.replace(
            context, loaders=Loaders(context.db), claims=claims, token_error=token_error
        )

    def _bucket(self) -> tuple[str, int] | None:
        settings = self._settings()
        if settings is None or getattr(self.context, "redis", None) is None:
            return None
        key = getattr(self.context, "api_key", None)
        if key is not None:  # a key's own budget, apart from its owner's
            return f"gql:key:{key.id}", key.rate_limit_per_minute
        subject = claim(getattr(self.context, "claims", None), "sub")
        if subject is not None:
            return f"gql:user:{subject}", settings.rate_limit_user_per_minute
        return anonymous_bucket(getattr(self.context, "client_ip", None), settings)

    async def _charge(self, cost: int, *, read_revocation: bool = False) -> RateLimitResult | None:
        """Charge the caller's budget; before execution also read, in the same round trip,
        whether the caller's session was revoked (`Context.session_revoked`, which the caller
        check then uses instead of asking Redis again)."""
        bucket = self._bucket()
        if bucket is None:
            return None
        key, limit = bucket
        session = self._session_to_check() if read_revocation else None
        try:
            self.rate = await hit(
                self.context.redis,
                key,
                limit=limit,
                window_seconds=RATE_WINDOW_SECONDS,
                cost=cost,
                also_exists=revocation.key(session) if session is not None else None,
                lease=session is None,  # nothing else to read: a local lease may pay
            )
        except (RedisError, OSError) as exc:  # fail open: Redis trouble must not stop the API
            logger.warning("rate limiter unavailable", error=str(exc))
            return None
        if session is not None and self.rate.exists is not None:
            self.context.session_revoked = self.rate.exists
        if self.rate.allowed:
            await self._count_key_usage(cost)
        response = getattr(self.context, "response", None)
        if isinstance(response, Response):
            response.headers.update(self.rate.headers())
            if not self.rate.allowed:
                response.status_code = 429
                response.headers["Retry-After"] = str(self.rate.reset_after)
        return self.rate

    def _session_to_check(self) -> uuid.UUID | None:
        """The session of a signed-in caller whose check has not run yet."""
        context = self.context
        claims = getattr(context, "claims", None)
        sid = getattr(claims, "sid", None)
        if not isinstance(sid, uuid.UUID) or getattr(context, "_user_loaded", True):
            return None
        return sid

    async def _count_key_usage(self, cost: int) -> None:
        key = getattr(self.context, "api_key", None)
        if key is None:
            return
        namespace = self._settings().queue_namespace
        try:
            await record_usage(self.context.redis, namespace, key.id, cost=cost, at=utcnow())
        except (RedisError, OSError) as exc:  # counters are best effort, like the limiter
            logger.warning("api key usage not counted", error=str(exc))

    def _observe(self, elapsed: float) -> None:
        kind, name = self._operation_labels()
        if self.execution_context.graphql_document is not None:
            GRAPHQL_OPERATIONS.labels(operation_type=kind, operation_name=name).observe(elapsed)
        request = getattr(self.context, "request", None)
        info = request_info(request.scope) if request is not None else None
        if info is not None:
            info.operation_name = self.execution_context.operation_name
            info.operation_type = kind
            subject = claim(getattr(self.context, "claims", None), "sub")
            info.user_id = str(subject) if subject is not None else None
