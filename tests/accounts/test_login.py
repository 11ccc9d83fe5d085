"""login: uniform failures (no enumeration) and brute-force throttling per (account, IP), per IP
and per account — the last a ceiling that an attacker on many IPs can reach but that does not
lock the owner out: a known device (the signed cookie of an earlier sign-in or of a solved
e-mailed link) still signs in with the right password."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.models import AuthSession, User
from app.notifications.models import EmailLog
from app.redis import make_redis
from schema.accounts.devices import DEVICE_COOKIE
from tests.support.accounts import AUTH_FIELDS, PASSWORD, count, emails, login, make_user, token_of
from tests.support.graphql import GraphQLClient, Outcome, with_settings

WRONG = "Wrong-Pass-1"
OWNER_IP = "203.0.113.50"
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
ATTACKER_IPS = ["198.18.0.1", "198.18.0.2"]


async def attempt(client, email, password=PASSWORD, **kw) -> Outcome:
    return await client.mutate("login", {"email": email, "password": password}, AUTH_FIELDS, **kw)


def device_of(outcome: Outcome) -> dict[str, str]:
    """The known-device cookie the response set, as a cookie jar for the next request."""
    return {DEVICE_COOKIE: outcome.set_cookies()[DEVICE_COOKIE].value}


async def known_device(client: GraphQLClient, email: str) -> dict[str, str]:
    """Sign in once from the owner's browser: it keeps the device cookie."""
    return device_of(await attempt(client, email, ip=OWNER_IP))


async def fail_from(client: GraphQLClient, email: str, ips: list[str]) -> None:
    for ip in ips:
        await attempt(client, email, WRONG, ip=ip)


def codes(outcome: Outcome) -> list[Any]:
    return outcome.codes or [e["code"] for e in outcome.payload("login")["errors"]]


@pytest.fixture
def strict(client: GraphQLClient) -> GraphQLClient:
    """A client whose per-account ceiling the attacker IPs reach."""
    return with_settings(client, login_max_attempts_per_account=len(ATTACKER_IPS))


@pytest.fixture
async def owner_with_device(strict, database) -> tuple[User, dict[str, str]]:
    """An owner whose browser signed in once, then attackers failed up to the ceiling."""
    owner = await make_user(database)
    device = await known_device(strict, owner.email)
    await fail_from(strict, owner.email, ATTACKER_IPS)
    return owner, device


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


async def test_unknown_unverified_inactive_accounts_and_a_wrong_password_look_the_same(
    client, database
):
    user = await make_user(database, email="known@example.com")
    inactive = await make_user(database, email="inactive@example.com")
    await make_user(database, email="unverified@example.com", verified=False)
    async with database.transaction() as session:
        (await session.get(User, inactive.id)).is_active = False

    results = [
        (await attempt(client, email, password)).payload("login")
        for email, password in [
            ("nobody@example.com", PASSWORD),
            (user.email, WRONG),
            (inactive.email, PASSWORD),
            ("unverified@example.com", PASSWORD),
        ]
    ]

    assert all(r == results[0] for r in results)
    assert results[0]["errors"] == [
        {
            "field": None,
            "message": "Invalid e-mail or password (a new account signs in once its address is "
            "verified)",
            "code": "INVALID_CREDENTIALS",
        }
    ]
    assert results[0]["accessToken"] is None
    assert await count(database, AuthSession) == 0


async def test_failed_logins_are_throttled_per_account_and_ip_with_retry_after(client, database):
    client = with_settings(client, login_max_attempts_per_account_ip=3)
    user = await make_user(database)
    await fail_from(client, user.email, [client.ip] * 3)

    blocked = await attempt(client, user.email)
    elsewhere = await attempt(client, user.email, ip="198.51.100.9")

    assert blocked.codes == ["RATE_LIMITED"]
    assert blocked.errors[0].extensions["retryAfter"] > 0
    assert elsewhere.payload("login")["accessToken"]  # another IP has its own budget


async def test_a_success_clears_the_failures_of_that_account_from_that_ip(client, database):
    client = with_settings(client, login_max_attempts_per_account_ip=3)
    user = await make_user(database)
    await fail_from(client, user.email, [client.ip] * 2)
    await login(client, user.email)
    await fail_from(client, user.email, [client.ip] * 2)

    assert (await attempt(client, user.email)).payload("login")["accessToken"]


async def test_failed_logins_are_throttled_per_ip_across_accounts(client, database):
    client = with_settings(client, login_max_attempts_per_ip=3)
    user = await make_user(database)
    for i in range(3):
        await attempt(client, f"victim{i}@example.com", WRONG)

    from_attacker = await attempt(client, user.email)
    from_elsewhere = await attempt(client, user.email, ip="198.51.100.1")

    assert from_attacker.codes == ["RATE_LIMITED"]
    assert from_elsewhere.payload("login")["accessToken"]


@hsettings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(attackers=st.lists(st.integers(1, 254), min_size=4, max_size=12))
async def test_an_attacker_on_many_ips_cannot_lock_the_owner_out(client, database, attackers):
    """Issue 9, item 4: however the failures are spread over other IPs, once they pass the
    account's ceiling a new device must wait, but the owner's known device signs in."""
    client = with_settings(client, login_max_attempts_per_account=4)
    owner = await make_user(database, email=f"owner-{uuid.uuid4().hex}@example.com")
    device = await known_device(client, owner.email)
    await fail_from(client, owner.email, [f"198.18.0.{i}" for i in attackers])

    with_device = await attempt(client, owner.email, ip=OWNER_IP, cookies=device)
    new_device = await attempt(client, owner.email, ip="192.0.2.77")

    assert with_device.payload("login")["accessToken"]
    assert new_device.codes == ["RATE_LIMITED"]


async def test_the_device_cookie_is_httponly_scoped_and_names_only_its_account(strict, database):
    alice, bob = await make_user(database), await make_user(database)
    signed_in = await attempt(strict, alice.email, ip=OWNER_IP)
    cookie = signed_in.set_cookies()[DEVICE_COOKIE]
    await fail_from(strict, bob.email, ATTACKER_IPS)

    bob_with_alices_device = await attempt(
        strict, bob.email, ip=OWNER_IP, cookies=device_of(signed_in)
    )

    assert cookie["httponly"] is True
    assert cookie["path"] == "/graphql"
    assert cookie["samesite"].lower() == "lax"
    assert alice.id.hex not in cookie.value
    assert bob_with_alices_device.codes == ["RATE_LIMITED"]


async def test_a_forged_device_cookie_is_no_second_signal(strict, owner_with_device):
    owner, device = owner_with_device
    value = device[DEVICE_COOKIE]
    forged = value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")

    outcome = await attempt(strict, owner.email, ip=OWNER_IP, cookies={DEVICE_COOKIE: forged})

    assert outcome.codes == ["RATE_LIMITED"]


async def test_a_known_device_still_needs_the_password_and_its_failures_count(
    strict, owner_with_device
):
    owner, device = owner_with_device

    wrong = [
        await attempt(strict, owner.email, WRONG, ip=OWNER_IP, cookies=device) for _ in range(6)
    ]

    assert [codes(o) for o in wrong] == [["INVALID_CREDENTIALS"]] * 5 + [["RATE_LIMITED"]]


async def test_a_solved_password_reset_link_makes_the_browser_a_known_device(strict, database):
    client = strict
    owner = await make_user(database)
    await fail_from(client, owner.email, ATTACKER_IPS)
    assert (await attempt(client, owner.email, ip=OWNER_IP)).codes == ["RATE_LIMITED"]
    await client.mutate("requestPasswordReset", {"email": owner.email}, "ok", ip=OWNER_IP)
    token = token_of((await emails(database, "reset_password"))[0])

    reset = await client.mutate(
        "resetPassword", {"token": token, "newPassword": "Fresh-Start-2027"}, "ok", ip=OWNER_IP
    )
    signed_in = await attempt(
        client, owner.email, "Fresh-Start-2027", ip=OWNER_IP, cookies=device_of(reset)
    )

    assert reset.payload("resetPassword")["ok"] is True
    assert signed_in.payload("login")["accessToken"]


async def test_a_solved_verification_link_makes_the_browser_a_known_device(strict, database):
    client = strict
    await client.mutate(
        "register",
        {
            "firstName": "Mae",
            "lastName": "Jemison",
            "email": "mae@example.com",
            "password": PASSWORD,
        },
        "ok",
    )
    verified = await client.mutate(
        "verifyEmail", {"token": token_of((await emails(database))[0])}, "verified", ip=OWNER_IP
    )
    await fail_from(client, "mae@example.com", ATTACKER_IPS)

    outcome = await attempt(client, "mae@example.com", ip=OWNER_IP, cookies=device_of(verified))

    assert outcome.payload("login")["user"]["email"] == "mae@example.com"


async def test_with_redis_down_login_is_service_unavailable_and_changes_nothing(client, database):
    user = await make_user(database)
    dead = make_redis(DEAD_REDIS)
    try:
        down = GraphQLClient(database, dead, client.keyring, client.settings)
        outcome = await attempt(down, user.email)
        registered = await down.mutate(
            "register",
            {
                "firstName": "Ada",
                "lastName": "King",
                "email": "ada@example.com",
                "password": PASSWORD,
            },
            "ok",
        )
    finally:
        await dead.aclose()

    for failed in (outcome, registered):
        assert failed.codes == ["SERVICE_UNAVAILABLE"]
        assert failed.errors[0].extensions["retryAfter"] > 0
    assert await count(database, AuthSession) == 0
    assert await count(database, User) == 1
    assert await count(database, EmailLog) == 0
