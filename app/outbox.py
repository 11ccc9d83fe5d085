"""Transactional outbox: events are written in the caller's transaction and handed on after commit.

`emit` adds a row to the caller's session; the relay (`relay_once`) claims undispatched rows with
`FOR UPDATE SKIP LOCKED`, hands each to a dispatcher (Dramatiq / pub/sub) and marks it dispatched,
backing off rows whose dispatch failed. Several relays may run at once; none hands on a row twice
while it holds the row lock, and actors are idempotent on the event id for the rare redelivery.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin


class OutboxEvent(IdMixin, CreatedMixin, Base):
    __tablename__ = "outbox"

    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    available_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dispatched_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "available_at",
            postgresql_where=text("dispatched_at IS NULL"),
        ),
    )


async def emit(session: AsyncSession, topic: str, payload: dict[str, Any]) -> uuid.UUID:
    """Record an event in the caller's transaction; it is handed on only if that commits."""
    event = OutboxEvent(topic=topic, payload=payload)
    session.add(event)
    await session.flush([event])
    return event.id
