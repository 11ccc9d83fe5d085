"""messageReceived: an online recipient gets every message sent to them (Property 43, live half),
never their own sends, and nothing from a user they blocked."""

from __future__ import annotations

from app.db import Database
from app.security.tokens import KeyRing
from app.settings import Settings
from tests.support.catalog import gid, token_for
from tests.support.communication import teacher_and_student
from tests.support.graphql import GraphQLClient
from tests.support.live import live_server, subscribe

SUBSCRIPTION = "subscription { messageReceived { id body isMine conversation { id } } }"


async def test_property_43_an_online_recipient_gets_the_message_live(
    client: GraphQLClient, database: Database, settings: Settings, keyring: KeyRing
) -> None:
    """Property 43 (message delivery completeness): the subscribed recipient receives the live
    event of a sent message; the sender's own subscription stays quiet; after a block, the
    blocked user's messages no longer arrive."""
    teacher, student, _ = await teacher_and_student(database)
    async with (
        live_server(settings, keyring) as server,
        subscribe(server, SUBSCRIPTION, token=token_for(client, teacher)) as inbox,
        subscribe(server, SUBSCRIPTION, token=token_for(client, student)) as outbox,
    ):
        sent = await client.mutate(
            "startConversation",
            {"recipientId": gid("User", teacher.id), "body": "Are you there?"},
            "conversation { id } message { id }",
            token=token_for(client, student),
        )
        payload = sent.payload("startConversation")
        event = await inbox.next()
        assert event["messageReceived"] == {
            "id": payload["message"]["id"],
            "body": "Are you there?",
            "isMine": False,
            "conversation": {"id": payload["conversation"]["id"]},
        }
        await outbox.nothing()

        # every further message arrives too, until the recipient blocks the sender
        await client.mutate(
            "sendMessage",
            {"conversationId": payload["conversation"]["id"], "body": "hello?"},
            "message { id }",
            token=token_for(client, student),
        )
        assert (await inbox.next())["messageReceived"]["body"] == "hello?"
        await client.mutate(
            "blockUser",
            {"userId": gid("User", student.id)},
            "user { id }",
            token=token_for(client, teacher),
        )
        reply = await client.mutate(
            "sendMessage",
            {"conversationId": payload["conversation"]["id"], "body": "blocked"},
            "message { id }",
            token=token_for(client, student),
        )
        assert reply.payload("sendMessage")["errors"][0]["code"] == "BLOCKED"
        await inbox.nothing()
