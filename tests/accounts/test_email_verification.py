"""verifyEmail / resendVerification: Property 6, single use, expiry, no enumeration."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.accounts.models import OneTimeToken, User
from app.clock import utcnow
from tests.support.accounts import PASSWORD, change_email, emails, login, make_user, token_of

REGISTER_FIELDS = "ok"


async def register(client, email):
    outcome = await client.mutate(
        "register",
        {"firstName": "Mary", "lastName": "Jackson", "email": email, "password": PASSWORD},
        REGISTER_FIELDS,
    )
    assert outcome.payload("register")["errors"] == []


async def verify(client, token, *, as_token=None):
    return (
        await client.mutate(
            "verifyEmail",
            {"token": token},
            "verified email user { id emailVerified }",
            token=as_token,
        )
    ).payload("verifyEmail")


async def is_verified(database, email):
    async with database.session() as session:
        user = await session.scalar(select(User).where(User.email == email))
    return user.email_verified_at is not None


@hsettings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(min_value=2, max_value=5))
async def test_property_6_every_registration_gets_its_own_verification_token(client, database, n):
    start = len(await emails(database, "verify_email"))
    prefix = utcnow().strftime("%H%M%S%f")
    client.settings = client.settings.model_copy(update={"register_max_per_ip": 10_000})
    for i in range(n):
        await register(client, f"p6-{prefix}-{i}@example.com")

    tokens = [token_of(m) for m in (await emails(database, "verify_email"))[start:]]

    assert len(tokens) == n
    assert len(set(tokens)) == n
    assert all(len(t) >= 43 for t in tokens)


async def test_the_link_from_the_email_verifies_the_address_and_sends_the_welcome(client, database):
    await register(client, "katherine@example.com")
    [mail] = await emails(database, "verify_email")

    payload = await verify(client, token_of(mail))

    assert payload == {
        "verified": True,
        "email": "katherine@example.com",
        "user": None,  # the link's holder proves the address, not that they may see the account
        "errors": [],
    }
    assert await is_verified(database, "katherine@example.com")
    [welcome] = await emails(database, "welcome")
    assert welcome.recipient == "katherine@example.com"
    assert welcome.context == {"first_name": "Mary", "link": client.settings.frontend_url}


async def test_the_owner_signed_in_gets_their_account_back(client, database):
    owner = await make_user(database, email="owner@example.com")
    me = await login(client, owner.email)
    await change_email(client, me["accessToken"], "owner.new@example.com")
    [mail] = await emails(database, "confirm_email_change")

    payload = await verify(client, token_of(mail), as_token=me["accessToken"])

    assert payload["verified"] is True
    assert payload["email"] == "owner.new@example.com"
    assert payload["user"] == {"id": me["user"]["id"], "emailVerified": True}


async def test_someone_else_signed_in_does_not_get_the_account(client, database):
    await register(client, "mine@example.com")
    [mail] = await emails(database, "verify_email")
    other = await make_user(database)
    me = await login(client, other.email)

    payload = await verify(client, token_of(mail), as_token=me["accessToken"])

    assert (payload["verified"], payload["email"], payload["user"]) == (
        True,
        "mine@example.com",
        None,
    )


async def test_a_verification_link_works_once(client, database):
    await register(client, "once@example.com")
    token = token_of((await emails(database, "verify_email"))[0])
    await verify(client, token)

    again = await verify(client, token)

    assert [e["code"] for e in again["errors"]] == ["INVALID_TOKEN"]
    assert len(await emails(database, "welcome")) == 1


async def test_an_expired_verification_link_is_refused(client, database):
    await register(client, "late@example.com")
    token = token_of((await emails(database, "verify_email"))[0])
    async with database.transaction() as session:
        await session.execute(
            update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    assert [e["code"] for e in (await verify(client, token))["errors"]] == ["INVALID_TOKEN"]
    assert not await is_verified(database, "late@example.com")


async def test_tokens_are_stored_only_as_hashes(client, database):
    await register(client, "hashed@example.com")
    token = token_of((await emails(database, "verify_email"))[0])

    async with database.session() as session:
        stored = await session.scalar(select(OneTimeToken.token_hash))
    assert token.encode() not in stored
    assert len(stored) == 32


async def test_resend_invalidates_the_previous_link(client, database):
    await register(client, "resend@example.com")
    old = token_of((await emails(database, "verify_email"))[0])

    outcome = await client.mutate("resendVerification", {"email": "RESEND@example.com"}, "ok")

    assert outcome.payload("resendVerification") == {"ok": True, "errors": []}
    new = token_of((await emails(database, "verify_email"))[-1])
    assert [e["code"] for e in (await verify(client, old))["errors"]] == ["INVALID_TOKEN"]
    assert (await verify(client, new))["errors"] == []


async def test_resend_answers_the_same_for_unknown_and_verified_addresses(client, database):
    await make_user(database, email="verified@example.com", verified=True)
    answers = [
        (await client.mutate("resendVerification", {"email": email}, "ok")).payload(
            "resendVerification"
        )
        for email in ("nobody@example.com", "verified@example.com")
    ]

    assert answers[0] == answers[1] == {"ok": True, "errors": []}
    assert await emails(database, "verify_email") == []


async def test_resend_is_throttled_per_address_whether_or_not_it_exists(client, database):
    client.settings = client.settings.model_copy(update={"email_requests_max_per_email": 2})
    for _ in range(2):
        await client.mutate("resendVerification", {"email": "ghost@example.com"}, "ok")

    blocked = await client.mutate("resendVerification", {"email": "ghost@example.com"}, "ok")

    assert blocked.codes == ["RATE_LIMITED"]


async def test_guessing_tokens_is_throttled_per_ip(client, database):
    client.settings = client.settings.model_copy(update={"token_attempts_max_per_ip": 3})
    for i in range(3):
        await verify(client, f"guess-{i}")

    blocked = await client.mutate("verifyEmail", {"token": "guess-x"}, "user { id }")

    assert blocked.codes == ["RATE_LIMITED"]
