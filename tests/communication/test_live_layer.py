"""The live layer: events published after commit reach subscribers through Redis pub/sub, on
every process; never for a rolled-back write; each subscription is checked again per event."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

import pytest
import strawberry

from app import live
from app.clock import frozen
from app.db import Database
from app.errors import Forbidden
from app.outbox import OutboxEvent
from app.security.tokens import KeyRing, issue_access_token
from app.settings import Settings
from schema.core.context import Info
from schema.core.endpoint import WS_FORBIDDEN
from schema.core.live import live as live_stream
from schema.root import build_schema
from tests.support.catalog import person
from tests.support.live import connection, live_server, start, subscribe

CHANNEL = f"{live.CHANNEL_PREFIX}test:echo"
ALLOWED: set[str] = set()
COLLECTOR_ON_WHILE_BUILDING: list[bool] = []


@strawberry.type
class EchoSubscription:
    @strawberry.subscription
    async def echo(self, info: Info, room: str) -> AsyncGenerator[str, None]:
        async def authorize(_actor: object, _loaders: object) -> None:
            if room not in ALLOWED:
                raise Forbidden("closed room")

        async def build(event: live.LiveEvent, _l: object, _a: object) -> str | None:
            COLLECTOR_ON_WHILE_BUILDING.append(gc.isenabled())
            return str(event.data["text"])

        async for value in live_stream(info, f"{CHANNEL}:{room}", authorize=authorize, build=build):
            yield value


async def _say(database: Database, room: str, text: str, *, commit: bool = True) -> list[uuid.UUID]:
    async with database.sessionmaker() as session, session.begin():
        await live.publish(session, f"{CHANNEL}:{room}", {"text": text})
        pending = live.take_pending(session)
        if not commit:
            await session.rollback()
    return pending


@pytest.fixture
def room() -> str:
    name = uuid.uuid4().hex
    ALLOWED.add(name)
    return name


async def test_an_event_flushed_after_commit_reaches_the_subscriber(
    database: Database, redis_client: object, settings: Settings, keyring: KeyRing, room: str
) -> None:
    schema = build_schema(settings, subscriptions=[EchoSubscription])
    async with (
        live_server(settings, keyring, schema=schema) as server,
        subscribe(server, "subscription($r: String!) { echo(room: $r) }", {"r": room}) as sub,
    ):
        ids = await _say(database, room, "hello")
        assert await live.flush(database, redis_client, ids) == 1  # type: ignore[arg-type]
        assert await sub.next() == {"echo": "hello"}
        # the relay finds nothing left to publish: the row was marked dispatched
        async with database.session() as session:
            row = await session.get(OutboxEvent, ids[0])
            assert row is not None
            assert row.dispatched_at is not None


async def test_a_rolled_back_write_publishes_nothing(
    database: Database, redis_client: object, settings: Settings, keyring: KeyRing, room: str
) -> None:
    schema = build_schema(settings, subscriptions=[EchoSubscription])
    async with (
        live_server(settings, keyring, schema=schema) as server,
        subscribe(server, "subscription($r: String!) { echo(room: $r) }", {"r": room}) as sub,
    ):
        ids = await _say(database, room, "never", commit=False)
        assert await live.flush(database, redis_client, ids) == 0  # type: ignore[arg-type]
        await sub.nothing(within=0.5)


async def test_the_same_event_published_twice_is_delivered_once(
    database: Database, redis_client: object, settings: Settings, keyring: KeyRing, room: str
) -> None:
    schema = build_schema(settings, subscriptions=[EchoSubscription])
    async with (
        live_server(settings, keyring, schema=schema) as server,
        subscribe(server, "subscription($r: String!) { echo(room: $r) }", {"r": room}) as sub,
    ):
        ids = await _say(database, room, "once")
        async with database.session() as session:
            row = await session.get(OutboxEvent, ids[0])
        assert row is not None
        await live.relay_publish(redis_client, row)  # type: ignore[arg-type]
        await live.relay_publish(redis_client, row)  # type: ignore[arg-type]
        assert await sub.next() == {"echo": "once"}
        await sub.nothing(within=0.5)


async def test_a_subscriber_who_loses_access_gets_the_error_and_stops_receiving(
    database: Database, redis_client: object, settings: Settings, keyring: KeyRing, room: str
) -> None:
    schema = build_schema(settings, subscriptions=[EchoSubscription])
    async with (
        live_server(settings, keyring, schema=schema) as server,
        subscribe(server, "subscription($r: String!) { echo(room: $r) }", {"r": room}) as sub,
    ):
        say_one = await _say(database, room, "one")
        await live.flush(database, redis_client, say_one)  # type: ignore[arg-type]
        assert await sub.next() == {"echo": "one"}
        ALLOWED.discard(room)
        say_two = await _say(database, room, "two")
        await live.flush(database, redis_client, say_two)  # type: ignore[arg-type]
        result = await sub.result()
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


ECHO = "subscription($r: String!) { echo(room: $r) }"


async def test_a_socket_is_closed_with_4403_when_its_access_token_expires(
    database: Database, settings: Settings, keyring: KeyRing, room: str
) -> None:
    user = await person(database)
    short = settings.model_copy(update={"access_token_ttl_seconds": 3})
    schema = build_schema(settings, subscriptions=[EchoSubscription])
    # the server (started inside the pinned clock) sees the token issued now: it closes the
    # socket three seconds after the handshake, however long the machine took to get there
    with frozen(datetime.now(UTC)):
        token, _ = issue_access_token(keyring, short, user=user, session_id=None)
        async with (
            live_server(settings, keyring, schema=schema) as server,
            subscribe(server, ECHO, {"r": room}, token=token) as sub,
        ):
            ended = await sub.ended(wait=15)
    assert ended.kind == "closed"
    assert ended.close_code == WS_FORBIDDEN


async def test_subscriptions_per_connection_are_limited(
    database: Database, settings: Settings, keyring: KeyRing, room: str
) -> None:
    limited = settings.model_copy(update={"live_subscriptions_per_connection": 2})
    schema = build_schema(limited, subscriptions=[EchoSubscription])
    async with (
        live_server(limited, keyring, schema=schema) as server,
        connection(server) as ws,
    ):
        await start(ws, ECHO, {"r": room}, id="1")
        await start(ws, ECHO, {"r": room}, id="2")
        third = await start(ws, ECHO, {"r": room}, id="3")
        result = await third.result()
        assert result["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_subscriptions_per_user_are_limited_across_connections(
    database: Database, settings: Settings, keyring: KeyRing, room: str
) -> None:
    user = await person(database)
    token, _ = issue_access_token(keyring, settings, user=user, session_id=None)
    limited = settings.model_copy(update={"live_subscriptions_per_user": 1})
    schema = build_schema(limited, subscriptions=[EchoSubscription])
    async with (
        live_server(limited, keyring, schema=schema) as server,
        subscribe(server, ECHO, {"r": room}, token=token),
        subscribe(server, ECHO, {"r": room}, token=token) as second,
    ):
        result = await second.result()
        assert result["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_one_event_to_many_subscribers_holds_the_collector_until_the_last_is_sent(
    database: Database,
    redis_client: object,
    settings: Settings,
    keyring: KeyRing,
    room: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live.Fanout, "PAUSE_FROM", 3)
    schema = build_schema(settings, subscriptions=[EchoSubscription])
    COLLECTOR_ON_WHILE_BUILDING.clear()
    async with (
        live_server(settings, keyring, schema=schema) as server,
        subscribe(server, ECHO, {"r": room}) as one,
        subscribe(server, ECHO, {"r": room}) as two,
        subscribe(server, ECHO, {"r": room}) as three,
    ):
        assert gc.isenabled()
        ids = await _say(database, room, "all of you")
        await live.flush(database, redis_client, ids)  # type: ignore[arg-type]
        for sub in (one, two, three):
            assert await sub.next() == {"echo": "all of you"}
        assert COLLECTOR_ON_WHILE_BUILDING == [False, False, False]
        # every subscriber reported: the collector is back, nothing waits for the deadline
        for _ in range(50):
            if gc.isenabled():
                break
            await asyncio.sleep(0.01)
        assert gc.isenabled()
        assert live.collector_pause.holders == 0
        # a fan-out below the threshold leaves the collector alone
        monkeypatch.setattr(live.Fanout, "PAUSE_FROM", 4)
        COLLECTOR_ON_WHILE_BUILDING.clear()
        ids = await _say(database, room, "again")
        await live.flush(database, redis_client, ids)  # type: ignore[arg-type]
        for sub in (one, two, three):
            assert await sub.next() == {"echo": "again"}
        assert COLLECTOR_ON_WHILE_BUILDING == [True, True, True]


async def test_a_fanout_whose_subscribers_never_report_resumes_the_collector_at_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live.Fanout, "PAUSE_AT_MOST_SECONDS", 0.05)
    first, second = live.Fanout(live.Fanout.PAUSE_FROM), live.Fanout(live.Fanout.PAUSE_FROM)
    assert not gc.isenabled()
    first.done()  # one of many: still paused
    for _ in range(live.Fanout.PAUSE_FROM):
        second.done()
    assert not gc.isenabled()  # `second` is over, `first` still holds it
    await asyncio.sleep(0.2)
    assert gc.isenabled()
    assert live.collector_pause.holders == 0
    first.done()  # late reports change nothing
    assert live.collector_pause.holders == 0


async def test_a_collector_switched_off_by_someone_else_stays_off_after_a_fanout() -> None:
    gc.disable()
    try:
        fanout = live.Fanout(live.Fanout.PAUSE_FROM)
        for _ in range(live.Fanout.PAUSE_FROM):
            fanout.done()
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_a_subscription_cancelled_as_redis_confirms_it_still_ends() -> None:
    """A subscriber that leaves (its socket closed) just as Redis confirms the channel must stop:
    `asyncio.wait_for` on Python 3.11 returned the confirmation and dropped the cancellation, and
    the subscription then waited for events forever (a server's shutdown waited with it)."""
    backend = live.RedisPubSubBackend("redis://127.0.0.1:1")  # never connected: no listener
    waiting = asyncio.create_task(backend.subscribe("ews:live:test"))
    await asyncio.sleep(0)  # waiting for the listener's confirmation
    _, _, confirmed = backend._commands.get_nowait()
    assert confirmed is not None
    confirmed.set_result(None)  # the listener confirms …
    waiting.cancel()  # … as the subscriber leaves
    with pytest.raises(asyncio.CancelledError):
        await waiting
