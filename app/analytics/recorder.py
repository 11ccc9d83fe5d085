"""Learning events recorded on the request path without waiting for the database.

`record_event` is synchronous and never does I/O: it appends the event to this process's buffer
(a lock and a deque append). A flusher — one per process: the API's lifespan, the worker's main
loop — writes what is buffered with one multi-row INSERT per batch (`INSERT … SELECT FROM
unnest(arrays)`: one statement text whatever the batch size) every ANALYTICS_EVENTS_FLUSH_SECONDS,
or at once when ANALYTICS_EVENTS_BATCH_SIZE events are waiting, and once more on shutdown.

With `session=`, the event waits for that session's transaction: it reaches the buffer when the
transaction commits and is forgotten when it (or the savepoint it was recorded in) rolls back, so
a failed mutation records nothing. Without a session it is buffered at once (reads, searches).

How much can be lost, and when:
- a crash (SIGKILL, power) loses what was buffered and not yet written: at most about
  ANALYTICS_EVENTS_FLUSH_SECONDS of events; a normal shutdown writes them first;
- while PostgreSQL is unreachable, batches that could not be written stay buffered and are
  retried on the next tick; the buffer holds at most ANALYTICS_EVENTS_BUFFER_MAX events, and what
  does not fit is dropped and counted (`easyways_analytics_events_dropped_total{reason}`), so an
  outage never grows memory without bound nor slows a request;
- a batch the database refuses for another reason (a bug) is dropped, counted and logged,
  instead of blocking every later batch.
Rows are inserted with their id under ON CONFLICT DO NOTHING, so a batch retried after a lost
reply is not written twice; an event whose user was deleted or erased (GDPR) meanwhile is
written as erasure leaves that user's events: no user, no properties, no request id.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import structlog
from prometheus_client import Counter, Gauge
from sqlalchemy import DateTime, String, Text, bindparam, event, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.analytics.events import EventType
from app.clock import utcnow
from app.db import Database, DriverStatement, database_unavailable
from app.ids import new_id
from app.settings import Settings

log = structlog.get_logger(__name__)

EVENTS_WRITTEN = Counter(
    "easyways_analytics_events_written_total", "Learning events written to analytics_events"
)
EVENTS_DROPPED = Counter(
    "easyways_analytics_events_dropped_total",
    "Learning events dropped: buffer_full (database unreachable for long), rejected (a batch "
    "the database refused), shutdown (still buffered when the process stopped)",
    ["reason"],
)
EVENTS_BUFFERED = Gauge(
    "easyways_analytics_events_buffered", "Learning events waiting in this process's buffer"
)
FLUSH_FAILURES = Counter(
    "easyways_analytics_event_flush_failures_total",
    "Flushes that found the database unreachable (their events stayed buffered)",
)

DEFAULT_CAPACITY = 50_000
MAX_REQUEST_ID = 64
_PENDING = "easyways.analytics_pending"


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    id: uuid.UUID
    event_type: str
    user_id: uuid.UUID | None
    course_id: uuid.UUID | None
    entity_type: str | None
    entity_id: uuid.UUID | None
    properties: str  # JSON text, encoded when recorded (a bad value fails at the call site)
    request_id: str | None
    occurred_at: datetime


class EventBuffer:
    """A bounded, thread-safe FIFO of recorded events (actors record from their own threads)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._events: deque[RecordedEvent] = deque()
        self._lock = threading.Lock()
        self._waker: Callable[[], object] | None = None
        self._wake_at = 0

    def __len__(self) -> int:
        return len(self._events)

    def set_waker(self, waker: Callable[[], object] | None, at: int = 0) -> None:
        """`waker` is called (from the recording thread) when `at` events are waiting."""
        with self._lock:
            self._waker, self._wake_at = waker, at

    def extend(self, events: Iterable[RecordedEvent]) -> None:
        wake = None
        with self._lock:
            for item in events:
                if len(self._events) >= self.capacity:
                    EVENTS_DROPPED.labels("buffer_full").inc()
                    continue
                self._events.append(item)
                if len(self._events) == self._wake_at:
                    wake = self._waker
        EVENTS_BUFFERED.set(len(self._events))
        if wake is not None:
            with contextlib.suppress(RuntimeError):  # the flusher's loop has just closed
                wake()

    def take(self, limit: int) -> list[RecordedEvent]:
        with self._lock:
            batch = [self._events.popleft() for _ in range(min(limit, len(self._events)))]
        EVENTS_BUFFERED.set(len(self._events))
        return batch

    def restore(self, batch: Sequence[RecordedEvent]) -> None:
        """Put a batch that could not be written back in front; what no longer fits is dropped
        (the newest first, so order is kept)."""
        with self._lock:
            room = max(0, self.capacity - len(self._events))
            kept = list(batch[:room])
            self._events.extendleft(reversed(kept))
        if len(kept) < len(batch):
            EVENTS_DROPPED.labels("buffer_full").inc(len(batch) - len(kept))
        EVENTS_BUFFERED.set(len(self._events))

    def discard(self, reason: str) -> int:
        """Forget everything buffered (counted as dropped for `reason`); how many there were."""
        with self._lock:
            count = len(self._events)
            self._events.clear()
        if count:
            EVENTS_DROPPED.labels(reason).inc(count)
        EVENTS_BUFFERED.set(0)
        return count


BUFFER = EventBuffer()


def record_event(
    event_type: EventType | str,
    *,
    user_id: uuid.UUID | None,
    course_id: uuid.UUID | None = None,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
    properties: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
    session: AsyncSession | None = None,
) -> uuid.UUID:
    """Record one learning event (never blocks, never touches the database); its id.

    With `session`, the event is kept until that session's transaction commits and forgotten if
    it rolls back. An unknown `event_type` or properties that are not JSON raise at once."""
    item = RecordedEvent(
        id=new_id(),
        event_type=EventType(event_type).value,
        user_id=user_id,
        course_id=course_id,
        entity_type=entity_type,
        entity_id=entity_id,
        properties=orjson.dumps(dict(properties or {})).decode(),
        request_id=_request_id(),
        occurred_at=occurred_at or utcnow(),
    )
    if session is None or not _hold(session.sync_session, item):
        BUFFER.extend((item,))
    return item.id


def _request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value)[:MAX_REQUEST_ID] if value else None


# --- after commit ------------------------------------------------------------------------------


def _held(session: Session) -> dict[SessionTransaction, list[RecordedEvent]]:
    held: dict[SessionTransaction, list[RecordedEvent]] = session.info.setdefault(_PENDING, {})
    return held


def _hold(session: Session, item: RecordedEvent) -> bool:
    """Keep `item` with the innermost open transaction (savepoint or root); False without one."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        return False
    _held(session).setdefault(transaction, []).append(item)
    return True


def _enclosing(transaction: SessionTransaction) -> SessionTransaction | None:
    """The savepoint or root transaction a committed savepoint belongs to."""
    parent = transaction.parent
    while parent is not None and not (parent.nested or parent.parent is None):
        parent = parent.parent
    return parent


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    held = session.info.get(_PENDING)
    if not held:
        return
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None or (events := held.pop(transaction, None)) is None:
        return
    parent = _enclosing(transaction) if transaction.nested else None
    if parent is None:
        BUFFER.extend(events)
    else:  # a savepoint: its events now wait for the enclosing transaction
        held.setdefault(parent, []).extend(events)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    held = session.info.get(_PENDING)
    if held:
        held.pop(transaction, None)  # still held at its end: it rolled back


# --- the flusher -------------------------------------------------------------------------------

INSERT_EVENTS = DriverStatement.of(
    text(
        "INSERT INTO analytics_events (id, user_id, event_type, entity_type, entity_id,"
        " course_id, properties, request_id, occurred_at) "
        "SELECT e.id, u.id, e.event_type, e.entity_type, e.entity_id, e.course_id,"
        " CASE WHEN u.id IS NULL AND e.user_id IS NOT NULL THEN '{}'::jsonb"
        " ELSE e.properties::jsonb END,"
        " CASE WHEN u.id IS NULL AND e.user_id IS NOT NULL THEN NULL ELSE e.request_id END,"
        " e.occurred_at "
        "FROM unnest(:ids, :user_ids, :event_types, :entity_types, :entity_ids, :course_ids,"
        " :properties, :request_ids, :occurred) AS e(id, user_id, event_type, entity_type,"
        " entity_id, course_id, properties, request_id, occurred_at) "
        "LEFT JOIN users u ON u.id = e.user_id AND u.deleted_at IS NULL "
        "ON CONFLICT (id) DO NOTHING"
    ).bindparams(
        bindparam("ids", type_=ARRAY(UUID(as_uuid=True))),
        bindparam("user_ids", type_=ARRAY(UUID(as_uuid=True))),
        bindparam("event_types", type_=ARRAY(String())),
        bindparam("entity_types", type_=ARRAY(String())),
        bindparam("entity_ids", type_=ARRAY(UUID(as_uuid=True))),
        bindparam("course_ids", type_=ARRAY(UUID(as_uuid=True))),
        bindparam("properties", type_=ARRAY(Text())),
        bindparam("request_ids", type_=ARRAY(String())),
        bindparam("occurred", type_=ARRAY(DateTime(timezone=True))),
    )
)


async def write_events(db: Database, batch: Sequence[RecordedEvent]) -> None:
    """One INSERT for the whole batch (autocommit: the batch is atomic on its own)."""
    await db.fetch(
        INSERT_EVENTS,
        {
            "ids": [e.id for e in batch],
            "user_ids": [e.user_id for e in batch],
            "event_types": [e.event_type for e in batch],
            "entity_types": [e.entity_type for e in batch],
            "entity_ids": [e.entity_id for e in batch],
            "course_ids": [e.course_id for e in batch],
            "properties": [e.properties for e in batch],
            "request_ids": [e.request_id for e in batch],
            "occurred": [e.occurred_at for e in batch],
        },
    )
    EVENTS_WRITTEN.inc(len(batch))


class EventFlusher:
    """Writes this process's buffered events in batches, on a timer and when a batch is full."""

    def __init__(
        self,
        db: Database,
        *,
        buffer: EventBuffer = BUFFER,
        interval: float = 1.0,
        batch_size: int = 500,
    ) -> None:
        self.db = db
        self.buffer = buffer
        self.interval = interval
        self.batch_size = batch_size
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> EventFlusher:
        """The process's flusher; it also sets the process buffer's bound."""
        BUFFER.capacity = settings.analytics_events_buffer_max
        return cls(
            db,
            interval=settings.analytics_events_flush_seconds,
            batch_size=settings.analytics_events_batch_size,
        )

    async def flush(self) -> int:
        """Write everything buffered now, batch by batch; how many events were written. Stops
        at a batch the database could not take (it stays buffered for the next try)."""
        written = 0
        while batch := self.buffer.take(self.batch_size):
            try:
                await write_events(self.db, batch)
            except Exception as exc:
                if database_unavailable(exc):
                    self.buffer.restore(batch)
                    FLUSH_FAILURES.inc()
                    log.warning("analytics.flush_deferred", events=len(batch), error=str(exc))
                    break
                EVENTS_DROPPED.labels("rejected").inc(len(batch))
                log.exception("analytics.flush_rejected", events=len(batch))
                continue
            written += len(batch)
        return written

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every `interval` and whenever a batch is full, until `stop`; then flush once
        more (events recorded meanwhile by other threads are written too)."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        self.buffer.set_waker(lambda: loop.call_soon_threadsafe(wake.set), self.batch_size)
        if len(self.buffer) >= self.batch_size:
            wake.set()
        watcher = asyncio.create_task(_set_when(stop, wake))
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=self.interval)
                wake.clear()
                await self.flush()
        finally:
            watcher.cancel()
            self.buffer.set_waker(None)
            await self.flush()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(self._stop))

    async def stop(self) -> None:
        """Stop the timer and write what is left; what still cannot be written is counted as
        lost (`reason="shutdown"`)."""
        self._stop.set()
        if self._task is not None:
            await self._task
        self.buffer.discard("shutdown")


async def _set_when(stop: asyncio.Event, wake: asyncio.Event) -> None:
    await stop.wait()
    wake.set()


async def flush_and_discard(db: Database) -> int:
    """A worker's last flush (after its actors stopped): what cannot be written is lost."""
    written = await EventFlusher(db).flush()
    BUFFER.discard("shutdown")
    return written
