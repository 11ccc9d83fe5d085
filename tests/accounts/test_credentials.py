"""Password reset, change password and change e-mail."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import AuthSession, User
from app.security.passwords import verify_password
from tests.support.accounts import (
    AUTH_FIELDS,
    PASSWORD,
    change_email,
    emails,
    login,
    make_user,
    token_of,
)

NEW_PASSWORD = "Brand-New-Secret-7"


async def request_reset(client, email):
    return (await client.mutate("requestPasswordReset", {"email": email}, "ok")).payload(
        "requestPasswordReset"
    )


async def reset(client, token, password=NEW_PASSWORD):
    return (
        await client.mutate("resetPassword", {"token": token, "newPassword": password}, "ok")
    ).payload("resetPassword")


async def stored_user(database, user_id):
    async with database.session() as session:
        return await session.get(User, user_id)


async def test_password_reset_flow_sets_the_password_and_signs_out_everywhere(client, database):
    user = await make_user(database)
    session = await login(client, user.email)

    assert await request_reset(client, user.email) == {"ok": True, "errors": []}
    [mail] = await emails(database, "reset_password")
    assert mail.context["link"].startswith(f"{client.settings.frontend_url}/reset-password?token=")

    assert await reset(client, token_of(mail)) == {"ok": True, "errors": []}

    stored = await stored_user(database, user.id)
    assert verify_password(stored.password_hash, NEW_PASSWORD)
    stale = await client.execute("{ me { id } }", token=session["accessToken"])
    assert [e.extensions["code"] for e in stale.errors] == ["UNAUTHENTICATED"]
    await login(client, user.email, NEW_PASSWORD)
    assert [m.template for m in await emails(database)][-1] == "password_changed"


async def test_a_reset_link_verifies_the_address_so_the_account_can_sign_in(client, database):
    user = await make_user(database, verified=False)
    unverified = await client.mutate(
        "login", {"email": user.email, "password": PASSWORD}, AUTH_FIELDS
    )
    await request_reset(client, user.email)

    await reset(client, token_of((await emails(database, "reset_password"))[0]))

    assert unverified.payload("login")["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await stored_user(database, user.id)).email_verified_at is not None
    await login(client, user.email, NEW_PASSWORD)


async def test_reset_request_answers_the_same_for_unknown_addresses(client, database):
    await make_user(database, email="real@example.com")
    assert await request_reset(client, "real@example.com") == await request_reset(
        client, "fake@example.com"
    )
    assert [m.recipient for m in await emails(database, "reset_password")] == ["real@example.com"]


async def test_a_reset_link_works_once(client, database):
    user = await make_user(database)
    await request_reset(client, user.email)
    token = token_of((await emails(database, "reset_password"))[0])
    await reset(client, token)

    assert [e["code"] for e in (await reset(client, token, "Another-Secret-8"))["errors"]] == [
        "INVALID_TOKEN"
    ]


async def test_a_weak_new_password_is_refused_and_leaves_the_link_usable(client, database):
    user = await make_user(database)
    await request_reset(client, user.email)
    token = token_of((await emails(database, "reset_password"))[0])

    refused = await reset(client, token, "weak")

    assert {e["field"] for e in refused["errors"]} == {"newPassword"}
    assert verify_password((await stored_user(database, user.id)).password_hash, PASSWORD)
    assert (await reset(client, token))["errors"] == []


async def test_change_password_needs_the_current_one(client, database):
    user = await make_user(database)
    me = await login(client, user.email)

    outcome = await client.mutate(
        "changePassword",
        {"currentPassword": "Wrong-Pass-1", "newPassword": NEW_PASSWORD},
        AUTH_FIELDS,
        token=me["accessToken"],
    )

    assert [e["code"] for e in outcome.payload("changePassword")["errors"]] == ["INVALID_PASSWORD"]
    assert verify_password((await stored_user(database, user.id)).password_hash, PASSWORD)


async def test_change_password_revokes_other_sessions_and_returns_fresh_tokens(client, database):
    user = await make_user(database)
    other, me = await login(client, user.email), await login(client, user.email)

    outcome = await client.mutate(
        "changePassword",
        {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
        AUTH_FIELDS,
        token=me["accessToken"],
    )

    fresh = outcome.payload("changePassword")
    assert fresh["errors"] == []
    assert fresh["accessToken"]
    assert fresh["refreshToken"]
    assert (await client.execute("{ me { id } }", token=fresh["accessToken"])).data["me"]
    for old in (other, me):
        again = await client.mutate(
            "refreshToken", {"refreshToken": old["refreshToken"]}, "accessToken"
        )
        assert again.codes == ["UNAUTHENTICATED"]
        assert (await client.execute("{ me { id } }", token=old["accessToken"])).errors
    async with database.session() as session:
        live = list(
            await session.scalars(select(AuthSession).where(AuthSession.revoked_at.is_(None)))
        )
    assert len(live) == 1


async def test_change_password_anonymously_is_unauthenticated(client):
    outcome = await client.mutate(
        "changePassword", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, "accessToken"
    )
    assert outcome.codes == ["UNAUTHENTICATED"]


async def test_change_email_sends_a_link_to_the_new_address_and_a_notice_to_the_old(
    client, database
):
    user = await make_user(database, email="old@example.com")
    me = await login(client, user.email)

    outcome = await client.mutate(
        "changeEmail",
        {"newEmail": "New@Example.com", "currentPassword": PASSWORD},
        "ok",
        token=me["accessToken"],
    )

    assert outcome.payload("changeEmail") == {"ok": True, "errors": []}
    [confirm] = await emails(database, "confirm_email_change")
    [notice] = await emails(database, "email_changed_notice")
    assert confirm.recipient == "new@example.com"
    assert confirm.context["new_email"] == "new@example.com"
    assert notice.recipient == "old@example.com"
    assert "link" not in notice.context
    assert (await stored_user(database, user.id)).email == "old@example.com"

    verified = await client.mutate("verifyEmail", {"token": token_of(confirm)}, "verified email")

    assert verified.payload("verifyEmail") == {
        "verified": True,
        "email": "new@example.com",
        "errors": [],
    }
    assert (await stored_user(database, user.id)).email == "new@example.com"
    await login(client, "new@example.com")


async def test_change_email_needs_the_password_and_a_valid_address(client, database):
    user = await make_user(database)
    me = await login(client, user.email)

    async def change(new_email, password):
        outcome = await client.mutate(
            "changeEmail",
            {"newEmail": new_email, "currentPassword": password},
            "ok",
            token=me["accessToken"],
        )
        return [e["code"] for e in outcome.payload("changeEmail")["errors"]]

    assert await change("fresh@example.com", "Wrong-Pass-1") == ["INVALID_PASSWORD"]
    assert await change("not an email", PASSWORD) == ["INVALID_EMAIL"]
    assert await emails(database) == []


async def test_changing_to_a_taken_address_answers_the_same_and_tells_its_owner(client, database):
    user = await make_user(database, email="me@example.com")
    someone = await make_user(database, email="someone@example.com")
    me = await login(client, user.email)

    answers = [
        await change_email(client, me["accessToken"], address)
        for address in ("SOMEONE@example.com", "free@example.com")
    ]

    assert answers[0] == answers[1] == {"ok": True, "errors": []}
    sent = [(m.template, m.recipient) for m in await emails(database)]
    assert sent == [
        ("email_in_use", "someone@example.com"),
        ("email_changed_notice", "me@example.com"),
        ("confirm_email_change", "free@example.com"),
        ("email_changed_notice", "me@example.com"),
    ]
    assert [m.user_id for m in await emails(database, "email_in_use")] == [someone.id]
    assert (await stored_user(database, user.id)).email == "me@example.com"


async def test_an_email_change_is_rechecked_for_uniqueness_when_confirmed(client, database):
    user = await make_user(database)
    me = await login(client, user.email)
    await client.mutate(
        "changeEmail",
        {"newEmail": "contested@example.com", "currentPassword": PASSWORD},
        "ok",
        token=me["accessToken"],
    )
    await make_user(database, email="contested@example.com")
    [confirm] = await emails(database, "confirm_email_change")

    outcome = await client.mutate("verifyEmail", {"token": token_of(confirm)}, "user { id }")

    assert [e["code"] for e in outcome.payload("verifyEmail")["errors"]] == ["EMAIL_TAKEN"]
    assert (await stored_user(database, user.id)).email == user.email
