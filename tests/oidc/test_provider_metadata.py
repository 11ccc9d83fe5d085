"""What the client learns from the provider itself: its discovery document (whose issuer must be
the configured one), its rotating signing keys, and the profile it may keep at /userinfo."""

from __future__ import annotations

from pydantic import SecretStr

from app.accounts.models import User
from app.accounts.oidc_config import OidcProviderConfig
from tests.oidc.conftest import authorization_url, codes, sign_in
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, Person
from tests.support.accounts import count
from tests.support.graphql import GraphQLClient, with_settings


async def test_a_rotated_signing_key_is_fetched_once_and_accepted(
    oidc: GraphQLClient, provider: OidcProvider
) -> None:
    first = await sign_in(oidc)  # the key set is cached now
    provider.rotate_keys()
    second = await sign_in(oidc)
    assert second["errors"] == []
    assert second["user"]["id"] == first["user"]["id"]


async def test_the_profile_may_come_from_userinfo_when_the_id_token_is_thin(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    provider.misbehave = "thin_id_token"
    provider.person = Person(sub="thin-1", email="thin@example.com")
    payload = await sign_in(oidc)
    assert payload["errors"] == []
    assert payload["user"]["email"] == "thin@example.com"

    provider.person = Person(sub="thin-2", email="unverified@example.com", email_verified=False)
    refused = await sign_in(oidc)
    assert codes(refused) == ["EMAIL_NOT_VERIFIED"]
    assert await count(database, User) == 1


async def test_a_discovery_document_of_another_issuer_is_refused(
    oidc: GraphQLClient, provider: OidcProvider
) -> None:
    impostor = with_settings(
        oidc,
        oidc_providers=[
            OidcProviderConfig(
                name="local",
                issuer="https://accounts.example",  # what we trust ...
                discovery_url=f"{provider.url}/.well-known/openid-configuration",  # ... not this
                client_id=CLIENT_ID,
                client_secret=SecretStr(CLIENT_SECRET),
            )
        ],
    )
    payload = await authorization_url(impostor)
    assert codes(payload) == ["PROVIDER_ERROR"]
    assert payload["url"] is None


async def test_an_unreachable_provider_is_a_typed_error(oidc: GraphQLClient) -> None:
    down = with_settings(
        oidc,
        oidc_providers=[
            OidcProviderConfig(
                name="local",
                issuer="http://127.0.0.1:1",  # nothing listens on port 1
                client_id=CLIENT_ID,
                client_secret=SecretStr(CLIENT_SECRET),
            )
        ],
    )
    payload = await authorization_url(down)
    assert codes(payload) == ["PROVIDER_ERROR"]
