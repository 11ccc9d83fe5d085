"""refreshToken: Property 8 (hashed persistence), rotation, reuse detection, lifetimes, CSRF."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import structlog
from sqlalchemy import select, update

from app.accounts.models import AuthSession, RefreshToken
from app.clock import utcnow
from tests.support.accounts import AUTH_FIELDS, login, make_user


async def refresh(client, token=None, **kw):
    input_ = {"refreshToken": token} if token else {}
    return await client.mutate("refreshToken", input_, AUTH_FIELDS, **kw)


async def test_property_8_the_refresh_token_is_stored_hashed_with_a_30_day_expiry(client, database):
    user = await make_user(database)
    payload = await login(client, user.email)

    async with database.session() as session:
        [row] = list(await session.scalars(select(RefreshToken)))
    assert row.token_hash == hashlib.sha256(payload["refreshToken"].encode()).digest()
    assert payload["refreshToken"].encode() not in row.token_hash
    lifetime = row.expires_at - utcnow()
    assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30)


async def test_a_refresh_rotates_the_token_and_issues_a_new_pair(client, database):
    user = await make_user(database)
    first = await login(client, user.email)

    second = (await refresh(client, first["refreshToken"])).payload("refreshToken")

    assert second["errors"] == []
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    async with database.session() as session:
        old, new = list(await session.scalars(select(RefreshToken).order_by(RefreshToken.id)))
    assert old.rotated_at is not None
    assert old.replaced_by_id == new.id
    assert new.session_id == old.session_id


async def test_reusing_a_rotated_token_revokes_the_whole_family_and_is_logged(client, database):
    user = await make_user(database)
    first = await login(client, user.email)
    second = (await refresh(client, first["refreshToken"])).payload("refreshToken")

    with structlog.testing.capture_logs() as logs:
        replay = await refresh(client, first["refreshToken"])

    assert replay.codes == ["UNAUTHENTICATED"]
    assert replay.data is None  # no tokens of any kind
    async with database.session() as session:
        family = await session.scalar(select(AuthSession))
    assert family.revoked_reason == "reuse_detected"
    assert (await refresh(client, second["refreshToken"])).codes == ["UNAUTHENTICATED"]
    [event] = [e for e in logs if e["event"] == "refresh_token_reuse"]
    assert event["log_level"] == "warning"
    assert event["user_id"] == str(user.id)
    assert event["session_id"] == str(family.id)
    assert first["refreshToken"] not in str(event)


async def test_two_concurrent_refreshes_with_one_token_never_both_succeed(client, database):
    user = await make_user(database)
    first = await login(client, user.email)

    results = await asyncio.gather(*(refresh(client, first["refreshToken"]) for _ in range(2)))

    successes = [r for r in results if not r.errors]
    assert len(successes) <= 1
    assert sum(1 for r in results if r.codes == ["UNAUTHENTICATED"]) >= 1


async def test_a_family_past_its_absolute_lifetime_cannot_refresh(client, database):
    user = await make_user(database)
    first = await login(client, user.email)
    async with database.transaction() as session:
        await session.execute(
            update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    assert (await refresh(client, first["refreshToken"])).codes == ["UNAUTHENTICATED"]


async def test_rotated_tokens_never_outlive_the_family(client, database):
    client.settings = client.settings.model_copy(
        update={"refresh_token_absolute_ttl_seconds": 3600}
    )
    user = await make_user(database)
    first = await login(client, user.email)
    await refresh(client, first["refreshToken"])

    async with database.session() as session:
        family = await session.scalar(select(AuthSession))
        tokens = list(await session.scalars(select(RefreshToken)))
    assert all(t.expires_at <= family.expires_at for t in tokens)


async def test_an_expired_refresh_token_is_refused(client, database):
    user = await make_user(database)
    first = await login(client, user.email)
    async with database.transaction() as session:
        await session.execute(
            update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    assert (await refresh(client, first["refreshToken"])).codes == ["UNAUTHENTICATED"]


async def test_cookie_refresh_needs_the_csrf_header_matching_the_csrf_cookie(client, database):
    user = await make_user(database)
    login_outcome = await client.mutate(
        "login", {"email": user.email, "password": "Correct-Horse-42"}, AUTH_FIELDS
    )
    jar = {name: m.value for name, m in login_outcome.set_cookies().items()}
    csrf = jar[client.settings.csrf_cookie_name]

    missing = await refresh(client, cookies=jar)
    wrong = await refresh(client, cookies=jar, headers={"X-CSRF-Token": "guess"})
    ok = await refresh(client, cookies=jar, headers={"X-CSRF-Token": csrf})

    assert missing.codes == ["FORBIDDEN"]
    assert "CSRF" in missing.errors[0].message
    assert wrong.codes == ["FORBIDDEN"]
    assert ok.payload("refreshToken")["errors"] == []
    assert (
        ok.set_cookies()[client.settings.refresh_cookie_name].value
        == ok.payload("refreshToken")["refreshToken"]
    )


async def test_an_explicit_refresh_token_needs_no_csrf(client, database):
    user = await make_user(database)
    first = await login(client, user.email)

    assert (await refresh(client, first["refreshToken"])).payload("refreshToken")["accessToken"]


async def test_refresh_without_any_token_is_unauthenticated(client):
    assert (await refresh(client)).codes == ["UNAUTHENTICATED"]
