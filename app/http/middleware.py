"""Pure-ASGI middleware (no BaseHTTPMiddleware): request id + access log + HTTP metrics +
security headers, in one wrapper of `send` (each layer of middleware costs every request a call
and a wrapped `send`).

The request id comes from `X-Request-ID` when it is 1-128 characters of [A-Za-z0-9._-], else a
new uuid4 hex; it is echoed on the response, bound into structlog's context vars (so it is on every
log line of the request) and kept on the scope as `RequestInfo` for the GraphQL layer, which adds
the operation name and user id for the access line.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import HTTP_LATENCY, HTTP_REQUESTS

REQUEST_ID_HEADER = "X-Request-ID"
SCOPE_KEY = "easyways.request"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

access_logger = structlog.get_logger("easyways.access")


@dataclass
class RequestInfo:
    request_id: str
    operation_name: str | None = None
    operation_type: str | None = None
    user_id: str | None = None


# A WebSocket's send as the server gave it: the wrappers of the middleware act only on the
# handshake and the close, so the endpoint sends data frames through it (one frame per event and
# subscriber: schema/core/endpoint.py).
WEBSOCKET_SEND_KEY = "easyways.websocket_send"


def replaying(first: Message, receive: Receive) -> Receive:
    """A `receive` that answers `first` once, then hands on to `receive` (a body read ahead)."""
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


def request_info(scope: Scope) -> RequestInfo | None:
    info = scope.get(SCOPE_KEY)
    return info if isinstance(info, RequestInfo) else None


def accept_request_id(value: str | None) -> str:
    if value and _VALID_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_CHILDREN: dict[tuple[Any, ...], Any] = {}


def _child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, looked up once per metric and label values (routes, methods
    and statuses are few; prometheus_client validates and locks on every `labels` call)."""
    key = (metric, *labels)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN[key] = metric.labels(*labels)
    return child


# Answers an HTTP request before the rest of the stack when it can (the response cache's local
# hits: schema/core/cache.py `Shortcut`): None when it answered, else the `receive` to go on with.
Shortcut = Callable[[Scope, Receive, Send], Awaitable[Receive | None]]


class RequestContextMiddleware:
    """The request id, the access line and HTTP metrics, and the security headers
    (`security_headers`) on every HTTP response; `shortcut` may answer a request first."""

    def __init__(
        self, app: ASGIApp, *, hsts: bool = False, shortcut: Shortcut | None = None
    ) -> None:
        self.app = app
        self.hsts = hsts
        self.shortcut = shortcut

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        info = RequestInfo(accept_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER)))
        scope[SCOPE_KEY] = info
        http = scope["type"] == "http"
        if not http:
            scope[WEBSOCKET_SEND_KEY] = send
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] in ("http.response.start", "websocket.accept"):
                status = message.get("status", 101)
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = info.request_id
                if http:
                    security_headers(headers, hsts=self.hsts)
            elif message["type"] == "websocket.close" and status == 500:
                status = 403  # closed before accepting: the server refuses the handshake
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=info.request_id):
            try:
                if http and self.shortcut is not None:
                    going_on = await self.shortcut(scope, receive, send_with_id)
                    if going_on is None:
                        return
                    receive = going_on
                await self.app(scope, receive, send_with_id)
            finally:
                self._record(scope, info, status, time.perf_counter() - started)

    def _record(self, scope: Scope, info: RequestInfo, status: int, elapsed: float) -> None:
        route = route_template(scope)
        method = scope.get("method", "WS")
        if scope["type"] == "http":
            # a made-up method is counted as OTHER: label values stay few however clients call
            label = method if method in _METHODS else "OTHER"
            _child(HTTP_REQUESTS, label, route, str(status)).inc()
            _child(HTTP_LATENCY, label, route).observe(elapsed)
        fields: dict[str, Any] = {
            "method": method,
            "path": scope.get("path"),
            "route": route,
            "status": status,
            "latency_ms": round(elapsed * 1000, 2),
            "user_id": info.user_id,
            "operation_name": info.operation_name,
            "operation_type": info.operation_type,
            "client_ip": (scope.get("client") or (None,))[0],
        }
        if route in _QUIET_ROUTES:
            access_logger.debug("request", **fields)
        else:
            access_logger.info("request", **fields)


class BrowserCORSMiddleware(CORSMiddleware):
    """Starlette's CORS for the requests that carry an `Origin` (browsers send it with every
    cross-origin request): a request without one gets no CORS headers, and costs no wrapped
    `send`. Public cacheable answers vary on `Origin` (schema/core/cache.py), so a shared cache
    never hands a browser the answer made for a request without one."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def explorer_csp(websocket_origin: str | None = None) -> str:
    """The CSP of HTML pages (the explorer, app/http/explorer.py): scripts, styles, images and
    fonts from this origin only, no inline script, requests to this origin (and its WebSocket
    origin). Styles allow 'unsafe-inline': GraphiQL's dialogs add <style> elements at run time."""
    connect = f"'self' {websocket_origin}" if websocket_origin else "'self'"
    return (
        "default-src 'none'; "
        "script-src 'self'; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "font-src 'self' data:; "
        f"connect-src {connect}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


GRAPHIQL_CSP = explorer_csp()


_HSTS = "max-age=63072000; includeSubDomains"
_ALWAYS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
)


def security_headers(headers: MutableHeaders, *, hsts: bool) -> None:
    """nosniff, no referrer, no framing, a strict CSP (relaxed for HTML pages: the explorer),
    HSTS in production — each unless the response set its own."""
    present = {name.lower() for name, _ in headers.raw}
    for name, value in _ALWAYS:
        if name.encode() not in present:
            headers.append(name, value)
    if b"content-security-policy" not in present:
        html = headers.get("content-type", "").startswith("text/html")
        headers.append("content-security-policy", GRAPHIQL_CSP if html else API_CSP)
    if hsts and b"strict-transport-security" not in present:
        headers.append("strict-transport-security", _HSTS)
