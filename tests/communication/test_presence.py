"""Presence: a live client is present in a course while subscribed; joins and leaves reach the
other members; expiry covers a dead process; members only."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from app.communication import presence
from app.db import Database
from app.security.tokens import KeyRing
from app.settings import Settings
from tests.support.graphql import GraphQLClient
from tests.support.learning import free_course, gid, person, student_in, token_for
from tests.support.live import live_server, subscribe

SUB = "subscription($c: ID!) { userPresence(courseId: $c) { online onlineCount user { id } } }"
ONLINE = "query($c: ID!) { onlineUsers(courseId: $c) { count users { id } } }"


async def test_members_see_each_other_join_and_leave(
    client: GraphQLClient, database: Database, settings: Settings, keyring: KeyRing
) -> None:
    course = await free_course(database)
    ada, _ = await student_in(database, course)
    bob, _ = await student_in(database, course)
    variables = {"c": gid("Course", course.id)}
    async with (
        live_server(settings, keyring) as server,
        subscribe(server, SUB, variables, token=token_for(client, ada)) as ada_sub,
    ):
        listed = await client.execute(ONLINE, variables, token=token_for(client, bob))
        assert listed.payload("onlineUsers") == {"count": 1, "users": [{"id": gid("User", ada.id)}]}
        async with subscribe(server, SUB, variables, token=token_for(client, bob)):
            joined = await ada_sub.next()
            assert joined["userPresence"] == {
                "online": True,
                "onlineCount": 2,
                "user": {"id": gid("User", bob.id)},
            }
        left = await ada_sub.next()
        assert left["userPresence"]["online"] is False
        assert left["userPresence"]["user"] == {"id": gid("User", bob.id)}
        assert left["userPresence"]["onlineCount"] == 1


async def test_an_outsider_can_neither_be_present_nor_look(
    client: GraphQLClient, database: Database, settings: Settings, keyring: KeyRing
) -> None:
    course = await free_course(database)
    outsider = await person(database)
    variables = {"c": gid("Course", course.id)}
    listed = await client.execute(ONLINE, variables, token=token_for(client, outsider))
    assert listed.codes == ["FORBIDDEN"]
    async with (
        live_server(settings, keyring) as server,
        subscribe(server, SUB, variables, token=token_for(client, outsider)) as sub,
    ):
        result = await sub.result()
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_presence_without_heartbeat_expires(
    database: Database, redis_client: Redis
) -> None:
    course = await free_course(database)
    user = await person(database)
    await presence.beat(redis_client, course.id, user.id)
    assert await presence.online(redis_client, course.id) == (1, [user.id])
    # the process died: no heartbeat renews it past its expiry
    await redis_client.zadd(f"presence:course:{course.id}", {str(user.id): time.time() - 1})
    assert await presence.online(redis_client, course.id) == (0, [])
