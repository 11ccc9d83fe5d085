"""A real local OpenID Connect provider and a GitHub stand-in (tests/oidc/provider.py), and a
GraphQL client whose settings name them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from app.accounts.oidc_config import OidcProviderConfig
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.graphql import GraphQLClient, with_settings

REDIRECT = "https://app.example/auth/callback"
COMPLETE_FIELDS = "step pendingToken email accessToken refreshToken user { id email role }"


@pytest.fixture(scope="module")
def _oidc_server() -> Iterator[OidcProvider]:
    server = OidcProvider().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def _github_server() -> Iterator[OidcProvider]:
    server = OidcProvider(github=True).start()
    yield server
    server.stop()


@pytest.fixture
def provider(_oidc_server: OidcProvider) -> OidcProvider:
    _oidc_server.reset()
    return _oidc_server


@pytest.fixture
def github(_github_server: OidcProvider) -> OidcProvider:
    _github_server.reset()
    return _github_server


@pytest.fixture
def oidc(client: GraphQLClient, provider: OidcProvider, github: OidcProvider) -> GraphQLClient:
    secret = SecretStr(CLIENT_SECRET)
    return with_settings(
        client,
        oidc_providers=[
            OidcProviderConfig(
                name="local", issuer=provider.url, client_id=CLIENT_ID, client_secret=secret
            ),
            OidcProviderConfig(
                name="github",
                kind="github",
                client_id=CLIENT_ID,
                client_secret=secret,
                authorize_url=f"{github.url}/login/oauth/authorize",
                token_url=f"{github.url}/login/oauth/access_token",
                api_url=github.url,
            ),
        ],
        oidc_redirect_uris=f"{REDIRECT},https://other.example/cb",
    )


async def authorization_url(
    client: GraphQLClient, provider: str = "local", redirect_uri: str = REDIRECT
) -> dict[str, Any]:
    outcome = await client.mutate(
        "oidcAuthorizationUrl", {"provider": provider, "redirectUri": redirect_uri}, "url"
    )
    return outcome.payload("oidcAuthorizationUrl")


async def browse(url: str) -> httpx.Response:
    """What a browser does with the authorization URL: GET it at the provider (signed in there
    and consenting at once), which answers with a redirect to our callback."""
    async with httpx.AsyncClient() as http:
        return await http.get(url)


def callback_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def complete(
    client: GraphQLClient, params: dict[str, str], provider: str = "local"
) -> dict[str, Any]:
    outcome = await client.mutate(
        "completeOidcLogin",
        {"provider": provider, "code": params["code"], "state": params["state"]},
        COMPLETE_FIELDS,
    )
    return outcome.payload("completeOidcLogin")


async def sign_in(client: GraphQLClient, provider: str = "local") -> dict[str, Any]:
    """The whole flow: get the URL, visit the provider, hand the callback to the API."""
    started = await authorization_url(client, provider)
    assert started["errors"] == [], started["errors"]
    return await complete(client, callback_params(await browse(started["url"])), provider)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]
