"""Liveness, readiness, metrics exposition and the JWKS."""

from __future__ import annotations

import socket

import httpx

from app.metrics import QUEUE_DEPTH
from tests.support.api import AppClient


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_healthz_answers_200(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_database_and_redis_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_is_503_naming_redis_when_redis_is_unreachable(app_client: AppClient) -> None:
    async with app_client(redis_url=f"redis://127.0.0.1:{_closed_port()}/0") as client:
        response = await client.get("/readyz")
        health = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]
    assert response.json()["checks"]["database"] == "ok"
    assert health.status_code == 200


async def test_graphql_keeps_working_when_the_rate_limiter_is_down(app_client: AppClient) -> None:
    async with app_client(redis_url=f"redis://127.0.0.1:{_closed_port()}/0") as client:
        response = await client.post("/graphql", json={"query": "{ ping }"})
    assert response.json()["data"] == {"ping": "pong"}


async def test_metrics_expose_http_and_graphql_metrics(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json={"query": "query Hello { ping }"})
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'easyways_http_requests_total{method="POST",route="/graphql",status="200"}' in text
    assert (
        'easyways_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/graphql"}'
        in text
    )
    assert 'operation_name="Hello",operation_type="query"' in text
    assert "easyways_db_statement_duration_seconds_count" in text
    assert "easyways_outbox_pending 0.0" in text


async def test_made_up_methods_are_counted_as_other(client: httpx.AsyncClient) -> None:
    """However clients call, the method label stays one of a few values (no series per method
    a client invents)."""
    for method in ("BREW", "PROPFIND-x", "get"):
        await client.request(method, "/graphql")
    text = (await client.get("/metrics")).text
    assert 'method="OTHER",route="/graphql"' in text
    for invented in ("BREW", "PROPFIND", 'method="get"'):
        assert invented not in text


async def test_metrics_report_job_queue_depth_from_redis(client: httpx.AsyncClient) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    namespace = app.state.settings.queue_namespace
    await app.state.redis.hset(f"{namespace}:emails.msgs", mapping={"m1": "x", "m2": "y"})
    await app.state.redis.hset("other-deployment:emails.msgs", mapping={"m3": "z"})
    text = (await client.get("/metrics")).text
    assert 'easyways_queue_depth{queue="emails"} 2.0' in text
    assert 'easyways_queue_depth{queue="default"} 0.0' in text
    assert QUEUE_DEPTH.labels(queue="emails")._value.get() == 2


async def test_unknown_paths_are_counted_under_one_route(client: httpx.AsyncClient) -> None:
    await client.get("/no/such/path/12345")
    text = (await client.get("/metrics")).text
    assert "/no/such/path" not in text
    assert 'route="unmatched"' in text


async def test_jwks_publishes_the_public_signing_keys(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    (key,) = response.json()["keys"]
    assert key["kty"] == "EC"
    assert key["alg"] == "ES256"
    assert key["use"] == "sig"
    assert key["kid"]
    assert "d" not in key
