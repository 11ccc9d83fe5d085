"""Rate limits per IP and per user, charged by operation cost (Properties 65 and 66)."""

from __future__ import annotations

import socket
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.models import User, UserRole
from app.security.tokens import issue_access_token
from tests.support.api import AppClient

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def _token(client: httpx.AsyncClient, role: UserRole = UserRole.STUDENT) -> str:
    app = client._transport.app  # type: ignore[attr-defined]
    user = User(id=uuid.uuid4(), email="u@example.com", role=role, token_version=0)
    token, _ = issue_access_token(app.state.keyring, app.state.settings, user=user, session_id=None)
    return token


async def test_property_65_an_ip_over_its_budget_gets_429_and_rate_limited(
    app_client: AppClient,
) -> None:
    async with app_client(rate_limit_anonymous_per_minute=5) as client:
        allowed = [await client.post("/graphql", json={"query": "{ ping }"}) for _ in range(5)]
        refused = await client.post("/graphql", json={"query": "{ ping }"})
    assert [r.status_code for r in allowed] == [200] * 5
    assert refused.status_code == 429
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json().get("data") is None


async def test_property_65_operations_are_charged_by_cost(app_client: AppClient) -> None:
    async with app_client(rate_limit_anonymous_per_minute=100) as client:
        costly = await client.post("/graphql", json={"query": "{ items(first: 50) { name } }"})
        refused = await client.post("/graphql", json={"query": "{ items(first: 50) { name } }"})
    assert costly.status_code == 200
    assert costly.json()["extensions"]["cost"] == {
        "requested": 51,
        "maximum": 5000,
        "remaining": 49,
    }
    assert costly.headers["x-ratelimit-remaining"] == "49"
    assert refused.status_code == 429


async def test_property_65_a_refused_operation_does_not_run(app_client: AppClient) -> None:
    async with app_client(rate_limit_anonymous_per_minute=1) as client:
        await client.post("/graphql", json={"query": "{ ping }"})
        refused = await client.post(
            "/graphql", json={"query": 'mutation { touch(input: {flavour: "x"}) }'}
        )
    assert refused.status_code == 429
    assert "set-cookie" not in refused.headers


async def test_property_65_users_have_their_own_budget(app_client: AppClient) -> None:
    async with app_client(rate_limit_anonymous_per_minute=2, rate_limit_user_per_minute=3) as c:
        auth = {"Authorization": f"Bearer {_token(c)}"}
        anonymous = [
            (await c.post("/graphql", json={"query": "{ ping }"})).status_code for _ in range(3)
        ]
        user = [
            (await c.post("/graphql", json={"query": "{ viewer }"}, headers=auth)).status_code
            for _ in range(4)
        ]
    assert anonymous == [200, 200, 429]
    assert user == [200, 200, 200, 429]


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    queries=st.lists(
        st.sampled_from(["{ ping }", "{ nope }", "{ ping", "{ forbidden }", "{ items { name } }"]),
        min_size=1,
        max_size=4,
    )
)
async def test_property_66_every_graphql_response_has_rate_limit_headers(
    app_client: AppClient, queries: list[str]
) -> None:
    async with app_client(rate_limit_anonymous_per_minute=30) as client:
        for query in queries:
            response = await client.post("/graphql", json={"query": query})
            for header in RATE_HEADERS:
                assert header in response.headers, (query, response.status_code)
            assert int(response.headers["x-ratelimit-limit"]) == 30
            assert 0 <= int(response.headers["x-ratelimit-remaining"]) <= 30
            assert 1 <= int(response.headers["x-ratelimit-reset"]) <= 60


async def test_the_cost_budget_fails_open_when_redis_is_down(
    app_client: AppClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """Decided: the per-minute cost budget is a fairness limit, so a Redis outage must not take
    the API down with it — operations run unmetered (no X-RateLimit headers) and each is logged.
    (The sign-in throttles, which protect accounts, answer SERVICE_UNAVAILABLE instead.)"""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    async with app_client(redis_url=dead, rate_limit_anonymous_per_minute=1) as client:
        responses = [await client.post("/graphql", json={"query": "{ ping }"}) for _ in range(3)]
    assert [r.status_code for r in responses] == [200] * 3
    assert [r.json()["data"] for r in responses] == [{"ping": "pong"}] * 3
    assert all("x-ratelimit-limit" not in r.headers for r in responses)
    assert "rate limiter unavailable" in capsys.readouterr().out
