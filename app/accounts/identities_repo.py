"""SQL of the linked sign-in identities (`linked_identities`); never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import LinkedIdentity


async def find(session: AsyncSession, provider: str, subject: str) -> LinkedIdentity | None:
    return await session.scalar(
        select(LinkedIdentity).where(
            LinkedIdentity.provider == provider, LinkedIdentity.subject == subject
        )
    )


async def get(session: AsyncSession, identity_id: uuid.UUID) -> LinkedIdentity | None:
    return await session.get(LinkedIdentity, identity_id)


async def list_of(session: AsyncSession, user_id: uuid.UUID) -> Sequence[LinkedIdentity]:
    return (
        await session.scalars(
            select(LinkedIdentity)
            .where(LinkedIdentity.user_id == user_id)
            .order_by(LinkedIdentity.created_at, LinkedIdentity.id)
        )
    ).all()


async def count_of(session: AsyncSession, user_id: uuid.UUID) -> int:
    query = select(func.count()).where(LinkedIdentity.user_id == user_id)
    return int(await session.scalar(query) or 0)


async def add(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    provider: str,
    subject: str,
    email: str,
    now: datetime,
) -> LinkedIdentity | None:
    """Insert in a savepoint; None when (provider, subject) is already linked (a race lost)."""
    row = LinkedIdentity(
        user_id=user_id, provider=provider, subject=subject, email=email, last_used_at=now
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return None
    return row


async def remove(session: AsyncSession, identity_id: uuid.UUID) -> None:
    await session.execute(delete(LinkedIdentity).where(LinkedIdentity.id == identity_id))


async def remove_all(session: AsyncSession, user_id: uuid.UUID) -> int:
    result = await session.execute(delete(LinkedIdentity).where(LinkedIdentity.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
