"""One event, many subscribers: a selection that reads only the event's value is executed once
and its result shared; a selection that reads the caller is executed for each subscriber (and
nobody receives another's)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app import live
from app.accounts.models import User
from app.db import Database
from app.security.tokens import KeyRing, issue_access_token
from app.settings import Settings
from schema.core.context import Info
from schema.core.live import live as live_stream
from schema.core.live import signed_in
from schema.root import build_schema
from tests.support.catalog import person
from tests.support.live import live_server, subscribe

CHANNEL = f"{live.CHANNEL_PREFIX}test:shout"


@strawberry.type
class Voice:
    pitch: int


@strawberry.type
class Shout:
    text: str
    voice: Voice

    @strawberry.field
    def heard_by(self, info: Info) -> str:
        """Reads the caller: a selection with it is never shared."""
        return str(info.context.viewer_id)


@strawberry.type
class ShoutSubscription:
    @strawberry.subscription
    async def shout(self, info: Info, room: str) -> AsyncGenerator[Shout, None]:
        async def build(event: live.LiveEvent, _l: object, _a: object) -> Shout:
            return Shout(text=str(event.data["text"]), voice=Voice(pitch=int(event.data["pitch"])))

        async for value in live_stream(info, f"{CHANNEL}:{room}", authorize=signed_in, build=build):
            yield value


async def _shout(database: Database, redis: Any, room: str, text: str) -> None:
    async with database.sessionmaker() as session, session.begin():
        await live.publish(session, f"{CHANNEL}:{room}", {"text": text, "pitch": 3})
        pending = live.take_pending(session)
    assert await live.flush(database, redis, pending) == 1


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per execution of a selection set over an event (or any operation)."""
    seen: list[int] = []
    original = StrawberryGraphQLCoreExecutionContext.execute_operation

    def counted(self: Any, serially: bool | None = None) -> Any:
        if self.operation.operation.value == "subscription":
            seen.append(1)
        return original(self, serially)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", counted)
    return seen


@dataclass
class Room:
    """Three signed-in people and a live server with the shout subscription."""

    database: Database
    redis: Any
    settings: Settings
    keyring: KeyRing
    users: list[User]

    def token(self, user: User) -> str:
        return issue_access_token(self.keyring, self.settings, user=user, session_id=None)[0]

    async def hear(self, queries: list[str], text: str) -> list[dict[str, Any]]:
        """What each person (with the query at the same index) receives of one shout."""
        room = uuid.uuid4().hex
        schema = build_schema(self.settings, subscriptions=[ShoutSubscription])
        async with (
            live_server(self.settings, self.keyring, schema=schema) as server,
            AsyncExitStack() as stack,
        ):
            subs = [
                await stack.enter_async_context(
                    subscribe(server, query, {"r": room}, token=self.token(user))
                )
                for query, user in zip(queries, self.users, strict=True)
            ]
            await _shout(self.database, self.redis, room, text)
            return [await sub.next() for sub in subs]


@pytest.fixture
async def room(
    database: Database, redis_client: object, settings: Settings, keyring: KeyRing
) -> Room:
    users = [await person(database) for _ in range(3)]
    return Room(database, redis_client, settings, keyring, users)


async def test_a_selection_of_the_value_alone_is_executed_once_for_every_subscriber(
    room: Room, executions: list[int]
) -> None:
    query = (
        "subscription($r: String!) { shout(room: $r) { __typename text "
        "voice { pitch } ...loud } } fragment loud on Shout { text }"
    )
    expected = {"shout": {"__typename": "Shout", "text": "hello", "voice": {"pitch": 3}}}
    assert await room.hear([query] * 3, "hello") == [expected] * 3
    assert len(executions) == 1


async def test_a_selection_that_reads_the_caller_is_executed_for_each_subscriber(
    room: Room, executions: list[int]
) -> None:
    query = "subscription($r: String!) { shout(room: $r) { text heardBy } }"
    received = await room.hear([query] * 3, "who hears")
    assert received == [{"shout": {"text": "who hears", "heardBy": str(u.id)}} for u in room.users]
    assert len(executions) == 3


async def test_subscribers_with_different_documents_do_not_share(
    room: Room, executions: list[int]
) -> None:
    plain = "subscription($r: String!) { shout(room: $r) { text } }"
    deeper = "subscription($r: String!) { shout(room: $r) { text voice { pitch } } }"
    assert await room.hear([plain, plain, deeper], "mixed") == [
        {"shout": {"text": "mixed"}},
        {"shout": {"text": "mixed"}},
        {"shout": {"text": "mixed", "voice": {"pitch": 3}}},
    ]
    assert len(executions) == 2
