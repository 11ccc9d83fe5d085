"""The per-request GraphQL context: never shared across requests or users."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as _Info

from app.db import Database
from app.errors import TokenRejected
from app.integrations.storage import Storage, make_storage
from app.partners.keys import KeyCaller
from app.security.tokens import AccessClaims, KeyRing
from app.settings import Settings

if TYPE_CHECKING:
    from app.accounts.models import User
    from loaders import Loaders
    from schema.core.fanout import SharedResults

DEFAULT_LOCALE = "en"


@dataclass
class OpenSubscriptions:
    count: int = 0


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    db: Database
    redis: Redis
    settings: Settings
    request_id: str
    loaders: Loaders
    keyring: KeyRing | None = None
    # Claims of a verified access token (set by the endpoint), None for anonymous callers.
    claims: AccessClaims | None = None
    # Why the bearer token that came with the request was refused (the operation then fails
    # with its code: TOKEN_EXPIRED / TOKEN_INVALID), None when there was no token or it verified.
    token_error: TokenRejected | None = None
    # The partner API key the request authenticated with (`claims` then describe its owner);
    # None for an access token or anonymous caller. `api_key_id` is what the audit log records.
    api_key: KeyCaller | None = None
    api_key_id: uuid.UUID | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    # The caller's locale (from Accept-Language), for display strings such as formatted money.
    locale: str = DEFAULT_LOCALE
    # Object storage (app.state.storage); built from settings when a caller leaves it out.
    storage: Storage = None  # type: ignore[assignment]
    # A WebSocket's `connection_init` payload, read once by the endpoint and then dropped.
    connection_params: dict[str, object] | None = None
    # Subscriptions open on this WebSocket (schema.core.live keeps the per-connection limit);
    # shared by the per-operation copies of a socket's context.
    open_subscriptions: OpenSubscriptions = field(default_factory=lambda: OpenSubscriptions())
    # While a subscription event is executed: the results of that event in this process, which
    # subscribers with the same document, variables and value share (schema.core.fanout).
    shared_results: SharedResults | None = field(default=None, repr=False)
    _user: User | None = field(default=None, repr=False)
    _user_loaded: bool = field(default=False, repr=False)
    # The check of the caller's token against their user and session, shared by the fields
    # that ask for the caller at once (schema.core.auth): one check per request.
    _user_check: asyncio.Future[User | None] | None = field(default=None, repr=False)
    # Whether the caller's session was revoked, read with the rate-limit charge (one Redis round
    # trip for both; schema.core.extensions) — None until then, and when Redis did not answer.
    session_revoked: bool | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.storage is None:
            self.storage = make_storage(self.settings)

    @property
    def viewer_id(self) -> uuid.UUID | None:
        return self.claims.sub if self.claims is not None else None


Info = _Info[Context, None]


@lru_cache(maxsize=1024)
def locale_of(accept_language: str | None) -> str:
    """The caller's locale from `Accept-Language` (the best-weighted tag babel knows), else en."""
    tags: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            tags.append((quality, tag))
    for _, tag in sorted(tags, key=lambda item: -item[0]):
        try:
            return str(Locale.parse(tag, sep="-"))
        except (ValueError, TypeError, UnknownLocaleError):
            continue
    return DEFAULT_LOCALE
