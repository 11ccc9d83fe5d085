"""Automatic persisted queries, as Apollo's persisted-queries link speaks them (POST and GET)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from app.settings import Settings
from tests.support.api import AppClient


def _hash(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _persisted(digest: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


def _unique_query() -> str:
    # a document no earlier test registered (the alias makes it unique)
    return f"query Ping {{ p{uuid.uuid4().hex}: ping }}"


async def test_an_unknown_hash_alone_answers_persisted_query_not_found(
    client: httpx.AsyncClient,
) -> None:
    query = _unique_query()
    response = await client.post("/graphql", json={"extensions": _persisted(_hash(query))})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" not in response.json()


async def test_hash_and_query_register_it_then_the_hash_alone_runs_it(
    client: httpx.AsyncClient,
) -> None:
    query = _unique_query()
    digest = _hash(query)
    alias = query.split("{ ")[1].split(":")[0]
    first = await client.post("/graphql", json={"query": query, "extensions": _persisted(digest)})
    assert first.json()["data"] == {alias: "pong"}
    again = await client.post("/graphql", json={"extensions": _persisted(digest)})
    assert again.json()["data"] == {alias: "pong"}
    params = {"extensions": json.dumps(_persisted(digest)), "operationName": "Ping"}
    by_get = await client.get("/graphql", params=params)
    assert by_get.status_code == 200
    assert by_get.json()["data"] == {alias: "pong"}


async def test_a_query_whose_hash_does_not_match_is_refused_and_not_registered(
    client: httpx.AsyncClient,
) -> None:
    query, other = _unique_query(), _unique_query()
    digest = _hash(other)
    body = {"query": query, "extensions": _persisted(digest)}
    response = await client.post("/graphql", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    later = await client.post("/graphql", json={"extensions": _persisted(digest)})
    assert later.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_persisted_mutation_still_needs_post(client: httpx.AsyncClient) -> None:
    mutation = "mutation Out { logout { errors { code } } }"
    digest = _hash(mutation)
    await client.post("/graphql", json={"query": mutation, "extensions": _persisted(digest)})
    response = await client.get("/graphql", params={"extensions": json.dumps(_persisted(digest))})
    assert response.status_code == 405


async def test_another_protocol_version_is_refused(client: httpx.AsyncClient) -> None:
    query = _unique_query()
    body = {"query": query, "extensions": _persisted(_hash(query), version=2)}
    response = await client.post("/graphql", json=body)
    assert response.status_code == 400
    code = response.json()["errors"][0]["extensions"]["code"]
    assert code == "PERSISTED_QUERY_VERSION_UNSUPPORTED"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    persisted=st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=20),
        st.fixed_dictionaries({"version": st.just(1), "sha256Hash": st.text(max_size=70)}),
    )
)
async def test_malformed_persisted_query_extensions_are_bad_requests(
    client: httpx.AsyncClient, persisted: Any
) -> None:
    if isinstance(persisted, dict) and len(persisted["sha256Hash"]) == 64:
        persisted["sha256Hash"] += "x"  # never a valid hash
    response = await client.post(
        "/graphql", json={"query": "{ ping }", "extensions": {"persistedQuery": persisted}}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_registered_document_is_kept_in_redis_for_the_ttl_renewed_on_use(
    app_client: AppClient, redis_client: Redis, settings: Settings
) -> None:
    query = _unique_query()
    digest = _hash(query)
    key = f"{settings.queue_namespace}:apq:{digest}"
    async with app_client(persisted_query_ttl_seconds=120) as client:
        await client.post("/graphql", json={"query": query, "extensions": _persisted(digest)})
        assert await redis_client.get(key) == query.encode()
        assert 0 < await redis_client.ttl(key) <= 120
        await redis_client.expire(key, 30)
        await client.post("/graphql", json={"extensions": _persisted(digest)})
        assert await redis_client.ttl(key) > 30  # used again: kept for the whole TTL
