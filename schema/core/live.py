"""The one way a subscription is written: `live(info, channel, authorize=…, build=…)`.

    @strawberry.subscription(description="…")
    async def message_received(self, info: Info) -> AsyncGenerator[Message, None]:
        actor = await require_actor(info)
        async for value in live(
            info, user_channel(actor.id), authorize=..., build=...
        ):
            yield value

`live` does the rest:
1. `authorize(caller, loaders)` when subscribing: it raises the domain error (NOT_FOUND,
   FORBIDDEN, …) that ends the subscription before any event; the caller is checked as for a
   query (a revoked session or a banned user is UNAUTHENTICATED);
2. the limits: at most `live_subscriptions_per_connection` at once on one WebSocket and
   `live_subscriptions_per_user` for one user across every server process (a Redis sorted set
   of subscription ids, each kept alive by its heartbeat), else RATE_LIMITED;
3. for each event on `channel`: fresh loaders (shared by this process's subscribers of that one
   event, so 1,000 subscribers check their access with one batched query, not 1,000; loaders hold
   no viewer state), the caller and `authorize` checked again — a user who lost access (withdrawn,
   banned, thread locked, signed out) gets that error and the subscription ends — then
   `build(event, loaders, caller)`, whose non-None result is yielded (its fields resolve through
   that event's loaders: the connection's context never keeps a loader across events); the
   event's `Fanout` is told when this subscriber is done with it (app/live.py);
   `prefetch(event, loaders, viewer_id)`, when given, asks the loaders for what `authorize` and
   `build` will read before the caller is checked, so every read of the event is one loader
   stage (it only loads: nothing is shown before the checks pass);
4. every `heartbeat_seconds` the subscription's `heartbeat` runs (presence) and its slot in the
   per-user count is renewed; everything is released in `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from aiodataloader import DataLoader
from redis.exceptions import RedisError
from starlette.websockets import WebSocket

from app.accounts import revocation
from app.errors import RateLimited, Unauthenticated
from app.live import LiveEvent, LiveHub
from app.security.permissions import Actor
from loaders import Loaders
from schema.core.auth import actor_of, check_caller
from schema.core.context import Context, Info
from schema.core.fanout import SharedResults

T = TypeVar("T")
Authorize = Callable[[Actor | None, Loaders], Awaitable[None]]
Build = Callable[[LiveEvent, Loaders, Actor | None], Awaitable[T | None]]
Heartbeat = Callable[[], Awaitable[None]]
Prefetch = Callable[[LiveEvent, Loaders, uuid.UUID | None], None]

HEARTBEAT_SECONDS = 30.0
SLOT_TTL_SECONDS = 3 * HEARTBEAT_SECONDS  # a subscription whose process died frees its slot
EVENT_LOADERS = 256  # events whose shared loaders are kept (a burst of events in flight)

log = structlog.get_logger(__name__)


async def signed_in(actor: Actor | None, _loaders: Loaders) -> None:
    """The `authorize` of a subscription to the caller's own channel: any signed-in user."""
    if actor is None:
        raise Unauthenticated()


def hub_of(ctx: Context) -> LiveHub:
    hub: LiveHub = ctx.request.app.state.live
    return hub


@dataclass
class EventScope:
    """What the subscribers of one event share in this process: its loaders, and one batched
    check of their sessions against the revocation list (one Redis round trip for all)."""

    loaders: Loaders
    revoked: DataLoader[uuid.UUID, bool]
    results: SharedResults


class _EventScopes:
    def __init__(self) -> None:
        self._by_event: OrderedDict[str, EventScope] = OrderedDict()

    def get(self, ctx: Context, event: LiveEvent) -> EventScope:
        scope = self._by_event.get(event.id)
        if scope is None:
            scope = self._by_event[event.id] = _new_scope(ctx)
            while len(self._by_event) > EVENT_LOADERS:
                self._by_event.popitem(last=False)
        return scope


def _new_scope(ctx: Context) -> EventScope:
    loaders = Loaders(ctx.db)

    async def revoked(session_ids: list[uuid.UUID]) -> list[bool]:
        try:
            return await revocation.revoked_among(ctx.redis, session_ids)
        except (RedisError, OSError) as exc:  # as for a request: the database decides
            log.warning("live.revocation_check_fell_back", error=repr(exc))
            rows = await loaders.accounts.sessions.load_many(session_ids)
            return [row is None or row.revoked_at is not None for row in rows]

    return EventScope(loaders, DataLoader(revoked), SharedResults())


_event_scopes = _EventScopes()


async def caller(ctx: Context, loaders: Loaders, scope: EventScope | None = None) -> Actor | None:
    """The caller checked again now (UNAUTHENTICATED once their session ended)."""
    user = await check_caller(ctx, loaders, scope.revoked.load if scope is not None else None)
    return actor_of(ctx, user) if user is not None else None


def _user_key(ctx: Context, user_id: uuid.UUID) -> str:
    return f"{ctx.settings.queue_namespace}:live:subs:{user_id}"


async def _take_slot(ctx: Context, user_id: uuid.UUID, slot: str) -> None:
    key, now = _user_key(ctx, user_id), time.time()
    limit = ctx.settings.live_subscriptions_per_user
    try:
        async with ctx.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
            _, held = await pipe.execute()
        if held >= limit:
            raise RateLimited(
                int(SLOT_TTL_SECONDS), f"At most {limit} live subscriptions per user at once"
            )
        await _renew_slot(ctx, key, slot)
    except (RedisError, OSError) as exc:  # the limit is a guard, not a reason to refuse service
        log.warning("live.slot_unavailable", error=repr(exc))


async def _renew_slot(ctx: Context, key: str, slot: str) -> None:
    async with ctx.redis.pipeline(transaction=True) as pipe:
        pipe.zadd(key, {slot: time.time() + SLOT_TTL_SECONDS})
        pipe.expire(key, int(SLOT_TTL_SECONDS) + 1)
        await pipe.execute()


async def _free_slot(ctx: Context, user_id: uuid.UUID, slot: str) -> None:
    with contextlib.suppress(RedisError, OSError):
        await ctx.redis.zrem(_user_key(ctx, user_id), slot)


class _Connection:
    """Counts the subscriptions open on one WebSocket (its context lives as long as it does)."""

    @staticmethod
    def open(ctx: Context) -> None:
        if isinstance(ctx.request, WebSocket):
            limit = ctx.settings.live_subscriptions_per_connection
            if ctx.open_subscriptions.count >= limit:
                raise RateLimited(1, f"At most {limit} subscriptions per connection at once")
        ctx.open_subscriptions.count += 1

    @staticmethod
    def close(ctx: Context) -> None:
        ctx.open_subscriptions.count -= 1


async def live(
    info: Info,
    channel: str,
    *,
    authorize: Authorize,
    build: Build[T],
    heartbeat: Heartbeat | None = None,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    prefetch: Prefetch | None = None,
) -> AsyncGenerator[T, None]:
    """The events of `channel` the caller may see, built into schema values (module docstring)."""
    ctx = info.context
    actor = await caller(ctx, Loaders(ctx.db))
    await authorize(actor, Loaders(ctx.db))
    _Connection.open(ctx)
    slot = uuid.uuid4().hex
    beat: asyncio.Task[None] | None = None
    try:
        if actor is not None:
            await _take_slot(ctx, actor.id, slot)
        if heartbeat is not None:
            await heartbeat()
        beat = asyncio.create_task(_beat(ctx, actor, slot, heartbeat, heartbeat_seconds))
        async with hub_of(ctx).subscribe(channel) as events:
            async for event in events:
                try:
                    scope = _event_scopes.get(ctx, event)
                    loaders = scope.loaders
                    if prefetch is not None:
                        prefetch(event, loaders, ctx.viewer_id)
                    actor = await caller(ctx, loaders, scope)
                    await authorize(actor, loaders)
                    value = await build(event, loaders, actor)
                    if value is not None:
                        ctx.loaders = loaders  # its fields read through this event's loaders
                        ctx.shared_results = scope.results  # one execution per equal result
                        yield value  # resumes once the result is sent
                finally:
                    event.fanout.done()
    finally:
        if beat is not None:
            beat.cancel()
        _Connection.close(ctx)
        if actor is not None:
            await _free_slot(ctx, actor.id, slot)


async def _beat(
    ctx: Context, actor: Actor | None, slot: str, heartbeat: Heartbeat | None, every: float
) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            if actor is not None:
                await _renew_slot(ctx, _user_key(ctx, actor.id), slot)
            if heartbeat is not None:
                await heartbeat()
        except (RedisError, OSError) as exc:
            log.warning("live.heartbeat_failed", error=repr(exc))
