"""mySessions and revokeSession."""

from __future__ import annotations

from tests.support.accounts import AUTH_FIELDS, login, make_user

SESSIONS = "{ mySessions { id device ipAddress userAgent createdAt lastUsedAt current } }"


async def test_my_sessions_lists_each_device_and_marks_the_current_one(client, database):
    user = await make_user(database)
    await login(client, user.email, ip="198.51.100.20")
    me = await login(client, user.email)

    sessions = (await client.execute(SESSIONS, token=me["accessToken"])).data["mySessions"]

    assert len(sessions) == 2
    assert [s["current"] for s in sessions].count(True) == 1
    assert {s["ipAddress"] for s in sessions} == {"198.51.100.20", client.ip}
    assert all(s["device"] == "Chrome on Windows" and s["userAgent"] for s in sessions)


async def test_my_sessions_needs_a_signed_in_user(client):
    outcome = await client.execute(SESSIONS)
    assert [e.extensions["code"] for e in outcome.errors] == ["UNAUTHENTICATED"]


async def test_revoking_my_other_session_ends_it(client, database):
    user = await make_user(database)
    other, me = await login(client, user.email), await login(client, user.email)
    sessions = (await client.execute(SESSIONS, token=me["accessToken"])).data["mySessions"]
    [target] = [s["id"] for s in sessions if not s["current"]]

    outcome = await client.mutate(
        "revokeSession", {"sessionId": target}, "ok", token=me["accessToken"]
    )

    assert outcome.payload("revokeSession") == {"ok": True, "errors": []}
    refreshed = await client.mutate(
        "refreshToken", {"refreshToken": other["refreshToken"]}, AUTH_FIELDS
    )
    assert refreshed.codes == ["UNAUTHENTICATED"]
    assert len((await client.execute(SESSIONS, token=me["accessToken"])).data["mySessions"]) == 1


async def test_property_10_revoking_someone_elses_session_is_not_found(client, database):
    alice, mallory = await make_user(database), await make_user(database)
    alice_tokens = await login(client, alice.email)
    mallory_tokens = await login(client, mallory.email)
    [alice_session] = (await client.execute(SESSIONS, token=alice_tokens["accessToken"])).data[
        "mySessions"
    ]

    outcome = await client.mutate(
        "revokeSession",
        {"sessionId": alice_session["id"]},
        "ok",
        token=mallory_tokens["accessToken"],
    )

    assert outcome.codes == ["NOT_FOUND"]
    refreshed = await client.mutate(
        "refreshToken", {"refreshToken": alice_tokens["refreshToken"]}, "accessToken"
    )
    assert refreshed.payload("refreshToken")["accessToken"]
