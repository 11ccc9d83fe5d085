"""The per-request GraphQL context: never shared across requests or users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as _Info

from app.db import Database
from app.integrations.storage import Storage, make_storage
from app.settings import Settings

if TYPE_CHECKING:
    from app.accounts.models import User
    from loaders import Loaders


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    db: Database
    redis: Redis
    settings: Settings
    request_id: str
    loaders: Loaders
    keyring: Any = None  # app.security.tokens.KeyRing
    # Claims of a verified access token (set by the view), None for anonymous callers.
    claims: Any = None
    client_ip: str | None = None
    user_agent: str | None = None
    # Object storage (app.state.storage); built from settings when a caller leaves it out.
    storage: Storage = None  # type: ignore[assignment]
    _user: User | None = field(default=None, repr=False)
    _user_loaded: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.storage is None:
            self.storage = make_storage(self.settings)

    @property
    def viewer_id(self) -> uuid.UUID | None:
        return uuid.UUID(str(self.claims.sub)) if self.claims is not None else None


Info = _Info[Context, None]
