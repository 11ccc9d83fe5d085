"""My linked identities: listed for me only, linked explicitly while signed in, unlinked unless
it is the last way into an account without a password; the GDPR export and erasure functions."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import delete, select

from app.accounts.identities import erase_identities, export_identities
from app.accounts.models import LinkedIdentity, User
from tests.oidc.conftest import browse, callback_params, codes, complete, sign_in
from tests.oidc.provider import OidcProvider, Person
from tests.support.accounts import count, login, make_user
from tests.support.graphql import GraphQLClient

LIST = "query { linkedIdentities { id provider email createdAt lastUsedAt } }"


async def linked(client: GraphQLClient, token: str) -> list[dict[str, Any]]:
    outcome = await client.execute(LIST, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data["linkedIdentities"]


async def link_github(client: GraphQLClient, token: str) -> dict[str, Any]:
    """A signed-in user links their GitHub identity (a sign-in started with `link: true`)."""
    outcome = await client.mutate(
        "oidcAuthorizationUrl",
        {"provider": "github", "redirectUri": "https://app.example/auth/callback", "link": True},
        "url",
        token=token,
    )
    url = outcome.payload("oidcAuthorizationUrl")["url"]
    params = callback_params(await browse(url))
    result = await client.mutate(
        "completeOidcLogin",
        {"provider": "github", "code": params["code"], "state": params["state"]},
        "step accessToken",
        token=token,
    )
    return result.payload("completeOidcLogin")


async def unlink(client: GraphQLClient, token: str, identity_id: str) -> Any:
    return await client.mutate("unlinkIdentity", {"identityId": identity_id}, "ok", token=token)


async def test_a_signed_in_user_links_another_provider_and_lists_both(
    oidc: GraphQLClient, provider: OidcProvider, github: OidcProvider
) -> None:
    me = await sign_in(oidc)
    github.person = Person(sub="77", email="ada-at-github@users.example")

    result = await link_github(oidc, me["accessToken"])

    assert result["errors"] == []
    assert result["step"] == "LINKED"
    assert result["accessToken"] is None
    rows = await linked(oidc, me["accessToken"])
    assert [(r["provider"], r["email"]) for r in rows] == [
        ("local", "ada@example.com"),
        ("github", "ada-at-github@users.example"),
    ]
    again = await sign_in(oidc, "github")  # the GitHub identity now signs into the same account
    assert again["user"]["id"] == me["user"]["id"]


async def test_a_linking_sign_in_completes_only_for_the_user_who_started_it(
    oidc: GraphQLClient, provider: OidcProvider, github: OidcProvider, database
) -> None:
    me = await sign_in(oidc)
    outcome = await oidc.mutate(
        "oidcAuthorizationUrl",
        {"provider": "github", "redirectUri": "https://app.example/auth/callback", "link": True},
        "url",
        token=me["accessToken"],
    )
    params = callback_params(await browse(outcome.payload("oidcAuthorizationUrl")["url"]))
    payload = await complete(oidc, params, provider="github")  # anonymous: not the starter
    assert codes(payload) == ["INVALID_STATE"]
    assert await count(database, LinkedIdentity) == 1


async def test_linking_needs_a_signed_in_caller(oidc: GraphQLClient) -> None:
    outcome = await oidc.mutate(
        "oidcAuthorizationUrl",
        {"provider": "github", "redirectUri": "https://app.example/auth/callback", "link": True},
        "url",
    )
    assert outcome.codes == ["UNAUTHENTICATED"]


async def test_an_identity_of_another_account_cannot_be_linked(
    oidc: GraphQLClient, provider: OidcProvider, github: OidcProvider, database
) -> None:
    github.person = Person(sub="78", email="someone@users.example")
    await sign_in(oidc, "github")  # someone's account owns GitHub identity 78
    me = await sign_in(oidc)
    result = await link_github(oidc, me["accessToken"])
    assert codes(result) == ["IDENTITY_IN_USE"]
    assert len(await linked(oidc, me["accessToken"])) == 1


async def test_the_last_identity_of_an_account_without_password_cannot_be_unlinked(
    oidc: GraphQLClient, provider: OidcProvider, github: OidcProvider
) -> None:
    me = await sign_in(oidc)
    token = me["accessToken"]
    github.person = Person(sub="79")
    await link_github(oidc, token)
    first, second = await linked(oidc, token)

    assert (await unlink(oidc, token, first["id"])).payload("unlinkIdentity")["ok"] is True
    refused = (await unlink(oidc, token, second["id"])).payload("unlinkIdentity")
    assert codes(refused) == ["LAST_SIGN_IN_METHOD"]
    assert refused["errors"][0]["field"] == "identityId"
    assert [r["id"] for r in await linked(oidc, token)] == [second["id"]]


async def test_two_racing_unlinks_never_remove_the_last_way_in(
    oidc: GraphQLClient, provider: OidcProvider, github: OidcProvider
) -> None:
    me = await sign_in(oidc)
    token = me["accessToken"]
    github.person = Person(sub="80")
    await link_github(oidc, token)
    ids = [r["id"] for r in await linked(oidc, token)]

    results = await asyncio.gather(*(unlink(oidc, token, i) for i in ids))

    oks = [r.payload("unlinkIdentity")["ok"] for r in results]
    assert sorted(oks) == [False, True]
    assert len(await linked(oidc, token)) == 1


async def test_an_account_with_a_password_may_unlink_its_only_identity(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    user = await make_user(database, email="grace@example.com")
    me = await login(oidc, user.email)
    provider.person = Person(sub="grace", email="grace@elsewhere.example")
    outcome = await oidc.mutate(
        "oidcAuthorizationUrl",
        {"provider": "local", "redirectUri": "https://app.example/auth/callback", "link": True},
        "url",
        token=me["accessToken"],
    )
    params = callback_params(await browse(outcome.payload("oidcAuthorizationUrl")["url"]))
    done = await oidc.mutate(
        "completeOidcLogin",
        {"provider": "local", "code": params["code"], "state": params["state"]},
        "step",
        token=me["accessToken"],
    )
    assert done.payload("completeOidcLogin")["step"] == "LINKED"
    (only,) = await linked(oidc, me["accessToken"])

    result = await unlink(oidc, me["accessToken"], only["id"])
    assert result.payload("unlinkIdentity")["ok"] is True
    assert await linked(oidc, me["accessToken"]) == []


async def test_another_users_identity_is_not_found(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    owner = await sign_in(oidc)
    (theirs,) = await linked(oidc, owner["accessToken"])
    intruder = await make_user(database)
    me = await login(oidc, intruder.email)

    result = await unlink(oidc, me["accessToken"], theirs["id"])
    assert result.codes == ["NOT_FOUND"]
    assert await linked(oidc, me["accessToken"]) == []
    assert len(await linked(oidc, owner["accessToken"])) == 1


async def test_linked_identities_need_a_signed_in_user(oidc: GraphQLClient) -> None:
    assert (await oidc.execute(LIST)).codes == ["UNAUTHENTICATED"]


async def test_export_and_erase_identities_for_the_privacy_registries(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    me = await sign_in(oidc)
    async with database.session() as session:
        user = await session.scalar(select(User).where(User.email == me["user"]["email"]))
        assert user is not None
        exported = await export_identities(session, user.id)
    assert [(e["provider"], e["subject"], e["email"]) for e in exported] == [
        ("local", "person-1", "ada@example.com")
    ]
    assert set(exported[0]) == {"provider", "subject", "email", "created_at", "last_used_at"}

    async with database.transaction() as session:
        assert await erase_identities(session, user.id) == 1
    assert await count(database, LinkedIdentity) == 0


async def test_identities_go_with_their_user(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    await sign_in(oidc)
    async with database.transaction() as session:
        await session.execute(delete(User))
    assert await count(database, LinkedIdentity) == 0
