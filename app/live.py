"""Live events: written in the caller's transaction, published to Redis pub/sub after it commits.

A service calls `publish(session, channel, event)`: the event becomes an outbox row, so it exists
only if the write that caused it commits, and it is never lost. Two paths hand it on, and either
may win: the API flushes the events of a mutation right after its commit (`flush`, for latency),
and the worker's outbox relay publishes whatever is left (`relay_publish`: a crashed API, events
written by workers). The message on the channel carries the outbox event id, so a subscriber that
receives one event twice (both paths raced) drops the second (`LiveHub`).

`LiveHub` is one process's side of the fan-out: one `broadcaster.Broadcast` over one Redis pub/sub
connection, however many local subscribers there are, so several server processes serve one
audience. A message is decoded once per process, not once per subscriber, and while one event fans
out to many local subscribers the cyclic garbage collector waits (`Fanout`). Channel names are
built by the helpers below (`user_channel`, …) and carry only ids; a subscriber loads what it
shows from the database after checking the caller may see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import uuid
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog
from broadcaster import Broadcast
from broadcaster._backends.base import BroadcastBackend
from broadcaster._base import Event, Subscriber, Unsubscribed
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database
from app.outbox import OutboxEvent, emit

LIVE_TOPIC = "live.publish"
_PENDING = "easyways.live_pending"
CHANNEL_PREFIX = "ews:live:"

log = structlog.get_logger(__name__)


# --- channels -------------------------------------------------------------------------------


def user_channel(user_id: uuid.UUID) -> str:
    """What one user receives wherever they are: messages, notifications."""
    return f"{CHANNEL_PREFIX}user:{user_id}"


def thread_channel(thread_id: uuid.UUID) -> str:
    return f"{CHANNEL_PREFIX}thread:{thread_id}"


def course_channel(course_id: uuid.UUID | None, topic: str) -> str:
    """A course's `topic` (announcements, presence); `None` is the whole platform."""
    return f"{CHANNEL_PREFIX}course:{course_id or 'platform'}:{topic}"


def order_channel(order_id: uuid.UUID) -> str:
    return f"{CHANNEL_PREFIX}order:{order_id}"


# --- the write side -------------------------------------------------------------------------


async def publish(session: AsyncSession, channel: str, event: dict[str, Any]) -> uuid.UUID:
    """Publish `event` (plain JSON, ids not rows) on `channel` once the caller's transaction
    commits; nothing is published if it rolls back."""
    event_id = await emit(session, LIVE_TOPIC, {"channel": channel, "event": event})
    session.info.setdefault(_PENDING, []).append(event_id)
    return event_id


def take_pending(session: AsyncSession) -> list[uuid.UUID]:
    """The ids of the live events this session's transaction wrote (and forget them)."""
    pending: list[uuid.UUID] = session.info.pop(_PENDING, [])
    return pending


def encode(event_id: uuid.UUID, payload: dict[str, Any]) -> bytes:
    return orjson.dumps({"id": str(event_id), "event": payload["event"]})


async def relay_publish(redis: Redis, event: OutboxEvent) -> None:
    """The relay's route for live events: publish (the relay marks the row dispatched)."""
    await redis.publish(event.payload["channel"], encode(event.id, event.payload))


async def flush(db: Database, redis: Redis, event_ids: Sequence[uuid.UUID]) -> int:
    """Publish committed live events now (the fast path after a mutation) and mark them
    dispatched; returns how many were published. Events the relay already handed on are
    skipped; when Redis fails, the relay publishes them later."""
    if not event_ids:
        return 0
    async with db.session() as session:
        rows = (
            await session.execute(
                select(OutboxEvent.id, OutboxEvent.payload).where(
                    OutboxEvent.id.in_(event_ids), OutboxEvent.dispatched_at.is_(None)
                )
            )
        ).all()
        if not rows:
            return 0
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for row in rows:
                    pipe.publish(row.payload["channel"], encode(row.id, row.payload))
                await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("live.flush_failed", error=repr(exc), events=len(rows))
            return 0
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([r.id for r in rows]), OutboxEvent.dispatched_at.is_(None))
            .values(dispatched_at=func.now())
        )
        await session.commit()
    return len(rows)


# --- the read side --------------------------------------------------------------------------


class _CollectorPause:
    """Holds the cyclic garbage collector off while any large fan-out is in flight (GC is one
    per process, so the holds are counted); it is switched back on by the last release, and
    only if it was on before."""

    def __init__(self) -> None:
        self.holders = 0
        self._resume = False

    def hold(self) -> None:
        if self.holders == 0:
            self._resume = gc.isenabled()
            gc.disable()
        self.holders += 1

    def release(self) -> None:
        self.holders -= 1
        if self.holders == 0 and self._resume:
            gc.enable()


collector_pause = _CollectorPause()


class Fanout:
    """One event handed to `expected` subscribers of this process; each calls `done()` once it
    has handled the event (sent it, filtered it out or ended).

    While a fan-out of at least PAUSE_FROM subscribers is in flight the cyclic garbage collector
    waits: every subscriber's work on the event lives until its frame is sent, so a collection in
    the middle of the burst walks (and promotes) all of it — on the 2-core bench machine that
    was 40 % of the time to reach 1,000 subscribers. The collector resumes when the last
    subscriber is done, or after PAUSE_AT_MOST_SECONDS whatever happens (a subscriber that left
    before reading the event never reports), and then collects the burst's garbage as usual.
    """

    PAUSE_FROM = 64
    PAUSE_AT_MOST_SECONDS = 2.0

    def __init__(self, expected: int) -> None:
        self.remaining = expected
        self._deadline: asyncio.TimerHandle | None = None
        if expected >= self.PAUSE_FROM:
            collector_pause.hold()
            self._deadline = asyncio.get_running_loop().call_later(
                self.PAUSE_AT_MOST_SECONDS, self._end
            )

    @property
    def pausing(self) -> bool:
        return self._deadline is not None

    def done(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self._end()

    def _end(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
            collector_pause.release()


@dataclass(frozen=True, slots=True)
class LiveEvent:
    id: str  # the outbox event id: equal for the two copies of one event
    channel: str
    data: dict[str, Any]
    fanout: Fanout = field(compare=False, repr=False)
    # What this process's subscribers build once for all of them (e.g. a schema value of a
    # row loaded through the event's shared loaders).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


def decode(raw: str) -> tuple[str, dict[str, Any]] | None:
    """A published message's (event id, event); None for a malformed one."""
    try:
        message = orjson.loads(raw)
        event_id, data = str(message["id"]), message["event"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    return (event_id, data) if isinstance(data, dict) else None


class RedisPubSubBackend(BroadcastBackend):
    """broadcaster's backend over one redis-py pub/sub connection, owned by one listener task.

    Only the listener touches the connection: `subscribe` and `unsubscribe` hand it a command and
    return (a subscriber leaving never waits on Redis, so a cancelled subscription always ends).
    `subscribe` waits until Redis has confirmed, so an event published after it returns is
    received. The listener outlives a Redis restart: it notices the broken connection, waits,
    reconnects and subscribes to every channel again. Events published while Redis was down are
    not replayed (clients catch up through queries).
    """

    RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0)
    POLL_SECONDS = 0.05  # how long a read waits before pending commands are sent
    SUBSCRIBE_WAIT_SECONDS = 5.0

    def __init__(self, url: str) -> None:
        self._url = url
        self._channels: set[str] = set()
        self._commands: asyncio.Queue[tuple[str, str, asyncio.Future[None] | None]] = (
            asyncio.Queue()
        )
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self._redis = Redis.from_url(self._url, socket_connect_timeout=2, health_check_interval=15)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._task = asyncio.create_task(self._listen(), name="live-pubsub")

    async def disconnect(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        with contextlib.suppress(RedisError, OSError):
            await self._redis.aclose()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._commands.put_nowait(("subscribe", channel, done))
        # not `wait_for(shield(done))`: on Python 3.11 it drops a cancellation that arrives as
        # `done` completes, and the leaving subscriber would then wait for events forever
        finished, _ = await asyncio.wait({done}, timeout=self.SUBSCRIBE_WAIT_SECONDS)
        if not finished:  # Redis is away: the listener subscribes once it is back
            log.warning("live.subscribe_pending", channel=channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        self._commands.put_nowait(("unsubscribe", channel, None))

    async def publish(self, channel: str, message: Any) -> None:
        await self._redis.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                await self._run_commands()
                if self._pubsub.subscribed:
                    message = await self._pubsub.get_message(timeout=self.POLL_SECONDS)
                else:
                    message = None
                    await self._wait_for_command()
                failures = 0
            except (RedisError, OSError) as exc:
                delay = self.RETRY_SECONDS[min(failures, len(self.RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("live.pubsub_lost", error=repr(exc), retry_in=delay)
                await asyncio.sleep(delay)
                await self._reset()
                continue
            if message is not None and message.get("type") == "message":
                channel, data = message["channel"], message["data"]
                self._queue.put_nowait(
                    Event(
                        channel.decode() if isinstance(channel, bytes) else str(channel),
                        data.decode() if isinstance(data, bytes) else str(data),
                    )
                )

    async def _wait_for_command(self) -> None:
        command = await self._commands.get()
        self._commands.put_nowait(command)  # run by _run_commands, in order

    async def _run_commands(self) -> None:
        while not self._commands.empty():
            action, channel, done = self._commands.get_nowait()
            try:
                if action == "subscribe" and channel in self._channels:
                    await self._pubsub.subscribe(channel)
                elif action == "unsubscribe" and channel not in self._channels:
                    await self._pubsub.unsubscribe(channel)
            finally:
                if done is not None and not done.done():
                    done.set_result(None)

    async def _reset(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        if self._channels:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.subscribe(*self._channels)


class SafeBroadcast(Broadcast):
    """`Broadcast` whose `subscribe` registers the subscriber before it awaits Redis: the
    original checks "first subscriber of this channel?" and then awaits, so subscribers that
    arrive together each think they are first, and all but the last one are overwritten (they
    never receive anything, and leaving raises KeyError). Its listener decodes each message once
    and hands every local subscriber the same `LiveEvent`, which carries the event's `Fanout`."""

    async def _listener(self) -> None:
        while True:
            published = await self._backend.next_published()
            queues = list(self._subscribers.get(published.channel, ()))
            if not queues:
                continue
            decoded = decode(published.message)
            if decoded is None:
                log.warning("live.bad_message", channel=published.channel)
                continue
            event_id, data = decoded
            event = LiveEvent(event_id, published.channel, data, Fanout(len(queues)))
            for queue in queues:
                queue.put_nowait(event)  # type: ignore[arg-type]  # the hub reads LiveEvents

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscriber]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        subscribers = self._subscribers.setdefault(channel, set())
        first = not subscribers
        subscribers.add(queue)
        try:
            if first:
                await self._backend.subscribe(channel)
            yield Subscriber(queue)
        finally:
            subscribers.discard(queue)
            if not subscribers and self._subscribers.get(channel) is subscribers:
                del self._subscribers[channel]
                await self._backend.unsubscribe(channel)
            queue.put_nowait(None)


class LiveHub:
    """This process's subscribers: `async with hub.subscribe(channel) as events`."""

    RECENT_IDS = 64  # per subscriber: enough to drop the second copy of a raced event

    def __init__(self, url: str) -> None:
        self.broadcast = SafeBroadcast(backend=RedisPubSubBackend(url))
        self.subscribers = 0

    async def start(self) -> None:
        await self.broadcast.connect()

    async def stop(self) -> None:
        await self.broadcast.disconnect()

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        async with self.broadcast.subscribe(channel) as subscriber:
            self.subscribers += 1
            try:
                yield self._events(channel, subscriber)
            finally:
                self.subscribers -= 1

    async def _events(self, channel: str, subscriber: Any) -> AsyncIterator[LiveEvent]:
        """The subscriber's events, each once; the caller reports `event.fanout.done()`."""
        seen: deque[str] = deque(maxlen=self.RECENT_IDS)
        while True:
            try:
                event = await subscriber.get()  # (not `async for`: one generator less per event)
            except Unsubscribed:
                return
            if event.id in seen:
                event.fanout.done()
                continue
            seen.append(event.id)
            yield event
