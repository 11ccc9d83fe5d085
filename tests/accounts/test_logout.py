"""logout: this device, or every device (token version kills old access tokens)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import AuthSession
from tests.support.accounts import AUTH_FIELDS, PASSWORD, login, make_user

ME = "{ me { id email } }"


async def logout(client, token, all_devices=False, **kw):
    return await client.mutate("logout", {"allDevices": all_devices}, "ok", token=token, **kw)


async def test_logout_revokes_this_session_only_and_clears_both_cookies(client, database):
    user = await make_user(database)
    phone, laptop = await login(client, user.email), await login(client, user.email)

    outcome = await logout(client, laptop["accessToken"])

    assert outcome.payload("logout") == {"ok": True, "errors": []}
    cookies = outcome.set_cookies()
    for name in (client.settings.refresh_cookie_name, client.settings.csrf_cookie_name):
        assert cookies[name]["max-age"] == "0"
    refresh = "refreshToken"
    assert (await client.mutate(refresh, {refresh: laptop[refresh]}, AUTH_FIELDS)).codes == [
        "UNAUTHENTICATED"
    ]
    assert (await client.mutate(refresh, {refresh: phone[refresh]}, AUTH_FIELDS)).payload(refresh)[
        "accessToken"
    ]


async def test_logout_of_all_devices_kills_every_access_and_refresh_token(client, database):
    user = await make_user(database)
    phone, laptop = await login(client, user.email), await login(client, user.email)
    assert (await client.execute(ME, token=phone["accessToken"])).data["me"]["id"]

    await logout(client, laptop["accessToken"], all_devices=True)

    stale = await client.execute(ME, token=phone["accessToken"])
    assert [e.extensions["code"] for e in stale.errors] == ["UNAUTHENTICATED"]
    refreshed = await client.mutate(
        "refreshToken", {"refreshToken": phone["refreshToken"]}, AUTH_FIELDS
    )
    assert refreshed.codes == ["UNAUTHENTICATED"]
    async with database.session() as session:
        reasons = set(await session.scalars(select(AuthSession.revoked_reason)))
    assert reasons == {"logout_all"}


async def test_logout_with_only_a_refresh_token_revokes_that_session(client, database):
    user = await make_user(database)
    mobile = await login(client, user.email)

    outcome = await client.mutate("logout", {"refreshToken": mobile["refreshToken"]}, "ok")

    assert outcome.payload("logout")["ok"] is True
    async with database.session() as session:
        assert await session.scalar(select(AuthSession.revoked_reason)) == "logout"


async def test_anonymous_logout_of_all_devices_is_unauthenticated(client):
    assert (await logout(client, None, all_devices=True)).codes == ["UNAUTHENTICATED"]


async def test_signing_in_again_works_with_the_token_of_a_session_that_ended(client, database):
    user = await make_user(database)
    old = await login(client, user.email)
    await client.mutate("logout", {"allDevices": True}, "ok", token=old["accessToken"])

    again = await client.mutate(
        "login",
        {"email": user.email, "password": PASSWORD},
        "accessToken",
        token=old["accessToken"],  # a client that still sends the ended session's token
    )

    assert again.payload("login")["accessToken"]
    assert (await client.execute("{ me { id } }", token=old["accessToken"])).codes == [
        "UNAUTHENTICATED"
    ]
