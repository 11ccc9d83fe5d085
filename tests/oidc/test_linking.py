"""An account that already uses the provider's verified address is linked only after its owner
proves the account is theirs (its password, and its second factor when on); an account with TOTP
needs its code after a provider sign-in too."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from app.accounts.models import LinkedIdentity, User
from app.security.tokens import verify_access_token
from tests.oidc.conftest import codes, sign_in
from tests.oidc.provider import OidcProvider, Person
from tests.support.accounts import (
    PASSWORD,
    count,
    emails,
    login,
    make_user,
    token_of,
    totp_clock,
    totp_code,
)
from tests.support.catalog import gid
from tests.support.graphql import GraphQLClient

AUTH = "accessToken refreshToken user { id email }"


async def confirm_link(
    client: GraphQLClient, token: str, password: str = PASSWORD, **more: Any
) -> dict[str, Any]:
    outcome = await client.mutate(
        "confirmOidcLink", {"pendingToken": token, "password": password, **more}, AUTH
    )
    return outcome.payload("confirmOidcLink")


def amr_of(client: GraphQLClient, token: str) -> tuple[str, ...]:
    return verify_access_token(client.keyring, client.settings, token).amr


async def test_a_verified_address_of_an_existing_account_asks_for_proof_first(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    owner = await make_user(database, email="ada@example.com")
    payload = await sign_in(oidc)

    assert payload["errors"] == []
    assert payload["step"] == "LINK_REQUIRED"
    assert payload["email"] == "ada@example.com"
    assert payload["pendingToken"]
    assert payload["accessToken"] is None
    assert payload["user"] is None
    assert await count(database, LinkedIdentity) == 0
    assert await count(database, User) == 1

    linked = await confirm_link(oidc, payload["pendingToken"])
    assert linked["errors"] == []
    assert linked["user"]["id"] == gid("User", owner.id)
    assert amr_of(oidc, linked["accessToken"]) == ("fed", "pwd")
    me = await oidc.execute("query { me { id } }", token=linked["accessToken"])
    assert me.data == {"me": {"id": gid("User", owner.id)}}

    again = await sign_in(oidc)  # from now on the identity signs in directly
    assert again["step"] == "SIGNED_IN"
    assert again["user"]["id"] == gid("User", owner.id)


async def test_a_wrong_password_links_nothing_and_the_step_has_few_attempts(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    await make_user(database, email="ada@example.com")
    token = (await sign_in(oidc))["pendingToken"]
    attempts = oidc.settings.oidc_pending_max_attempts

    for _ in range(attempts - 1):
        wrong = await confirm_link(oidc, token, "Wrong-Pass-1")
        assert codes(wrong) == ["INVALID_PASSWORD"]
        assert wrong["accessToken"] is None
    assert await count(database, LinkedIdentity) == 0
    assert codes(await confirm_link(oidc, token, "Wrong-Pass-1")) == ["INVALID_PASSWORD"]
    # the last allowed attempt ended the step: even the right password is too late
    assert codes(await confirm_link(oidc, token)) == ["INVALID_PENDING_TOKEN"]
    assert await count(database, LinkedIdentity) == 0


async def test_a_link_step_works_once_even_when_raced(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    await make_user(database, email="ada@example.com")
    token = (await sign_in(oidc))["pendingToken"]

    results = await asyncio.gather(*(confirm_link(oidc, token) for _ in range(4)))

    assert sum(1 for r in results if r["accessToken"]) == 1
    assert all(codes(r) == ["INVALID_PENDING_TOKEN"] for r in results if not r["accessToken"])
    assert await count(database, LinkedIdentity) == 1


async def test_an_unknown_link_token_is_refused(oidc: GraphQLClient, database) -> None:
    assert codes(await confirm_link(oidc, "no-such-token")) == ["INVALID_PENDING_TOKEN"]


async def test_an_unverified_address_never_links_to_the_account_that_has_it(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    await make_user(database, email="ada@example.com")
    provider.person = Person(email_verified=False)
    payload = await sign_in(oidc)
    assert codes(payload) == ["EMAIL_NOT_VERIFIED"]
    assert payload["pendingToken"] is None


async def test_an_account_with_totp_needs_its_code_after_a_provider_sign_in(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    with totp_clock():
        user = await make_user(database, email="ada@example.com")
        me = await login(oidc, user.email)
        secret = (
            await oidc.mutate(
                "setupTotp", {"currentPassword": PASSWORD}, "secret", token=me["accessToken"]
            )
        ).payload("setupTotp")["secret"]
        confirmed = await oidc.mutate(
            "confirmTotp", {"code": totp_code(secret, 1)}, "recoveryCodes", token=me["accessToken"]
        )
        recovery = confirmed.payload("confirmTotp")["recoveryCodes"][0]

        link = await sign_in(oidc)
        missing = await confirm_link(oidc, link["pendingToken"])
        assert codes(missing) == ["MFA_REQUIRED"]
        linked = await confirm_link(oidc, link["pendingToken"], totpCode=totp_code(secret))
        assert linked["errors"] == []
        assert amr_of(oidc, linked["accessToken"]) == ("fed", "pwd", "otp")

        payload = await sign_in(oidc)
        assert payload["step"] == "MFA_REQUIRED"
        assert payload["accessToken"] is None
        assert payload["pendingToken"]
        mfa = "confirmOidcMfa"
        wrong = await oidc.mutate(
            mfa, {"pendingToken": payload["pendingToken"], "totpCode": "000000"}, AUTH
        )
        assert codes(wrong.payload(mfa)) == ["INVALID_MFA_CODE"]
        right = await oidc.mutate(
            mfa, {"pendingToken": payload["pendingToken"], "totpCode": recovery}, AUTH
        )
        signed = right.payload(mfa)
        assert signed["errors"] == []
        assert signed["user"]["id"] == gid("User", user.id)
        assert amr_of(oidc, signed["accessToken"]) == ("fed", "otp")


async def test_a_deactivated_account_cannot_sign_in_through_its_identity(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    first = await sign_in(oidc)
    async with database.transaction() as session:
        user = await session.scalar(select(User).where(User.email == first["user"]["email"]))
        assert user is not None
        user.is_active = False
    payload = await sign_in(oidc)
    assert codes(payload) == ["SIGN_IN_REFUSED"]
    assert payload["accessToken"] is None


async def test_an_account_without_password_links_through_an_emailed_one_time_link(
    oidc: GraphQLClient, provider: OidcProvider, github: OidcProvider, database
) -> None:
    first = await sign_in(oidc)  # an account created by the local provider: no password
    github.person = Person(sub="90", email="ada@example.com")
    payload = await sign_in(oidc, "github")
    assert payload["step"] == "LINK_REQUIRED"
    assert codes(await confirm_link(oidc, payload["pendingToken"], "!no-password")) == [
        "INVALID_PASSWORD"
    ]

    sent = await oidc.mutate("sendOidcLinkEmail", {"pendingToken": payload["pendingToken"]}, "ok")
    assert sent.payload("sendOidcLinkEmail")["ok"] is True
    (mail,) = await emails(database, "link_identity")
    assert mail.recipient == "ada@example.com"
    assert mail.context["provider"] == "github"
    assert mail.context["link"].startswith(f"{oidc.settings.frontend_url}/link-identity?token=")
    # sending ended the step: it gives no second e-mail and no password attempt
    again = await oidc.mutate("sendOidcLinkEmail", {"pendingToken": payload["pendingToken"]}, "ok")
    assert codes(again.payload("sendOidcLinkEmail")) == ["INVALID_PENDING_TOKEN"]

    by_email = "confirmOidcLinkByEmail"
    used = await oidc.mutate(by_email, {"token": token_of(mail)}, AUTH)
    signed = used.payload(by_email)
    assert signed["errors"] == []
    assert signed["user"]["id"] == first["user"]["id"]
    assert amr_of(oidc, signed["accessToken"]) == ("fed",)
    assert await count(database, LinkedIdentity) == 2
    replay = await oidc.mutate(by_email, {"token": token_of(mail)}, AUTH)
    assert codes(replay.payload(by_email)) == ["INVALID_PENDING_TOKEN"]
    assert replay.payload(by_email)["errors"][0]["field"] == "token"
    assert (await sign_in(oidc, "github"))["user"]["id"] == first["user"]["id"]


async def test_an_unverified_account_linked_by_email_loses_the_password_someone_else_chose(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    """Pre-hijacking: someone registers the owner's address with their own password (never
    verified). The owner signs in with a provider and links by the e-mailed link: the address is
    verified now, and the stranger's password no longer opens anything."""
    await make_user(database, email="ada@example.com", verified=False)
    payload = await sign_in(oidc)
    assert payload["step"] == "LINK_REQUIRED"
    await oidc.mutate("sendOidcLinkEmail", {"pendingToken": payload["pendingToken"]}, "ok")
    (mail,) = await emails(database, "link_identity")
    used = await oidc.mutate("confirmOidcLinkByEmail", {"token": token_of(mail)}, AUTH)
    assert used.payload("confirmOidcLinkByEmail")["errors"] == []

    stranger = await oidc.mutate(
        "login", {"email": "ada@example.com", "password": PASSWORD}, "accessToken"
    )
    assert codes(stranger.payload("login")) == ["INVALID_CREDENTIALS"]
    assert (await sign_in(oidc))["step"] == "SIGNED_IN"


async def test_an_unverified_account_linked_with_its_password_keeps_it_and_is_verified(
    oidc: GraphQLClient, provider: OidcProvider, database
) -> None:
    await make_user(database, email="ada@example.com", verified=False)
    payload = await sign_in(oidc)
    assert (await confirm_link(oidc, payload["pendingToken"]))["errors"] == []
    assert (await login(oidc, "ada@example.com"))["accessToken"]
