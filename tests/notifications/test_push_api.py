"""The Web Push API: the public VAPID key, and the caller's own push devices (register, list,
remove) — nobody sees or removes anyone else's."""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

from app.accounts.models import User
from app.db import Database, count_statements
from app.notifications.vapid import load_vapid
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

REGISTER = "registerPushDevice"
REMOVE = "removePushDevice"
DEVICES = "query($first: Int) { pushDevices(first: $first) { totalCount edges { node { id "
DEVICES += "platform endpoint failureCount createdAt lastSeenAt } } } }"


def subscription(n: int = 0) -> dict[str, str]:
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/device-{n}-{os.urandom(4).hex()}",
        "p256dh": base64.urlsafe_b64encode(b"\x04" + os.urandom(64)).decode().rstrip("="),
        "auth": base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("="),
    }


async def register(client: GraphQLClient, user: User, values: dict[str, str]) -> dict[str, Any]:
    outcome = await client.mutate(
        REGISTER, values, "device { id platform endpoint }", token=token_for(client, user)
    )
    return outcome.payload(REGISTER)


async def test_anyone_can_read_the_application_server_key(client: GraphQLClient) -> None:
    outcome = await client.execute("{ webPushPublicKey }")
    key = outcome.payload("webPushPublicKey")
    assert key == load_vapid(client.settings).public_key
    assert base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))[0] == 0x04


async def test_a_signed_in_user_registers_a_browser_and_sees_it_in_their_devices(
    client: GraphQLClient, database: Database
) -> None:
    user = await person(database)
    values = subscription()
    payload = await register(client, user, values)
    assert payload["errors"] == []
    assert payload["device"]["platform"] == "WEB"
    assert payload["device"]["endpoint"] == values["endpoint"]
    listed = (await client.execute(DEVICES, token=token_for(client, user))).payload("pushDevices")
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"]["id"] == payload["device"]["id"]


async def test_a_bad_subscription_is_an_invalid_push_subscription_error(
    client: GraphQLClient, database: Database
) -> None:
    user = await person(database)
    payload = await register(client, user, {**subscription(), "auth": "dG9vc2hvcnQ"})
    assert payload["device"] is None
    assert payload["errors"] == [
        {
            "field": "auth",
            "message": "Must decode to 16 bytes",
            "code": "INVALID_PUSH_SUBSCRIPTION",
        }
    ]


async def test_registering_needs_a_signed_in_user(client: GraphQLClient) -> None:
    outcome = await client.mutate(REGISTER, subscription(), "device { id }")
    assert outcome.codes == ["UNAUTHENTICATED"]


async def test_nobody_sees_or_removes_another_users_device(
    client: GraphQLClient, database: Database
) -> None:
    owner, other = await person(database), await person(database)
    device_id = (await register(client, owner, subscription()))["device"]["id"]
    other_token = token_for(client, other)

    listed = (await client.execute(DEVICES, token=other_token)).payload("pushDevices")
    assert listed["totalCount"] == 0
    node = await client.execute(
        "query($id: ID!) { node(id: $id) { id } }", {"id": device_id}, token=other_token
    )
    assert node.codes == ["NOT_FOUND"]
    removed = await client.mutate(REMOVE, {"id": device_id}, "removedDeviceId", token=other_token)
    assert removed.codes == ["NOT_FOUND"]

    mine = await client.execute(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": device_id},
        token=token_for(client, owner),
    )
    assert mine.payload("node") == {"id": device_id}


async def test_a_user_removes_their_device(client: GraphQLClient, database: Database) -> None:
    user = await person(database)
    token = token_for(client, user)
    device_id = (await register(client, user, subscription()))["device"]["id"]
    outcome = await client.mutate(REMOVE, {"id": device_id}, "removedDeviceId", token=token)
    assert outcome.payload(REMOVE) == {"removedDeviceId": device_id, "errors": []}
    listed = (await client.execute(DEVICES, token=token)).payload("pushDevices")
    assert listed["totalCount"] == 0
    again = await client.mutate(REMOVE, {"id": device_id}, "removedDeviceId", token=token)
    assert again.codes == ["NOT_FOUND"]
    course_id = gid("Course", uuid.uuid4())  # a global id of another type
    unknown = await client.mutate(REMOVE, {"id": course_id}, "removedDeviceId", token=token)
    assert unknown.codes == ["NOT_FOUND"]


async def test_listing_devices_runs_the_same_statements_however_many_there_are(
    client: GraphQLClient, database: Database
) -> None:
    user = await person(database)
    token = token_for(client, user)
    await register(client, user, subscription(0))
    with count_statements(database.engine) as one:
        await client.execute(DEVICES, token=token)
    for n in range(1, 6):
        await register(client, user, subscription(n))
    with count_statements(database.engine) as six:
        listed = (await client.execute(DEVICES, token=token)).payload("pushDevices")
    assert listed["totalCount"] == 6
    assert six.count == one.count
