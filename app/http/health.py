"""Liveness, readiness, Prometheus exposition and the public JWKS."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.observability import refresh_gauges

READY_TIMEOUT_SECONDS = 2.0
logger = structlog.get_logger("easyways.health")


async def healthz(request: Request) -> Response:
    """The process is up and serving; says nothing about dependencies."""
    return JSONResponse({"status": "ok"})


async def _check_database(request: Request) -> None:
    async with request.app.state.db.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _check_redis(request: Request) -> None:
    await request.app.state.redis.ping()


async def _probe(check: Any, request: Request) -> str | None:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await check(request)
    except Exception as exc:
        logger.warning("readiness check failed", check=check.__name__, error=repr(exc))
        return type(exc).__name__
    return None


async def readyz(request: Request) -> Response:
    """Ready when PostgreSQL answers `SELECT 1` and Redis answers PING; 503 names what failed."""
    database, redis = await asyncio.gather(
        _probe(_check_database, request), _probe(_check_redis, request)
    )
    checks = {
        "database": "ok" if database is None else "failing",
        "redis": "ok" if redis is None else "failing",
    }
    if database is None and redis is None:
        return JSONResponse({"status": "ok", "checks": checks})
    errors = {name: err for name, err in (("database", database), ("redis", redis)) if err}
    failing = sorted(errors)
    return JSONResponse(
        {"status": "unavailable", "failing": failing, "checks": checks, "errors": errors},
        status_code=503,
    )


async def metrics(request: Request) -> Response:
    state = request.app.state
    await refresh_gauges(state.db, state.redis, queue_namespace=state.settings.queue_namespace)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def jwks(request: Request) -> Response:
    keyring = request.app.state.keyring
    body = keyring.jwks() if keyring is not None else {"keys": []}
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})
