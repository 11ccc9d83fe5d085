"""Issue 9, item 6: an access token dies with its session — at once, not 15 minutes later.

Access tokens name their session (`sid`); logout, revokeSession and refresh-token reuse put the
session in Redis's revocation set (for one access-token lifetime), and every request — HTTP or
WebSocket — checks it once. With Redis down, the check asks the database instead.
"""

from __future__ import annotations

import warnings
from typing import Any

from sqlalchemy import select

from app.accounts import revocation
from app.accounts.models import AuthSession
from app.main import create_app
from app.redis import make_redis
from app.security.tokens import CLOCK_LEEWAY_SECONDS, verify_access_token
from tests.support.accounts import AUTH_FIELDS, PASSWORD, login, make_user
from tests.support.graphql import GraphQLClient

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

ME = "{ me { id } }"
SESSIONS = "{ mySessions { id current } }"
DEAD_REDIS = "redis://127.0.0.1:1/0"


async def codes(client: GraphQLClient, token: str, query: str = ME) -> list[Any]:
    return (await client.execute(query, token=token)).codes


async def test_logout_ends_this_sessions_access_token_at_once(client, database):
    user = await make_user(database)
    phone, laptop = await login(client, user.email), await login(client, user.email)
    assert await codes(client, laptop["accessToken"]) == []

    await client.mutate("logout", {}, "ok", token=laptop["accessToken"])

    assert await codes(client, laptop["accessToken"]) == ["UNAUTHENTICATED"]
    assert await codes(client, phone["accessToken"]) == []


async def test_logout_with_only_the_refresh_token_ends_that_sessions_access_token(client, database):
    user = await make_user(database)
    mobile = await login(client, user.email)

    await client.mutate("logout", {"refreshToken": mobile["refreshToken"]}, "ok")

    assert await codes(client, mobile["accessToken"]) == ["UNAUTHENTICATED"]


async def test_revoking_a_session_ends_its_access_token_at_once(client, database):
    user = await make_user(database)
    stolen, me = await login(client, user.email), await login(client, user.email)
    sessions = (await client.execute(SESSIONS, token=me["accessToken"])).data["mySessions"]
    [other] = [s["id"] for s in sessions if not s["current"]]

    await client.mutate("revokeSession", {"sessionId": other}, "ok", token=me["accessToken"])

    assert await codes(client, stolen["accessToken"]) == ["UNAUTHENTICATED"]
    assert await codes(client, me["accessToken"]) == []


async def test_refresh_token_reuse_ends_every_access_token_of_the_family_at_once(client, database):
    user = await make_user(database)
    first = await login(client, user.email)
    rotated = (
        await client.mutate("refreshToken", {"refreshToken": first["refreshToken"]}, AUTH_FIELDS)
    ).payload("refreshToken")
    assert await codes(client, rotated["accessToken"]) == []

    replay = await client.mutate(
        "refreshToken", {"refreshToken": first["refreshToken"]}, "expiresIn"
    )

    assert replay.codes == ["UNAUTHENTICATED"]
    assert await codes(client, first["accessToken"]) == ["UNAUTHENTICATED"]
    assert await codes(client, rotated["accessToken"]) == ["UNAUTHENTICATED"]


async def test_a_revocation_lasts_as_long_as_an_access_token_can(client, database, redis_client):
    user = await make_user(database)
    me = await login(client, user.email)
    sid = verify_access_token(client.keyring, client.settings, me["accessToken"]).sid

    await client.mutate("logout", {}, "ok", token=me["accessToken"])

    ttl = await redis_client.ttl(revocation.key(sid))
    lifetime = client.settings.access_token_ttl_seconds + CLOCK_LEEWAY_SECONDS
    assert lifetime - 60 < ttl <= lifetime


class CountingRedis:
    """The real Redis client, counting the revocation checks it is asked."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis
        self.exists_calls = 0

    async def exists(self, *keys: Any) -> int:
        self.exists_calls += 1
        return int(await self._redis.exists(*keys))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._redis, name)


async def test_the_check_asks_redis_once_per_request_however_many_fields_need_the_caller(
    client, database, redis_client
):
    """Read with the rate-limit charge, in its round trip: no EXISTS of its own, however many
    fields need the caller — and a revoked session is still refused."""
    user = await make_user(database)
    me, other = await login(client, user.email), await login(client, user.email)
    counting = CountingRedis(redis_client)
    watched = GraphQLClient(database, counting, client.keyring, client.settings)
    query = "{ a: me { id } b: me { email } mySessions { id } }"

    outcome = await watched.execute(query, token=me["accessToken"])
    await client.mutate("logout", {}, "ok", token=other["accessToken"])
    refused = await watched.execute(query, token=other["accessToken"])

    assert outcome.errors == []
    assert [e.extensions["code"] for e in refused.errors][:1] == ["UNAUTHENTICATED"]
    assert counting.exists_calls == 0  # both read it in the limiter's script


async def test_with_redis_down_the_database_still_refuses_a_revoked_session(client, database):
    user = await make_user(database)
    ended, live = await login(client, user.email), await login(client, user.email)
    await client.mutate("logout", {}, "ok", token=ended["accessToken"])
    dead = make_redis(DEAD_REDIS)
    try:
        down = GraphQLClient(database, dead, client.keyring, client.settings)
        refused = await codes(down, ended["accessToken"])
        served = await codes(down, live["accessToken"])
    finally:
        await dead.aclose()

    assert refused == ["UNAUTHENTICATED"]
    assert served == []


async def test_logout_with_redis_down_is_service_unavailable_and_ends_nothing(client, database):
    user = await make_user(database)
    me = await login(client, user.email)
    dead = make_redis(DEAD_REDIS)
    try:
        down = GraphQLClient(database, dead, client.keyring, client.settings)
        outcome = await down.mutate("logout", {}, "ok", token=me["accessToken"])
    finally:
        await dead.aclose()

    assert outcome.codes == ["SERVICE_UNAVAILABLE"]
    assert outcome.errors[0].extensions["retryAfter"] > 0
    async with database.session() as session:
        assert await session.scalar(select(AuthSession.revoked_at)) is None
    assert await codes(client, me["accessToken"]) == []


async def test_an_open_websocket_stops_serving_a_session_once_it_is_revoked(database, settings):
    user = await make_user(database)
    login_query = (
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) "
        "{ accessToken } }"
    )
    with TestClient(create_app(settings)) as http:
        signed_in = http.post(
            "/graphql", json={"query": login_query, "variables": {"e": user.email, "p": PASSWORD}}
        )
        token = signed_in.json()["data"]["login"]["accessToken"]
        with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
            )
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": ME}})
            before = ws.receive_json()
            assert ws.receive_json()["type"] == "complete"

            http.post(
                "/graphql",
                json={"query": "mutation { logout(input: {}) { ok } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
            ws.send_json({"id": "2", "type": "subscribe", "payload": {"query": ME}})
            after = ws.receive_json()

    assert before["payload"]["data"]["me"]["id"]
    errors = after["payload"] if after["type"] == "error" else after["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"]
