"""The /graphql endpoint: GraphQL over HTTP (POST, GET for queries) and WebSocket subscriptions.

Media types (GraphQL over HTTP): a client accepting `application/graphql-response+json` gets it,
with 400 for requests that fail before execution (parse, validation, variable coercion) and no
`data` entry; `application/json` (the default) gets 200 for every well-formed request. Malformed
requests get 400, bodies other than JSON 415, mutations over GET 405 (`Allow: POST`), an exhausted
rate budget 429. Batching and multipart uploads are off. Headers and cookies resolvers set on
`info.context.response` are merged into the HTTP response. Anonymous public catalog reads go
through the Redis response cache (ETag, 304, X-Cache; see schema/cache.py).

Size: a request larger than MAX_REQUEST_BYTES is refused before anything parses it — a body with
a larger Content-Length at once, a body without one as soon as the bytes counted while it streams
in pass the limit (413, `Connection: close`; never more than the limit is buffered); a GET query
string gets 414; a WebSocket message closes the socket with 1009 (message too big).

Authentication: `Authorization: Bearer <access token>` (HTTP) or `{"authorization": "Bearer …"}`
in the WebSocket `connection_init` payload. No token: the caller is anonymous. A token that does not
verify is never silent anonymity: over HTTP the operation fails with TOKEN_EXPIRED or TOKEN_INVALID,
HTTP 401 and `WWW-Authenticate: Bearer error="invalid_token"` (`OperationGuard`; the sign-in
mutations that need no access token still run); over WebSocket the connection is refused (close code
4403 with graphql-transport-ws, a `connection_error` with the code with graphql-ws). A socket is
closed with 4403 when the access token it was opened with expires.

Partner API keys (app/partners/keys.py), over HTTP only: `X-Api-Key: <key>` or
`Authorization: Bearer <key>` (a key starts with `ews_`, so it is never mistaken for a JWT). The
request then acts as the key's owner (`Context.claims`, `Context.api_key`); a key that does not
verify, or whose owner can no longer sign in, is TOKEN_INVALID (401) like a bad token; a key and
an access token together are refused the same way.

Trusted documents (app/partners/trusted.py): a request may send `documentId` (`sha256:<hex>`)
instead of `query`, over POST and GET; it is resolved once per request. A trusted-only key runs
only documents of its manifest (by `documentId`, or a `query` whose text is one of them); anything
else is PERSISTED_QUERY_NOT_TRUSTED (HTTP 403), as is a revoked document.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator, Mapping
from datetime import timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, cast

import orjson
import structlog
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from app import persisted_queries
from app.accounts.sessions import usable
from app.clock import utcnow
from app.errors import TokenRejected
from app.http.explorer import Explorer
from app.http.middleware import WEBSOCKET_SEND_KEY, replaying, request_info
from app.partners import keys, trusted
from app.partners.keys import KeyCaller
from app.persisted_queries import PersistedQueryError
from app.security.tokens import AccessClaims, verify_access_token
from loaders import Loaders
from schema.core import cache as response_cache
from schema.core.context import Context, locale_of
from schema.core.errors import normalise_errors

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
ACCEPTED_BODY_TYPES = (JSON, GRAPHQL_RESPONSE_JSON)
_PERSISTED_STATUS = {"PERSISTED_QUERY_NOT_FOUND": 200, "PERSISTED_QUERY_NOT_TRUSTED": 403}
_STATE_MEDIA = "graphql_media_type"
_STATE_NEGOTIATED = "graphql_negotiated_media_type"
_STATE_REQUEST_ERROR = "graphql_request_error"
_STATE_REQUEST_DATA = "graphql_request_data"
_HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    414: "URI_TOO_LONG",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
WS_MESSAGE_TOO_BIG = 1009

logger = structlog.get_logger("easyways.auth")


@lru_cache(maxsize=256)
def negotiate(accept: str | None) -> str:
    """Pick the response media type from Accept; application/json when nothing better. A pure
    function of the header's text, so its answers are kept (the same few Accept values come
    with almost every request; parsing one builds `email.message` objects)."""
    best, best_q = JSON, -1.0
    for part in (accept or "").split(","):
        mime, params = parse_content_type(part.strip() or "*/*")
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        if mime == GRAPHQL_RESPONSE_JSON and q > 0 and q >= best_q:
            best, best_q = GRAPHQL_RESPONSE_JSON, q
        elif mime in (JSON, "application/*", "*/*") and q > 0 and q > best_q:
            best, best_q = JSON, q
    return best


@lru_cache(maxsize=256)
def mime_type_of(content_type: str) -> str:
    """The media type of a Content-Type value, without its parameters (kept, like `negotiate`)."""
    return parse_content_type(content_type)[0]


def media_of(request: Request) -> str:
    """The response media type of `request`, negotiated once per request."""
    media: str | None = getattr(request.state, _STATE_NEGOTIATED, None)
    if media is None:
        media = negotiate(request.headers.get("accept"))
        setattr(request.state, _STATE_NEGOTIATED, media)
    return media


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def is_request_error(result: ExecutionResult) -> bool:
    """Failed before execution: no data and no error tied to a field."""
    errors = result.errors or []
    return bool(errors) and result.data is None and all(e.path is None for e in errors)


def max_request_bytes(scope: Scope) -> int:
    return int(scope["app"].state.settings.max_request_bytes)


async def read_body(scope: Scope, receive: Receive, limit: int) -> Receive:
    """Read the request body, refusing it (413) once it is larger than `limit` bytes; a
    `receive` that replays it (then hands on to the server's, for the disconnect)."""
    length = Headers(scope=scope).get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise HTTPException(413, f"The request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return replaying(message, receive)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"The request body is larger than {limit} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return replaying({"type": "http.request", "body": b"".join(chunks)}, receive)


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Both sub-protocols require text frames; the view's JSON encoder yields bytes. A message
    larger than MAX_REQUEST_BYTES closes the socket (1009) before it is decoded."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object]:
        limit = max_request_bytes(self.ws.scope)
        while self.ws.application_state != WebSocketState.DISCONNECTED:
            try:
                text = await self.ws.receive_text()
            except WebSocketDisconnect:
                return
            except KeyError as exc:  # a binary frame
                raise NonTextMessageReceived from exc
            if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
                logger.info("websocket message refused", size=len(text), limit=limit)
                await self.ws.close(WS_MESSAGE_TOO_BIG, f"Messages are limited to {limit} bytes")
                raise WebSocketDisconnected
            try:
                yield self.view.decode_json(text)
            except ValueError as exc:
                if not ignore_parsing_errors:
                    raise NonJsonMessageReceived from exc

    async def send_json(self, message: Mapping[str, object]) -> None:
        text = self.view.encode_json_string(message)
        send = self.ws.scope.get(WEBSOCKET_SEND_KEY)
        try:
            if send is None or self.ws.application_state != WebSocketState.CONNECTED:
                await self.ws.send_text(text)
                return
            try:  # a data frame: straight to the server (app/http/middleware.py)
                await send({"type": "websocket.send", "text": text})
            except OSError as exc:
                self.ws.application_state = WebSocketState.DISCONNECTED
                raise WebSocketDisconnect(code=1006) from exc
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class RequestAdapter(StarletteRequestAdapter):
    """strawberry's adapter, with the Starlette request it wraps (its app state and scope)."""

    @property
    def starlette(self) -> Request:
        return self._request


class GraphQLView(GraphQL[Context, None]):
    websocket_adapter_class = TextWebSocketAdapter
    request_adapter_class = RequestAdapter

    def __init__(
        self, schema: BaseSchema, *, explorer: Explorer | None, allowed_origins: list[str]
    ) -> None:
        self.explorer = explorer
        super().__init__(
            schema,
            graphql_ide="graphiql" if explorer is not None else None,
            allow_queries_via_get=True,
            multipart_uploads_enabled=False,
            connection_init_wait_timeout=timedelta(seconds=10),
            allowed_origins=allowed_origins,
        )

    # --- JSON ---------------------------------------------------------------------------------

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    # --- HTTP ---------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        media = media_of(request)
        try:
            request = await self._bounded(request)
            response = await response_cache.serve(request, self._read_request, self.run, media)
        except HTTPException as exc:
            response = self._http_error(request, exc)
            if exc.status_code == 413:
                response.headers["Connection"] = "close"  # the rest of the body is not read
        except PersistedQueryError as exc:
            response = self._persisted_query_error(request, exc)
        self._apply_media_type(request, response)
        await response(scope, receive, send)

    async def _bounded(self, request: Request) -> Request:
        """The request with its body read within MAX_REQUEST_BYTES (see the module docstring)."""
        limit = max_request_bytes(request.scope)
        if len(request.scope.get("query_string", b"")) > limit:
            raise HTTPException(414, f"The query string is longer than {limit} bytes")
        if request.method in ("GET", "HEAD"):
            return request
        return Request(request.scope, await read_body(request.scope, request.receive, limit))

    def should_render_graphql_ide(self, request: Any) -> bool:
        return (
            request.method == "GET"
            and request.query_params.get("query") is None
            and "text/html" in request.headers.get("accept", "")
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our explorer page (app/http/explorer.py), never strawberry's CDN-loading one."""
        if self.explorer is None:
            raise HTTPException(404, "Not Found")
        return self.explorer.page(request)

    def _http_error(self, request: Request, exc: HTTPException) -> Response:
        media = media_of(request)
        info = request_info(request.scope)
        code = _HTTP_ERROR_CODES.get(exc.status_code, "BAD_REQUEST")
        body = {
            "errors": [
                {
                    "message": exc.reason,
                    "extensions": {"code": code, "requestId": info.request_id if info else None},
                }
            ]
        }
        response = Response(self.encode_json(body), status_code=exc.status_code, media_type=media)
        if exc.status_code == 405:
            response.headers["Allow"] = "POST" if request.method == "GET" else "GET, POST"
        return response

    def _persisted_query_error(self, request: Request, exc: PersistedQueryError) -> Response:
        """PERSISTED_QUERY_NOT_FOUND is a GraphQL answer (200: the client sends the document
        again); a malformed or mismatching persisted query is a bad request (400)."""
        info = request_info(request.scope)
        body = {
            "errors": [
                {
                    "message": exc.message,
                    "extensions": {
                        "code": exc.code,
                        "requestId": info.request_id if info else None,
                    },
                }
            ]
        }
        status = _PERSISTED_STATUS.get(exc.code, 400)
        media = media_of(request)
        response = Response(self.encode_json(body), status_code=status, media_type=media)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _apply_media_type(self, request: Request, response: Response) -> None:
        media = getattr(request.state, _STATE_MEDIA, None)
        if media is None or response.media_type != JSON:
            return
        response.headers["content-type"] = f"{media}; charset=utf-8"
        request_error = getattr(request.state, _STATE_REQUEST_ERROR, False)
        if media == GRAPHQL_RESPONSE_JSON and request_error and response.status_code == 200:
            response.status_code = 400

    async def _read_request(self, request: Request) -> GraphQLRequestData:
        return await self.parse_http_body(self.request_adapter_class(request))

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        """The request's operation, read once per request (the response cache's planning and
        the execution both ask for it)."""
        state = request.starlette.state if isinstance(request, RequestAdapter) else None
        known: GraphQLRequestData | None = getattr(state, _STATE_REQUEST_DATA, None)
        if known is None:
            known = await self._parse_http_body(request)
            if state is not None:
                setattr(state, _STATE_REQUEST_DATA, known)
        return known

    async def _parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        if request.method == "GET":
            data: Any = self.parse_query_params(request.query_params)
        else:
            if mime_type_of(request.content_type or "") not in ACCEPTED_BODY_TYPES:
                raise HTTPException(415, "Request bodies must be application/json")
            data = self.parse_json(await request.get_body())
        if isinstance(data, list):
            raise HTTPException(400, "Batching is not supported; send one operation per request")
        if not isinstance(data, dict):
            raise HTTPException(400, "The request body must be a JSON object")
        query, variables, extensions = (
            data.get("query"),
            data.get("variables"),
            data.get("extensions"),
        )
        operation_name = data.get("operationName")
        document_id = data.get("documentId")
        if not isinstance(document_id, (str, type(None))):
            raise HTTPException(400, "`documentId` must be a string")
        if not isinstance(query, (str, type(None))):
            raise HTTPException(400, "`query` must be a string")
        if not isinstance(variables, (dict, type(None))):
            raise HTTPException(400, "`variables` must be an object")
        if not isinstance(extensions, (dict, type(None))):
            raise HTTPException(400, "`extensions` must be an object")
        if not isinstance(operation_name, (str, type(None))):
            raise HTTPException(400, "`operationName` must be a string")
        digest = persisted_queries.sha256_of(extensions)
        if isinstance(request, RequestAdapter):
            # the document is the request's own text: the same request bytes, the same operation
            inline = digest is None and document_id is None
            setattr(request.starlette.state, response_cache.STATE_INLINE_DOCUMENT, inline)
            query = await _document(request.starlette, query, digest, document_id)
        return GraphQLRequestData(
            query=query, variables=variables, operation_name=operation_name, extensions=extensions
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Queries over GET; queries and mutations over POST; subscriptions only over WebSocket."""
        get = request_adapter.method == "GET"
        allowed = {OperationType.QUERY} if get else {OperationType.QUERY, OperationType.MUTATION}
        try:
            return await self.schema.execute(
                request_data.query,
                variable_values=request_data.variables,
                context_value=context,
                root_value=root_value,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(400, "Subscriptions are served over WebSocket") from exc
            raise HTTPException(405, "Only queries may be sent with GET; use POST") from exc
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            info = request_info(request.scope)
            fallback = SimpleNamespace(
                request_id=info.request_id if info else None, settings=request.app.state.settings
            )
            normalise_errors(result.errors, None, context=fallback)
        media = media_of(request)
        setattr(request.state, _STATE_MEDIA, media)
        data = process_result(result)
        if is_request_error(result):
            setattr(request.state, _STATE_REQUEST_ERROR, True)
            if media == GRAPHQL_RESPONSE_JSON:
                data.pop("data", None)
        response_cache.note_result(request, result, data)
        return data

    # --- context ------------------------------------------------------------------------------

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        info = request_info(request.scope)
        context = Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            db=state.db,
            redis=state.redis,
            settings=state.settings,
            request_id=info.request_id if info else uuid.uuid4().hex,
            loaders=Loaders(state.db),
            keyring=state.keyring,
            storage=state.storage,
            client_ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
            locale=locale_of(request.headers.get("accept-language")),
        )
        if isinstance(request, WebSocket):
            # strawberry stores the connection_init payload here; on_ws_connect reads it.
            context.connection_params = None
        else:
            key = await resolve_api_key(request)
            if key is None:
                authenticate(context, bearer_token(request.headers.get("authorization")))
            else:
                await authenticate_key(context, key)
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params
        context.connection_params = None  # do not keep the token
        if isinstance(params, dict):
            raw = params.get("authorization") or params.get("Authorization")
            authenticate(context, bearer_token(raw) if isinstance(raw, str) else None)
        if context.token_error is not None:
            raise ConnectionRejectionError(
                {"code": str(context.token_error.code), "message": context.token_error.message}
            )
        if context.claims is not None and isinstance(context.request, WebSocket):
            close_on_expiry(context.request, context.claims.exp)
        return cast("UnsetType", UNSET)


_STATE_PERSISTED = "graphql_persisted_query"
_STATE_API_KEY = "graphql_api_key"
_STATE_TRUSTED = "graphql_trusted_documents"
# how long the claims of a key without expiry say they last (nothing reads it over HTTP)
_KEY_CLAIMS_SECONDS = 3600


def not_trusted(message: str) -> PersistedQueryError:
    return PersistedQueryError("PERSISTED_QUERY_NOT_TRUSTED", message)


async def _document(
    request: Request, query: str | None, digest: str | None, document_id: str | None
) -> str | None:
    """The document the request runs: its `query`, an automatic persisted query or a trusted
    document; a trusted-only key gets only documents of its manifest."""
    key = await resolve_api_key(request)
    caller = key if isinstance(key, KeyCaller) else None
    if document_id is not None:
        if query is not None or digest is not None:
            raise PersistedQueryError(
                "BAD_REQUEST", "Send `documentId` alone, without `query` or a persisted query"
            )
        return await _trusted_document(request, caller, document_id)
    if caller is not None and caller.trusted_only:
        if query is None and digest is None:
            return None  # no document at all: the usual 400
        query_sha = trusted.digest_of(query) if query is not None else None
        sha = digest if digest is not None else query_sha
        assert sha is not None
        text = await _manifest_document(request, caller, sha)
        if text is None or (query_sha is not None and query_sha != sha):
            raise not_trusted("This API key may only run the trusted documents of its manifest")
        return text
    if digest is not None:
        return await _persisted_query(request, digest, query)
    return query


async def _trusted_document(request: Request, caller: KeyCaller | None, document_id: str) -> str:
    sha = trusted.document_digest(document_id)
    if sha is None:
        raise PersistedQueryError(
            "BAD_REQUEST", "`documentId` must be `sha256:` and 64 lower-case hexadecimal characters"
        )
    if caller is not None and caller.manifest is not None:
        text = await _manifest_document(request, caller, sha)
    else:
        text = cast(
            "str | None",
            await _cached(request, ("any", sha), lambda s: trusted.trusted_document(s, sha)),
        )
    if text is None:
        raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", "No trusted document has this id")
    return text


async def _manifest_document(request: Request, caller: KeyCaller, sha: str) -> str | None:
    """The text of the document `sha` of the key's manifest; PERSISTED_QUERY_NOT_TRUSTED when
    it was revoked, None when the manifest does not have it."""
    manifest, owner = caller.manifest, caller.owner_id
    if manifest is None:
        return None

    async def lookup(session: Any) -> tuple[str, bool] | None:
        row = await trusted.manifest_document(
            session, owner_id=owner, manifest=manifest, sha256=sha
        )
        return None if row is None else (row.document, row.revoked_at is not None)

    found = cast("tuple[str, bool] | None", await _cached(request, ("manifest", sha), lookup))
    if found is None:
        return None
    text, revoked = found
    if revoked:
        raise not_trusted("This trusted document was revoked")
    return text


async def _cached(request: Request, key: tuple[str, str], lookup: Any) -> Any:
    """`lookup(session)` once per request (the cache's planning and the execution both parse)."""
    known: dict[tuple[str, str], Any] = request.state.__dict__.setdefault(_STATE_TRUSTED, {})
    if key not in known:
        async with request.app.state.db.session() as session:
            known[key] = await lookup(session)
    return known[key]


def presented_key(request: Request) -> str | None:
    """The API key the request presents: `X-Api-Key`, or a Bearer value starting with `ews_`."""
    header = request.headers.get("x-api-key")
    if header is not None:
        return header.strip()
    token = bearer_token(request.headers.get("authorization"))
    return token if token is not None and keys.looks_like_key(token) else None


async def resolve_api_key(request: Request) -> KeyCaller | TokenRejected | None:
    """The request's API key checked (once per request): None when it presents none."""
    raw = presented_key(request)
    if raw is None:
        return None
    known: KeyCaller | TokenRejected | None = getattr(request.state, _STATE_API_KEY, None)
    if known is not None:
        return known
    result: KeyCaller | TokenRejected
    if "x-api-key" in request.headers and "authorization" in request.headers:
        result = TokenRejected("Send an API key or an access token, not both")
    else:
        try:
            async with request.app.state.db.session() as session:
                result = await keys.authenticate(session, raw, now=utcnow())
        except TokenRejected as exc:
            result = exc
    setattr(request.state, _STATE_API_KEY, result)
    return result


async def authenticate_key(context: Context, key: KeyCaller | TokenRejected) -> None:
    """The request acts as the key's owner: `context.claims` describe them, `context.api_key`
    the key. A refused key, or an owner who can no longer sign in, is `context.token_error`."""
    context.claims, context.token_error = None, None
    if isinstance(key, TokenRejected):
        context.token_error = key
        logger.info("api key rejected", reason=key.message)
        return
    user = await context.loaders.accounts.users.load(key.owner_id)
    if user is None or not usable(user):
        context.token_error = TokenRejected("The API key's owner can no longer sign in")
        logger.info("api key rejected", reason="owner unusable", api_key_id=str(key.id))
        return
    expires = key.expires_at or utcnow() + timedelta(seconds=_KEY_CLAIMS_SECONDS)
    context.api_key, context.api_key_id = key, key.id
    context.claims = AccessClaims(
        sub=user.id,
        email=user.email,
        role=user.role,
        ver=user.token_version,
        sid=None,
        exp=int(expires.timestamp()),
        jti=f"key:{key.id}",
    )
    info = request_info(context.request.scope)
    if info is not None:
        info.user_id = str(user.id)


async def _persisted_query(request: Request, digest: str, query: str | None) -> str:
    """The document of an automatic persisted query (app/persisted_queries.py), resolved once
    per request (the cache's planning and the execution both parse the request)."""
    known = getattr(request.state, _STATE_PERSISTED, None)
    if known is not None and known[0] == digest:
        return str(known[1])
    settings = request.app.state.settings
    resolved = await persisted_queries.resolve(
        request.app.state.redis,
        settings.queue_namespace,
        settings.persisted_query_ttl_seconds,
        digest,
        query,
    )
    setattr(request.state, _STATE_PERSISTED, (digest, resolved))
    return resolved


WS_FORBIDDEN = 4403  # graphql-transport-ws: "Forbidden"
_closers: set[asyncio.Task[None]] = set()


def close_on_expiry(ws: WebSocket, expires_at: int) -> None:
    """Close the socket (4403) when the access token it authenticated with expires: the client
    reconnects with a fresh token. Nothing sent over a socket outlives its credentials."""
    delay = max(0.0, expires_at - utcnow().timestamp())

    def close() -> None:
        task = asyncio.ensure_future(_close_expired(ws))
        _closers.add(task)
        task.add_done_callback(_closers.discard)

    asyncio.get_running_loop().call_later(delay, close)


async def _close_expired(ws: WebSocket) -> None:
    if ws.application_state == WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
        await ws.close(WS_FORBIDDEN, "Forbidden: the access token expired")


def authenticate(context: Context, token: str | None) -> None:
    """Verify the access token into `context.claims`; a token that does not verify is kept as
    `context.token_error` (the operation then fails with its code)."""
    context.claims, context.token_error = None, None
    if token is None:
        return
    request = context.request
    try:
        if context.keyring is None:
            raise TokenRejected("No signing keys are loaded")
        context.claims = verify_access_token(context.keyring, context.settings, token)
    except TokenRejected as exc:
        context.token_error = exc
        logger.info("access token rejected", reason=exc.message, code=str(exc.code))
        return
    info = request_info(request.scope)
    if info is not None:
        info.user_id = str(context.claims.sub)
