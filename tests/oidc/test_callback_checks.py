"""What a callback must match before anyone is signed in: the state (once, unexpired, same
provider), an allowed redirect URI, the PKCE verifier of the same sign-in, and an ID token whose
signature, issuer, audience, expiry and nonce are right. Each refusal creates nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from app.accounts.models import LinkedIdentity, User
from app.clock import frozen, utcnow
from tests.oidc.conftest import (
    REDIRECT,
    authorization_url,
    browse,
    callback_params,
    codes,
    complete,
    sign_in,
)
from tests.oidc.provider import OidcProvider
from tests.support.accounts import count
from tests.support.graphql import GraphQLClient

PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))


async def nothing_created(database) -> bool:
    return await count(database, User) == 0 and await count(database, LinkedIdentity) == 0


async def callback(client: GraphQLClient, provider: str = "local") -> dict[str, str]:
    started = await authorization_url(client, provider)
    return callback_params(await browse(started["url"]))


async def test_the_authorization_url_carries_state_nonce_and_an_s256_pkce_challenge(
    oidc: GraphQLClient, provider: OidcProvider
) -> None:
    started = await authorization_url(oidc)
    query = {k: v[0] for k, v in parse_qs(urlsplit(started["url"]).query).items()}
    assert started["url"].startswith(f"{provider.url}/authorize?")
    assert query["client_id"]
    assert query["redirect_uri"] == REDIRECT
    assert query["response_type"] == "code"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32
    assert len(query["nonce"]) >= 32
    assert "code_verifier" not in query


async def test_a_callback_state_works_once(oidc: GraphQLClient, provider: OidcProvider) -> None:
    params = await callback(oidc)
    assert (await complete(oidc, params))["step"] == "SIGNED_IN"
    replay = await complete(oidc, params)
    assert codes(replay) == ["INVALID_STATE"]
    assert replay["accessToken"] is None


async def test_an_expired_state_is_refused(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    start = utcnow()
    with frozen(start):
        params = await callback(oidc)
    late = start + timedelta(seconds=oidc.settings.oidc_state_ttl_seconds + 1)
    with frozen(late):
        payload = await complete(oidc, params)
    assert codes(payload) == ["INVALID_STATE"]
    assert await nothing_created(database)
    assert provider.state.token_requests == 0  # the code was never even exchanged


async def test_a_state_is_bound_to_its_provider(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    params = await callback(oidc)
    payload = await complete(oidc, params, provider="github")
    assert codes(payload) == ["INVALID_STATE"]
    assert await nothing_created(database)


@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(state=st.text(PRINTABLE, min_size=1, max_size=300))
async def test_an_unknown_state_is_refused(oidc: GraphQLClient, state: str) -> None:
    payload = await complete(oidc, {"code": "some-code", "state": state})
    assert codes(payload) == ["INVALID_STATE"]


@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    uri=st.one_of(
        st.text(PRINTABLE, max_size=80),
        st.sampled_from(
            [
                REDIRECT + "/",
                REDIRECT + "?next=/admin",
                REDIRECT.upper(),
                "https://evil.example/auth/callback",
                "http://app.example/auth/callback",
            ]
        ),
    )
)
async def test_a_redirect_uri_outside_the_allow_list_is_refused(
    oidc: GraphQLClient, uri: str
) -> None:
    """Property 62: refused before anything runs (no state is stored, no provider is asked)."""
    payload = await authorization_url(oidc, redirect_uri=uri)
    assert codes(payload) == ["REDIRECT_URI_NOT_ALLOWED"]
    assert payload["url"] is None
    assert await oidc.redis.keys("oidc:state:*") == []


async def test_an_unknown_provider_is_refused(oidc: GraphQLClient) -> None:
    payload = await authorization_url(oidc, provider="myspace")
    assert codes(payload) == ["UNKNOWN_PROVIDER"]
    assert payload["errors"][0]["field"] == "provider"


async def test_a_code_is_useless_without_its_own_sign_ins_pkce_verifier(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    """A stolen code injected into another sign-in (its state, hence its verifier) fails at the
    provider: PKCE binds the code to the sign-in that asked for it."""
    victim = await callback(oidc)
    attacker = await callback(oidc)
    payload = await complete(oidc, {"code": victim["code"], "state": attacker["state"]})
    assert codes(payload) == ["PROVIDER_ERROR"]
    assert await nothing_created(database)


@pytest.mark.parametrize(
    "misbehaviour", ["wrong_nonce", "wrong_audience", "wrong_issuer", "bad_signature", "expired"]
)
async def test_an_id_token_that_does_not_validate_is_refused(
    oidc: GraphQLClient, provider: OidcProvider, database, misbehaviour: str
) -> None:
    provider.misbehave = misbehaviour
    payload = await sign_in(oidc)
    assert codes(payload) == ["INVALID_ID_TOKEN"]
    assert payload["accessToken"] is None
    assert await nothing_created(database)
    provider.misbehave = None
    assert (await sign_in(oidc))["step"] == "SIGNED_IN"  # the same provider, behaving
