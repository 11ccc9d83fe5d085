"""Issue 9, item 7: what the HTTP side gives away — /metrics only with METRICS_TOKEN in
production, and X-Forwarded-For believed only from the proxies TRUSTED_PROXIES names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.accounts.models import AuthSession
from app.main import create_app
from app.settings import Settings
from tests.api.test_production import _production
from tests.support.accounts import PASSWORD, make_user

TOKEN = "scrape-me-" + "x" * 30
LOGIN = """mutation($e: String!, $p: String!) {
  login(input: {email: $e, password: $p}) { accessToken errors { code } } }"""


@asynccontextmanager
async def http(settings: Settings, peer: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """The product app with its lifespan, reached from the address `peer`."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://api") as client,
    ):
        yield client


# --- /metrics -----------------------------------------------------------------------------------


async def test_metrics_do_not_exist_in_production_without_a_token(
    database: Any, redis_client: Any, settings: Settings
) -> None:
    async with http(_production(settings)) as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_metrics_need_the_bearer_token_when_one_is_set(
    database: Any, redis_client: Any, settings: Settings
) -> None:
    production = _production(settings).model_copy(update={"metrics_token": TOKEN})
    async with http(production) as client:
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    for refused in (anonymous, wrong):
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert "easyways_" not in refused.text
    assert right.status_code == 200
    assert "easyways_http_requests_total" in right.text


async def test_metrics_stay_open_in_development_without_a_token(
    database: Any, redis_client: Any, settings: Settings
) -> None:
    async with http(settings) as client:
        assert (await client.get("/metrics")).status_code == 200


# --- X-Forwarded-For ----------------------------------------------------------------------------


async def session_ip_after_login(
    database: Any, settings: Settings, peer: str, forwarded_for: str
) -> str:
    """Sign in from `peer` with an X-Forwarded-For header: the address the session records."""
    user = await make_user(database)
    async with http(settings, peer) as client:
        response = await client.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"e": user.email, "p": PASSWORD}},
            headers={"X-Forwarded-For": forwarded_for},
        )
    assert response.json()["data"]["login"]["errors"] == []
    async with database.session() as session:
        family = await session.scalar(select(AuthSession).where(AuthSession.user_id == user.id))
    return str(family.ip_address)


async def test_x_forwarded_for_is_ignored_by_default_even_from_a_local_peer(
    database: Any, redis_client: Any, settings: Settings
) -> None:
    assert settings.trusted_proxies == ""

    ip = await session_ip_after_login(database, settings, "127.0.0.1", "198.51.100.77")

    assert ip == "127.0.0.1"


async def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(
    database: Any, redis_client: Any, settings: Settings
) -> None:
    behind = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8, 192.0.2.10"})

    via_proxy = await session_ip_after_login(database, behind, "10.1.2.3", "198.51.100.77")
    via_host = await session_ip_after_login(database, behind, "192.0.2.10", "198.51.100.78")
    direct = await session_ip_after_login(database, behind, "203.0.113.9", "198.51.100.79")

    assert (via_proxy, via_host, direct) == ("198.51.100.77", "198.51.100.78", "203.0.113.9")


def test_a_malformed_trusted_proxy_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match=r"proxy\.internal"):
        Settings(TRUSTED_PROXIES="10.0.0.1, proxy.internal")
