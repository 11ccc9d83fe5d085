"""Issue 12: the fixed costs of every request — the rate-limit script goes by its SHA1 (EVALSHA,
reloaded by itself after a server forgets it), and content negotiation happens once per request
with the parse of a header value kept."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from app.db import Database
from app.security.ratelimit import hit
from schema.core.endpoint import GRAPHQL_RESPONSE_JSON, JSON, mime_type_of, negotiate
from tests.cache.redis_trips import recording_redis
from tests.support.accounts import AUTH_FIELDS, PASSWORD, make_user
from tests.support.api import AppClient

PING = {"query": "{ ping }"}


async def _login(client: httpx.AsyncClient, email: str) -> str:
    query = (
        "mutation($input: LoginInput!) { login(input: $input) { "
        + AUTH_FIELDS
        + " errors { code } } }"
    )
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"input": {"email": email, "password": PASSWORD}}},
    )
    token: str = response.json()["data"]["login"]["accessToken"]
    return token


def _app(client: httpx.AsyncClient) -> object:
    return client._transport.app  # type: ignore[attr-defined]


async def test_the_rate_limit_script_is_sent_by_its_sha_not_its_text(
    app_client: AppClient,
) -> None:
    async with app_client(rate_limit_anonymous_per_minute=10) as client:
        await client.post("/graphql", json=PING)  # the script is known to the server now
        async with recording_redis(_app(client)) as trips:  # type: ignore[arg-type]
            response = await client.post("/graphql", json=PING)
    assert response.headers["x-ratelimit-remaining"] == "8"
    commands = [command for trip in trips for command in trip]
    assert "EVALSHA" in commands
    assert "EVAL" not in commands
    assert "SCRIPT" not in commands


async def test_the_limiter_keeps_counting_after_redis_forgets_its_script(
    app_client: AppClient, redis_client: Redis
) -> None:
    async with app_client(rate_limit_anonymous_per_minute=3) as client:
        first = await client.post("/graphql", json=PING)
        await redis_client.script_flush()  # a restarted Redis: NOSCRIPT, then it is loaded again
        second = await client.post("/graphql", json=PING)
        third = await client.post("/graphql", json=PING)
        refused = await client.post("/graphql", json=PING)
    remaining = [r.headers["x-ratelimit-remaining"] for r in (first, second, third)]
    assert remaining == ["2", "1", "0"]
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_hit_answers_the_same_after_a_script_flush(redis_client: Redis) -> None:
    before = await hit(redis_client, "flush-test", limit=5, window_seconds=60, cost=2)
    await redis_client.script_flush()
    after = await hit(redis_client, "flush-test", limit=5, window_seconds=60, cost=2)
    over = await hit(redis_client, "flush-test", limit=5, window_seconds=60, cost=2)
    assert (before.allowed, before.remaining) == (True, 3)
    assert (after.allowed, after.remaining) == (True, 1)
    assert (over.allowed, over.remaining) == (False, 1)  # refused, and not charged


async def test_a_request_negotiates_its_media_type_once(client: httpx.AsyncClient) -> None:
    accept = f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9"
    await client.post("/graphql", json=PING, headers={"Accept": accept})
    before = negotiate.cache_info()
    response = await client.post("/graphql", json=PING, headers={"Accept": accept})
    after = negotiate.cache_info()
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    assert (after.hits + after.misses) - (before.hits + before.misses) == 1
    assert after.misses == before.misses  # the header's parse was kept from the first request


async def test_a_content_type_already_seen_is_not_parsed_again(client: httpx.AsyncClient) -> None:
    content_type = {"Content-Type": "application/json; charset=utf-8"}
    await client.post("/graphql", content=b'{"query": "{ ping }"}', headers=content_type)
    before = mime_type_of.cache_info()
    response = await client.post("/graphql", content=b'{"query": "{ ping }"}', headers=content_type)
    after = mime_type_of.cache_info()
    assert response.json()["data"] == {"ping": "pong"}
    assert after.misses == before.misses
    assert after.hits > before.hits


def test_kept_answers_are_the_answers_of_the_parse() -> None:
    for accept in (
        None,
        "",
        "text/html",
        "application/*;q=0.5, application/graphql-response+json;q=0.4",
        "application/graphql-response+json;q=0, application/json",
        "application/graphql-response+json;q=x",
    ):
        assert negotiate(accept) == negotiate.__wrapped__(accept)
        assert negotiate(accept) == negotiate(accept)
    assert mime_type_of("application/json; charset=utf-8") == JSON


async def test_a_signed_in_request_reads_its_session_revocation_with_the_rate_limit_charge(
    app_client: AppClient, database: Database
) -> None:
    """One Redis round trip for both: the limiter's script also answers whether the caller's
    session was revoked."""
    user = await make_user(database)
    async with app_client() as client:
        token = await _login(client, user.email)
        me = {"query": "{ me { email } }"}
        headers = {"Authorization": f"Bearer {token}"}
        await client.post("/graphql", json=me, headers=headers)  # the script is known now
        async with recording_redis(_app(client)) as trips:  # type: ignore[arg-type]
            response = await client.post("/graphql", json=me, headers=headers)
    assert response.json()["data"] == {"me": {"email": user.email}}
    assert trips == [["EVALSHA"]]
