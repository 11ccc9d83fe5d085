"""Direct messages through GraphQL: the operations a client uses, what a non-participant sees,
read receipts, per-side deletion, reports, and a list that costs a fixed number of statements."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User
from app.db import Database, count_statements
from tests.support.catalog import gid, token_for
from tests.support.communication import enrolled_student, teacher_and_student
from tests.support.graphql import GraphQLClient

CONVERSATIONS = """query { conversations(first: 20) { edges { node {
  id subject unreadCount lastMessageAt readByOthersAt
  participants { id firstName }
  lastMessage { body isMine sender { id } }
} } } }"""


async def start(client: GraphQLClient, sender: User, recipient: User, body: str = "Hi") -> Any:
    outcome = await client.mutate(
        "startConversation",
        {"recipientId": gid("User", recipient.id), "body": body, "subject": "Question"},
        "conversation { id } message { id body isMine }",
        token=token_for(client, sender),
    )
    assert not outcome.errors
    return outcome.payload("startConversation")


async def test_a_student_writes_to_the_instructor_who_sees_it_unread(
    client: GraphQLClient, database: Database
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    payload = await start(client, student, teacher, "<b>Hello</b>")
    assert payload["errors"] == []
    assert payload["message"] == {
        "id": payload["message"]["id"],
        "body": "<b>Hello</b>",
        "isMine": True,
    }
    outcome = await client.execute(CONVERSATIONS, token=token_for(client, teacher))
    [edge] = outcome.data["conversations"]["edges"]  # type: ignore[index]
    node = edge["node"]
    assert node["subject"] == "Question"
    assert node["unreadCount"] == 1
    assert node["lastMessage"]["body"] == "<b>Hello</b>"
    assert node["lastMessage"]["isMine"] is False
    assert {p["id"] for p in node["participants"]} == {
        gid("User", teacher.id),
        gid("User", student.id),
    }


async def test_the_messaging_rule_errors_are_payload_errors(
    client: GraphQLClient, database: Database
) -> None:
    _, student, course = await teacher_and_student(database)
    other = await enrolled_student(database, course)
    outcome = await client.mutate(
        "startConversation",
        {"recipientId": gid("User", other.id), "body": "hey"},
        "conversation { id }",
        token=token_for(client, student),
    )
    payload = outcome.payload("startConversation")
    assert payload["conversation"] is None
    assert payload["errors"][0]["code"] == "CANNOT_MESSAGE"
    assert payload["errors"][0]["field"] == "recipientId"


async def test_a_non_participant_gets_not_found(client: GraphQLClient, database: Database) -> None:
    teacher, student, course = await teacher_and_student(database)
    other = await enrolled_student(database, course)
    conversation_id = (await start(client, student, teacher))["conversation"]["id"]
    outcome = await client.execute(
        "query($id: ID!) { conversation(id: $id) { id } }",
        {"id": conversation_id},
        token=token_for(client, other),
    )
    assert outcome.data == {"conversation": None}
    assert outcome.codes == ["NOT_FOUND"]


async def test_reading_is_visible_to_the_other_side_as_a_receipt(
    client: GraphQLClient, database: Database
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    conversation_id = (await start(client, student, teacher))["conversation"]["id"]
    outcome = await client.mutate(
        "markConversationRead",
        {"conversationId": conversation_id},
        "conversation { unreadCount }",
        token=token_for(client, teacher),
    )
    assert outcome.payload("markConversationRead")["conversation"] == {"unreadCount": 0}
    outcome = await client.execute(
        "query($id: ID!) { conversation(id: $id) { readByOthersAt readStates { lastReadAt } } }",
        {"id": conversation_id},
        token=token_for(client, student),
    )
    assert outcome.data["conversation"]["readByOthersAt"] is not None  # type: ignore[index]


async def test_a_message_deleted_on_one_side_stays_on_the_other(
    client: GraphQLClient, database: Database
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    started = await start(client, student, teacher)
    conversation_id, message_id = started["conversation"]["id"], started["message"]["id"]
    outcome = await client.mutate(
        "deleteMessage",
        {"messageId": message_id},
        "deletedMessageId",
        token=token_for(client, student),
    )
    assert outcome.payload("deleteMessage")["deletedMessageId"] == message_id
    query = """query($id: ID!) { conversation(id: $id) {
      messages(first: 10) { edges { node { id } } } } }"""
    mine = await client.execute(query, {"id": conversation_id}, token=token_for(client, student))
    theirs = await client.execute(query, {"id": conversation_id}, token=token_for(client, teacher))
    assert mine.data["conversation"]["messages"]["edges"] == []  # type: ignore[index]
    assert [e["node"]["id"] for e in theirs.data["conversation"]["messages"]["edges"]] == [  # type: ignore[index]
        message_id
    ]


async def test_reporting_twice_is_already_reported(
    client: GraphQLClient, database: Database
) -> None:
    teacher, student, _ = await teacher_and_student(database)
    message_id = (await start(client, student, teacher))["message"]["id"]
    report = {"messageId": message_id, "reason": "HARASSMENT", "details": "rude"}
    first = await client.mutate(
        "reportMessage", report, "reported", token=token_for(client, teacher)
    )
    assert first.payload("reportMessage") == {"reported": True, "errors": []}
    again = await client.mutate(
        "reportMessage", report, "reported", token=token_for(client, teacher)
    )
    assert again.payload("reportMessage")["errors"][0]["code"] == "ALREADY_REPORTED"


async def test_a_blocked_user_cannot_reply(client: GraphQLClient, database: Database) -> None:
    teacher, student, _ = await teacher_and_student(database)
    conversation_id = (await start(client, student, teacher))["conversation"]["id"]
    blocked = await client.mutate(
        "blockUser",
        {"userId": gid("User", student.id)},
        "user { id }",
        token=token_for(client, teacher),
    )
    assert blocked.payload("blockUser")["errors"] == []
    outcome = await client.mutate(
        "sendMessage",
        {"conversationId": conversation_id, "body": "still there?"},
        "message { id }",
        token=token_for(client, student),
    )
    assert outcome.payload("sendMessage")["errors"][0]["code"] == "BLOCKED"


async def test_the_list_runs_as_many_statements_for_many_conversations_as_for_one(
    client: GraphQLClient, database: Database
) -> None:
    teacher, student, course = await teacher_and_student(database)
    await start(client, student, teacher)

    async def statements() -> int:
        with count_statements(database.engine) as counter:
            outcome = await client.execute(CONVERSATIONS, token=token_for(client, teacher))
        assert not outcome.errors
        return counter.count

    one = await statements()
    for _ in range(4):
        await start(client, await enrolled_student(database, course), teacher)
    assert await statements() == one
