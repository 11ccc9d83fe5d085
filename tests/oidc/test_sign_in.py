"""Sign-in with a provider (a real OpenID Connect provider over HTTP, and a GitHub stand-in):
the first sign-in creates a verified student account without a password, the next ones reuse
the linked identity, and the tokens are those of `login`."""

from __future__ import annotations

import asyncio

import structlog
from sqlalchemy import select

from app.accounts.models import LinkedIdentity, User
from schema.accounts.devices import DEVICE_COOKIE
from tests.oidc.conftest import authorization_url, browse, callback_params, complete, sign_in
from tests.oidc.provider import CLIENT_SECRET, OidcProvider, Person
from tests.support.accounts import count
from tests.support.events import flushed
from tests.support.graphql import GraphQLClient

ME = "query { me { id email role emailVerified } }"


async def test_first_sign_in_creates_a_verified_student_account_and_signs_it_in(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    """Property 71: the access token of a provider sign-in authenticates `me`."""
    payload = await sign_in(oidc)

    assert payload["errors"] == []
    assert payload["step"] == "SIGNED_IN"
    assert payload["user"]["email"] == "ada@example.com"
    assert payload["user"]["role"] == "STUDENT"
    me = await oidc.execute(ME, token=payload["accessToken"])
    assert me.data == {
        "me": {
            "id": payload["user"]["id"],
            "email": "ada@example.com",
            "role": "STUDENT",
            "emailVerified": True,
        }
    }
    async with database.session() as session:
        user = await session.scalar(select(User).where(User.email == "ada@example.com"))
        identity = await session.scalar(select(LinkedIdentity))
    assert user is not None
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert identity is not None
    assert (identity.user_id, identity.provider, identity.subject) == (user.id, "local", "person-1")


async def test_a_provider_sign_in_sets_the_cookies_of_login_and_its_refresh_token_works(
    oidc: GraphQLClient, provider: OidcProvider
) -> None:
    params = callback_params(await browse((await authorization_url(oidc))["url"]))
    outcome = await oidc.mutate(
        "completeOidcLogin",
        {"provider": "local", "code": params["code"], "state": params["state"]},
        "refreshToken",
    )
    refresh_token = outcome.payload("completeOidcLogin")["refreshToken"]
    cookies = outcome.set_cookies()
    assert cookies[oidc.settings.refresh_cookie_name].value == refresh_token
    assert cookies[oidc.settings.refresh_cookie_name]["httponly"]
    assert DEVICE_COOKIE in cookies  # this browser is now a known device of the account

    refreshed = await oidc.mutate("refreshToken", {"refreshToken": refresh_token}, "accessToken")
    assert refreshed.payload("refreshToken")["accessToken"]


async def test_an_account_created_by_a_provider_has_no_password_that_signs_in(
    oidc: GraphQLClient, provider: OidcProvider
) -> None:
    await sign_in(oidc)
    for password in ("", "!no-password", "Correct-Horse-42"):
        outcome = await oidc.mutate(
            "login", {"email": "ada@example.com", "password": password}, "accessToken"
        )
        assert [e["code"] for e in outcome.payload("login")["errors"]] == ["INVALID_CREDENTIALS"]


async def test_the_second_sign_in_reuses_the_identity_and_its_account(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    first = await sign_in(oidc)
    provider.person = Person(email="ada.new@example.com")  # the address changed at the provider
    second = await sign_in(oidc)

    assert second["step"] == "SIGNED_IN"
    assert second["user"]["id"] == first["user"]["id"]
    assert second["user"]["email"] == "ada@example.com"
    assert await count(database, User) == 1
    assert await count(database, LinkedIdentity) == 1


async def test_an_unverified_email_neither_creates_nor_links_an_account(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    provider.person = Person(email_verified=False)
    payload = await sign_in(oidc)
    assert [e["code"] for e in payload["errors"]] == ["EMAIL_NOT_VERIFIED"]
    assert payload["accessToken"] is None

    provider.person = Person(email=None)
    payload = await sign_in(oidc)
    assert [e["code"] for e in payload["errors"]] == ["EMAIL_NOT_VERIFIED"]
    assert await count(database, User) == 0
    assert await count(database, LinkedIdentity) == 0


async def test_github_sign_in_uses_the_primary_verified_address(
    oidc: GraphQLClient, github: OidcProvider, database
) -> None:
    github.person = Person(sub="4242", email="ada@users.example")
    payload = await sign_in(oidc, "github")

    assert payload["errors"] == []
    assert payload["user"]["email"] == "ada@users.example"
    async with database.session() as session:
        identity = await session.scalar(select(LinkedIdentity))
    assert identity is not None
    assert (identity.provider, identity.subject) == ("github", "4242")
    again = await sign_in(oidc, "github")
    assert again["user"]["id"] == payload["user"]["id"]


async def test_github_with_an_unverified_primary_address_is_refused(
    oidc: GraphQLClient, github: OidcProvider, database
) -> None:
    github.person = Person(sub="4243", email="new@users.example", email_verified=False)
    payload = await sign_in(oidc, "github")
    assert [e["code"] for e in payload["errors"]] == ["EMAIL_NOT_VERIFIED"]
    assert await count(database, User) == 0


async def test_two_racing_first_sign_ins_of_one_identity_make_one_account(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    """The same person finishing two sign-ins at once (two tabs) gets one account, signed in
    twice: the loser of the race finds the winner's identity instead of failing."""
    callbacks = [
        callback_params(await browse((await authorization_url(oidc))["url"])) for _ in range(2)
    ]

    results = await asyncio.gather(*(complete(oidc, params) for params in callbacks))

    assert [r["errors"] for r in results] == [[], []]
    assert [r["step"] for r in results] == ["SIGNED_IN", "SIGNED_IN"]
    assert results[0]["user"]["id"] == results[1]["user"]["id"]
    assert await count(database, User) == 1
    assert await count(database, LinkedIdentity) == 1


async def test_no_secret_code_or_token_reaches_the_logs(
    oidc: GraphQLClient, provider: OidcProvider
) -> None:
    """Property 67: sensitive data stays out of the logs, on the paths that log (refusals)."""
    victim = callback_params(await browse((await authorization_url(oidc))["url"]))
    other = callback_params(await browse((await authorization_url(oidc))["url"]))
    with structlog.testing.capture_logs() as logs:
        refused = await complete(oidc, {"code": victim["code"], "state": other["state"]})
        provider.misbehave = "bad_signature"
        forged = await sign_in(oidc)
    assert [e["code"] for e in refused["errors"]] == ["PROVIDER_ERROR"]
    assert [e["code"] for e in forged["errors"]] == ["INVALID_ID_TOKEN"]
    text = repr(logs)
    assert logs  # both refusals were logged
    for secret in (CLIENT_SECRET, victim["code"], victim["state"], other["state"], "eyJ"):
        assert secret not in text


async def test_anyone_can_see_which_providers_are_offered(
    oidc: GraphQLClient, client: GraphQLClient
) -> None:
    query = "query { oidcProviders { name kind } }"
    outcome = await oidc.execute(query)
    assert outcome.data == {
        "oidcProviders": [{"name": "local", "kind": "oidc"}, {"name": "github", "kind": "github"}]
    }
    assert (await client.execute(query)).data == {"oidcProviders": []}  # none configured


async def test_a_provider_sign_in_is_a_sign_in_event(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    """Property 61: signing in through a provider logs `user.signed_in` like a password login."""
    payload = await sign_in(oidc)

    [event] = await flushed(database, "user.signed_in")
    assert payload["step"] == "SIGNED_IN"
    async with database.session() as session:
        user = await session.scalar(select(User).where(User.email == "ada@example.com"))
    assert user is not None
    assert event.user_id == user.id
    assert event.properties == {"method": "oidc", "mfa": False}
