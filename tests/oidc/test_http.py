"""Over HTTP, as a browser's front end calls it: the sign-in steps run even when a stale access
token is still attached (like login), and a linking sign-in whose token expired at the provider
is finished after a refresh, its state not used up by the refused try."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.accounts.models import User, UserRole
from app.main import create_app
from app.security.tokens import issue_access_token
from tests.oidc.conftest import REDIRECT, browse, callback_params
from tests.oidc.provider import OidcProvider, Person
from tests.support.api import build_test_schema, serve
from tests.support.graphql import GraphQLClient

START = """mutation($input: OidcAuthorizationUrlInput!) {
  oidcAuthorizationUrl(input: $input) { url errors { code } } }"""
COMPLETE = """mutation($input: CompleteOidcLoginInput!) {
  completeOidcLogin(input: $input) { step accessToken user { email } errors { code } } }"""


@pytest.fixture
async def api(oidc: GraphQLClient) -> AsyncIterator[httpx.AsyncClient]:
    settings = oidc.settings
    async with serve(create_app(settings, schema=build_test_schema(settings))) as client:
        yield client


def expired_token(api: httpx.AsyncClient) -> str:
    state = api._transport.app.state  # type: ignore[attr-defined]
    user = User(id=uuid.uuid4(), email="a@example.com", role=UserRole.STUDENT, token_version=0)
    token, _ = issue_access_token(
        state.keyring,
        state.settings,
        user=user,
        session_id=None,
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    return token


async def post(
    api: httpx.AsyncClient, query: str, input_: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.post(
        "/graphql", json={"query": query, "variables": {"input": input_}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_a_provider_sign_in_runs_with_a_stale_token_attached(
    api: httpx.AsyncClient, provider: OidcProvider
) -> None:
    stale = expired_token(api)
    start = {"provider": "local", "redirectUri": REDIRECT}
    url = (await post(api, START, start, stale))["oidcAuthorizationUrl"]["url"]
    params = callback_params(await browse(url))
    done = await post(api, COMPLETE, {"provider": "local", **params}, stale)
    payload = done["completeOidcLogin"]
    assert payload["step"] == "SIGNED_IN"
    assert payload["user"] == {"email": "ada@example.com"}


async def test_a_refused_linking_completion_does_not_use_up_the_state(
    api: httpx.AsyncClient, provider: OidcProvider, github: OidcProvider
) -> None:
    signed_in = await post(api, COMPLETE, {"provider": "local", **await _callback(api)})
    token = signed_in["completeOidcLogin"]["accessToken"]
    github.person = Person(sub="4711")
    start = {"provider": "github", "redirectUri": REDIRECT, "link": True}
    url = (await post(api, START, start, token))["oidcAuthorizationUrl"]["url"]
    params = callback_params(await browse(url))

    anonymous = await post(api, COMPLETE, {"provider": "github", **params})
    assert anonymous["completeOidcLogin"]["errors"] == [{"code": "INVALID_STATE"}]
    mine = await post(api, COMPLETE, {"provider": "github", **params}, token)
    assert mine["completeOidcLogin"]["errors"] == []
    assert mine["completeOidcLogin"]["step"] == "LINKED"


async def _callback(api: httpx.AsyncClient) -> dict[str, str]:
    start = {"provider": "local", "redirectUri": REDIRECT}
    url = (await post(api, START, start))["oidcAuthorizationUrl"]["url"]
    return callback_params(await browse(url))
