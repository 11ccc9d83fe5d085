"""The composition root: `create_app()` wires settings, resources, middleware and routes.

The one module of app/ that imports the GraphQL layer (schema/, loaders/). Resources live on
`app.state` (settings, db, redis, keyring, storage) for the lifetime of the process, created in the
lifespan and disposed on shutdown. With no DATABASE_URL / REDIS_URL the embedded PostgreSQL and
Valkey are started under DATA_DIR (run `easyways migrate` first; `easyways serve` does both).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.analytics.recorder import EventFlusher
from app.collector import tune_after_startup
from app.db import Database
from app.embedded import EmbeddedServices
from app.http.explorer import make_explorer
from app.http.files import file_routes
from app.http.health import healthz, jwks, metrics, readyz
from app.http.middleware import (
    REQUEST_ID_HEADER,
    BrowserCORSMiddleware,
    RequestContextMiddleware,
    Shortcut,
)
from app.http.newsletter import newsletter_routes
from app.http.webhooks import webhook_routes
from app.integrations.cache import CatalogVersionWatch
from app.integrations.payments import make_gateway
from app.integrations.storage import make_storage
from app.live import LiveHub
from app.observability import configure_logging, instrument_engine
from app.redis import make_redis
from app.search.service import close_backend_clients
from app.security.tokens import load_keyring
from app.settings import Settings, get_settings
from app.webhooks import set_renderer

logger = structlog.get_logger("easyways.app")

Endpoint = Callable[[Request], Awaitable[Response]]


def cors_origins(settings: Settings) -> list[str]:
    """CORS_ORIGINS, plus the FRONTEND_URL origin outside production (a local front end works
    with no setting; production allows exactly what it lists)."""
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if not settings.is_production and (frontend := origin_of(settings.frontend_url)):
        origins.append(frontend)
    return list(dict.fromkeys(origins))


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


async def _resolve_urls(settings: Settings) -> tuple[str, str, EmbeddedServices | None]:
    if not (settings.embedded_database or settings.embedded_redis):
        return settings.database_url, settings.redis_url, None
    services = EmbeddedServices(settings.data_dir)
    database_url = settings.database_url or await asyncio.to_thread(services.start_postgres)
    redis_url = settings.redis_url or await asyncio.to_thread(services.start_valkey)
    return database_url, redis_url, services


def _lifespan(settings: Settings) -> Any:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database_url, redis_url, embedded = await _resolve_urls(settings)
        db = Database.from_url(
            database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            role="api",
        )
        instrument_engine(db.engine)
        redis = make_redis(redis_url)
        app.state.settings = settings
        app.state.db = db
        app.state.redis = redis
        app.state.keyring = load_keyring(settings)
        app.state.storage = make_storage(settings)
        app.state.payments = make_gateway(settings, redis=redis)
        app.state.live = LiveHub(redis_url)
        await app.state.live.start()
        app.state.catalog_watch = None
        if settings.catalog_cache_ttl_seconds and settings.catalog_cache_local_hits:
            app.state.catalog_watch = CatalogVersionWatch(redis_url, redis)
            await app.state.catalog_watch.start()
        app.state.event_flusher = EventFlusher.from_settings(db, settings)
        app.state.event_flusher.start()  # learning events: written in batches, off requests
        collector = tune_after_startup(settings)  # last: what start-up built is frozen
        logger.info("api started", env=settings.env, graphiql=settings.graphiql_mode)
        try:
            yield
        finally:
            collector.undo()
            if app.state.catalog_watch is not None:
                await app.state.catalog_watch.stop()
            await app.state.live.stop()
            await close_backend_clients()
            await app.state.event_flusher.stop()  # writes what is still buffered
            await redis.aclose()
            await db.dispose()
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)
            logger.info("api stopped")

    return lifespan


def _middleware(settings: Settings, shortcut: Shortcut | None = None) -> list[Middleware]:
    stack = [
        Middleware(RequestContextMiddleware, hsts=settings.is_production, shortcut=shortcut),
    ]
    if proxies := settings.trusted_proxy_list:
        # outermost: everything after it (logs, throttles, sessions) sees the real client
        stack.insert(0, Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies))
    if origins := cors_origins(settings):
        stack.append(
            Middleware(
                BrowserCORSMiddleware,
                allow_origins=origins,
                allow_credentials=True,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=[
                    "Authorization",
                    "Content-Type",
                    "Accept",
                    "Accept-Language",
                    REQUEST_ID_HEADER,
                    "X-CSRF-Token",
                    "Idempotency-Key",
                    "If-None-Match",
                ],
                expose_headers=[
                    REQUEST_ID_HEADER,
                    "X-RateLimit-Limit",
                    "X-RateLimit-Remaining",
                    "X-RateLimit-Reset",
                    "Retry-After",
                    "ETag",
                    "X-Cache",
                ],
                max_age=600,
            )
        )
    return stack


def _metrics_routes(settings: Settings) -> list[BaseRoute]:
    """/metrics behind METRICS_TOKEN when it is set; without it, open outside production and
    absent (404) in production."""
    if settings.metrics_token:
        guarded = bearer_required(metrics, settings.metrics_token, realm="metrics")
        return [Route("/metrics", guarded, methods=["GET"])]
    if settings.is_production:
        return []
    return [Route("/metrics", metrics, methods=["GET"])]


def bearer_required(endpoint: Endpoint, token: str, *, realm: str) -> Endpoint:
    """`endpoint` for requests carrying `Authorization: Bearer <token>`; 401 for the others."""
    expected = token.encode()

    async def guarded(request: Request) -> Response:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(given.strip().encode(), expected):
            return await endpoint(request)
        return JSONResponse(
            {"error": "a bearer token is required"},
            status_code=401,
            headers={"WWW-Authenticate": f'Bearer realm="{realm}"'},
        )

    return guarded


def create_app(settings: Settings | None = None, *, schema: Any = None) -> Starlette:
    """The ASGI application. `schema` replaces the product schema (tests only)."""
    from schema.core.cache import Shortcut as CacheShortcut
    from schema.core.endpoint import GraphQLView, negotiate
    from schema.root import schema_for
    from schema.webhooks import GraphQLRenderer

    settings = settings or get_settings()
    settings.check_production()
    set_renderer(GraphQLRenderer(schema_for(settings)))  # webhook subscription queries
    configure_logging(settings)
    explorer = make_explorer(settings)
    view = GraphQLView(
        schema if schema is not None else schema_for(settings),
        explorer=explorer,
        allowed_origins=cors_origins(settings),
    )
    routes: list[BaseRoute] = [
        Route("/graphql", view, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", view),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *_metrics_routes(settings),
        Route("/.well-known/jwks.json", jwks, methods=["GET"]),
        *file_routes(),
        *(explorer.routes() if explorer is not None else []),
        *webhook_routes(),
        *newsletter_routes(),
    ]
    # anonymous hits on the process's current copies, answered before the rest of the stack
    local_hits = settings.catalog_cache_ttl_seconds and settings.catalog_cache_local_hits
    shortcut = CacheShortcut(routes[0], negotiate) if local_hits else None
    return Starlette(
        debug=settings.debug,
        routes=routes,
        middleware=_middleware(settings, shortcut),
        lifespan=_lifespan(settings),
    )
