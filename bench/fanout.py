"""The fan-out scenario: N graphql-transport-ws subscribers on one API process receive one
announcement.

Every subscriber is a signed-in student enrolled in one course (the same bench student on N
sockets: the per-user subscription limit is raised for the run) subscribed to
`announcementPublished(courseId)`. Once all N are acknowledged and subscribed, the course's
instructor publishes an announcement with `createAnnouncement` over HTTP. Two latencies per
subscriber, up to its `next` message: from the publication on Redis (seen by a listener of the
runner's own on the same channel: the server's side of the fan-out) and from sending the mutation
(which adds the mutation's own work: transaction, notifications, commit). Memory per connection
is the growth of the API process's RSS from before the sockets opened to when all N were
subscribed, divided by N.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import psutil
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect

from app.live import CHANNEL_PREFIX
from bench import client
from bench.dataset import BENCH_PASSWORD
from bench.generate import plain_dsn, say

DOCUMENT = "subscription($course: ID) { announcementPublished(courseId: $course) { id title } }"
CREATE = (
    "mutation($input: CreateAnnouncementInput!) { createAnnouncement(input: $input) "
    "{ announcement { id } errors { code message } } }"
)
SUBSCRIBE_BATCH = 100  # sockets opened at once
DELIVERY_WAIT_S = 30.0
SETTLE_S = 1.0


@dataclass(frozen=True)
class FanoutResult:
    subscribers: int
    received: int
    p50_ms: float  # from the publication on Redis
    p99_ms: float
    max_ms: float
    request_p50_ms: float  # from sending the mutation
    request_p99_ms: float
    rss_before_mb: float
    rss_after_mb: float

    @property
    def kib_per_connection(self) -> float:
        return (self.rss_after_mb - self.rss_before_mb) * 1024 / max(self.subscribers, 1)


async def _enrolled_student(database_url: str) -> tuple[str, str, str]:
    """(student e-mail, course slug, instructor e-mail) of an active enrollment in a published
    course of the bench data set."""
    conn = await asyncpg.connect(plain_dsn(database_url))
    try:
        row = await conn.fetchrow(
            """
            SELECT s.email AS student, c.slug, i.email AS instructor FROM enrollments e
            JOIN users s ON s.id = e.student_id
            JOIN courses c ON c.id = e.course_id
            JOIN users i ON i.id = c.instructor_id
            WHERE e.status = 'active' AND c.status = 'published'
            ORDER BY s.email, c.slug LIMIT 1
            """
        )
    finally:
        await conn.close()
    if row is None:
        raise RuntimeError("the bench data set has no active enrollment")
    return str(row["student"]), str(row["slug"]), str(row["instructor"])


async def _subscriber(url: str, token: str, course_id: str) -> ClientConnection:
    ws = await connect(url, subprotocols=["graphql-transport-ws"], max_queue=None)  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await ws.recv())
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"connection refused: {ack}")
    payload = {"query": DOCUMENT, "variables": {"course": course_id}}
    await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
    return ws


async def _receive(ws: ClientConnection, title: str) -> float | None:
    """perf_counter when this subscriber got the announcement, None if it never came."""
    try:
        async with asyncio.timeout(DELIVERY_WAIT_S):
            while True:
                message: dict[str, Any] = json.loads(await ws.recv())
                if message.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                if message.get("type") != "next":
                    return None
                data = message["payload"].get("data") or {}
                if (data.get("announcementPublished") or {}).get("title") == title:
                    return time.perf_counter()
    except TimeoutError:
        return None


def _pin_apart(api_pid: int) -> list[int] | None:
    """With two cores or more, the API process on the first and this client on the second, so
    the figure is the server's and not the two fighting over one core (PostgreSQL and Valkey
    stay free). Returns the CPUs to restore, None when nothing was pinned."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    psutil.Process(api_pid).cpu_affinity([cpus[0]])
    os.sched_setaffinity(0, {cpus[1]})
    return cpus


def _unpin(api_pid: int, cpus: list[int] | None) -> None:
    if cpus is None:
        return
    os.sched_setaffinity(0, set(cpus))
    with contextlib.suppress(psutil.Error):
        psutil.Process(api_pid).cpu_affinity(cpus)


def _rss_mb(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss) / (1024 * 1024)


async def _published(redis_url: str, ready: asyncio.Event) -> float:
    """perf_counter when an announcement is published on any course channel."""
    redis = Redis.from_url(redis_url)
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.psubscribe(f"{CHANNEL_PREFIX}course:*:announcements")
        ready.set()
        while True:
            message = await pubsub.get_message(timeout=DELIVERY_WAIT_S)
            if message is not None and message["type"] == "pmessage":
                return time.perf_counter()
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await redis.aclose()


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values) or [float("nan")]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


async def measure(
    base_url: str, database_url: str, redis_url: str, api_pid: int, subscribers: int
) -> FanoutResult:
    graphql_url = base_url + "/graphql"
    ws_url = graphql_url.replace("http://", "ws://")
    student, slug, instructor = await _enrolled_student(database_url)
    token = await asyncio.to_thread(client.login, graphql_url, student, BENCH_PASSWORD)
    teacher = await asyncio.to_thread(client.login, graphql_url, instructor, BENCH_PASSWORD)
    query = json.dumps(
        {"query": "query($s: String!) { course(slug: $s) { id } }", "variables": {"s": slug}}
    )
    course_id = client.post(graphql_url, query, token).body["data"]["course"]["id"]
    rss_before = _rss_mb(api_pid)
    pinned = _pin_apart(api_pid)
    sockets: list[ClientConnection] = []
    say(f"fan-out: opening {subscribers} subscriptions")
    try:
        for start in range(0, subscribers, SUBSCRIBE_BATCH):
            count = min(SUBSCRIBE_BATCH, subscribers - start)
            sockets += await asyncio.gather(
                *(_subscriber(ws_url, token, course_id) for _ in range(count))
            )
        await asyncio.sleep(SETTLE_S)  # the server has subscribed every socket to the channel
        rss_after = _rss_mb(api_pid)
        title = f"Fan-out {time.time_ns()}"
        receivers = [asyncio.create_task(_receive(ws, title)) for ws in sockets]
        listening = asyncio.Event()
        published = asyncio.create_task(_published(redis_url, listening))
        await listening.wait()
        variables = {"input": {"courseId": course_id, "title": title, "body": "<p>Hello</p>"}}
        body = json.dumps({"query": CREATE, "variables": variables})
        sent = time.perf_counter()
        reply = await asyncio.to_thread(client.post, graphql_url, body, teacher)
        errors = reply.body.get("errors") or reply.body["data"]["createAnnouncement"]["errors"]
        if errors:
            raise RuntimeError(f"createAnnouncement failed: {errors}")
        arrivals = [t for t in await asyncio.gather(*receivers) if t is not None]
        at = await published
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        _unpin(api_pid, pinned)
    p50, p99, most = _percentiles([(t - at) * 1000 for t in arrivals])
    request_p50, request_p99, _ = _percentiles([(t - sent) * 1000 for t in arrivals])
    return FanoutResult(
        subscribers=subscribers,
        received=len(arrivals),
        p50_ms=p50,
        p99_ms=p99,
        max_ms=most,
        request_p50_ms=request_p50,
        request_p99_ms=request_p99,
        rss_before_mb=rss_before,
        rss_after_mb=rss_after,
    )


def report(result: FanoutResult) -> list[str]:
    return [
        "## Fan-out (live subscriptions)",
        "",
        "| subscribers | received | p50 | p99 | max | p50 / p99 from the request "
        "| API RSS before → after | per connection |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {result.subscribers:,} | {result.received:,} | {result.p50_ms:.1f} ms "
        f"| {result.p99_ms:.1f} ms | {result.max_ms:.1f} ms "
        f"| {result.request_p50_ms:.1f} / {result.request_p99_ms:.1f} ms "
        f"| {result.rss_before_mb:.0f} → {result.rss_after_mb:.0f} MB "
        f"| {result.kib_per_connection:.1f} KiB |",
        "",
        "- One announcement published by `createAnnouncement` over HTTP to N graphql-transport-ws "
        "subscribers of `announcementPublished(courseId)` on one API process. p50 / p99 / max: "
        "from its publication on Redis to each subscriber's `next` message; \"from the "
        'request" adds the mutation itself. Measured by one client process on the same machine '
        "(its own CPU use included).",
        "",
    ]
