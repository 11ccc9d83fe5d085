"""login: uniform failures (no enumeration) and brute-force throttling per account and per IP."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import AuthSession, User
from tests.support.accounts import AUTH_FIELDS, PASSWORD, count, login, make_user


async def attempt(client, email, password=PASSWORD, **kw):
    return await client.mutate("login", {"email": email, "password": password}, AUTH_FIELDS, **kw)


async def test_login_returns_tokens_records_the_device_and_last_login(client, database):
    user = await make_user(database)

    payload = await login(client, user.email.upper())

    assert payload["user"]["id"]
    assert payload["refreshToken"]
    async with database.session() as session:
        family = await session.scalar(select(AuthSession))
        stored = await session.get(User, user.id)
    assert family.user_id == user.id
    assert family.device == "Chrome on Windows"
    assert str(family.ip_address) == client.ip
    assert stored.last_login_at is not None


async def test_unknown_email_wrong_password_and_inactive_account_look_the_same(client, database):
    user = await make_user(database, email="known@example.com")
    inactive = await make_user(database, email="inactive@example.com")
    async with database.transaction() as session:
        (await session.get(User, inactive.id)).is_active = False

    results = [
        (await attempt(client, email, password)).payload("login")
        for email, password in [
            ("nobody@example.com", PASSWORD),
            (user.email, "Wrong-Pass-1"),
            (inactive.email, PASSWORD),
        ]
    ]

    assert all(r == results[0] for r in results)
    assert results[0]["errors"] == [
        {"field": None, "message": "Invalid e-mail or password", "code": "INVALID_CREDENTIALS"}
    ]
    assert results[0]["accessToken"] is None
    assert await count(database, AuthSession) == 0


async def test_failed_logins_are_throttled_per_account_with_retry_after(client, database):
    client.settings = client.settings.model_copy(update={"login_max_attempts_per_account": 3})
    user = await make_user(database)
    for _ in range(3):
        assert (await attempt(client, user.email, "Wrong-Pass-1")).payload("login")["errors"]

    blocked = await attempt(client, user.email, PASSWORD)

    assert blocked.codes == ["RATE_LIMITED"]
    assert blocked.errors[0].extensions["retryAfter"] > 0
    assert await count(database, AuthSession) == 0


async def test_the_account_throttle_counts_only_failures_and_a_success_clears_it(client, database):
    client.settings = client.settings.model_copy(update={"login_max_attempts_per_account": 3})
    user = await make_user(database)
    for _ in range(2):
        await attempt(client, user.email, "Wrong-Pass-1")
    await login(client, user.email)
    for _ in range(2):
        await attempt(client, user.email, "Wrong-Pass-1")

    assert (await attempt(client, user.email)).payload("login")["accessToken"]


async def test_failed_logins_are_throttled_per_ip_across_accounts(client, database):
    client.settings = client.settings.model_copy(update={"login_max_attempts_per_ip": 3})
    user = await make_user(database)
    for i in range(3):
        await attempt(client, f"victim{i}@example.com", "Wrong-Pass-1")

    from_attacker = await attempt(client, user.email)
    from_elsewhere = await attempt(client, user.email, ip="198.51.100.1")

    assert from_attacker.codes == ["RATE_LIMITED"]
    assert from_elsewhere.payload("login")["accessToken"]
