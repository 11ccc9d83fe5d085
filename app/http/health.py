"""Liveness, readiness, Prometheus exposition and the public JWKS."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.heartbeats import alive_workers
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


async def _count_workers(request: Request) -> int | None:
    """Workers with a fresh heartbeat; None when Redis cannot tell."""
    state = request.app.state
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            alive = await alive_workers(state.redis, state.settings.queue_namespace)
    except Exception as exc:
        logger.warning("worker heartbeats unavailable", error=repr(exc))
        return None
    return len(alive)


async def readyz(request: Request) -> Response:
    """Ready when PostgreSQL answers `SELECT 1` and Redis answers PING — and, with
    READY_REQUIRES_WORKER, when a worker heartbeat is fresh; 503 names what failed. The number of
    live workers is reported either way."""
    database, redis, workers = await asyncio.gather(
        _probe(_check_database, request), _probe(_check_redis, request), _count_workers(request)
    )
    errors = {name: err for name, err in (("database", database), ("redis", redis)) if err}
    checks = {name: "failing" if name in errors else "ok" for name in ("database", "redis")}
    if request.app.state.settings.ready_requires_worker:
        checks["worker"] = "ok" if workers else "down"
        if not workers:
            errors["worker"] = "no worker heartbeat" if workers == 0 else "unknown"
    if not errors:
        return JSONResponse({"status": "ok", "checks": checks, "workers": workers})
    return JSONResponse(
        {
            "status": "unavailable",
            "failing": sorted(errors),
            "checks": checks,
            "errors": errors,
            "workers": workers,
        },
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
