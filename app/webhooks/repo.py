"""All SQL of outbound webhooks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import User
from app.db import rows_with
from app.ids import new_id
from app.pagination import Page, PageRequest, SortKey, paginate
from app.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery, WebhookStatus


async def any_active_subscriber(session: AsyncSession, event: str) -> bool:
    stmt = select(
        exists().where(Webhook.status == WebhookStatus.ACTIVE, Webhook.events.contains([event]))
    )
    return bool(await session.scalar(stmt))


async def get_webhook(
    session: AsyncSession, webhook_id: uuid.UUID, *, for_update: bool = False
) -> Webhook | None:
    stmt = select(Webhook).where(Webhook.id == webhook_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def webhooks_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Webhook | None]:
    found = {w.id: w for w in await rows_with(session, Webhook.id, ids)}
    return [found.get(i) for i in ids]


async def deliveries_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[WebhookDelivery | None]:
    rows = await rows_with(session, WebhookDelivery.id, ids)
    found = {d.id: d for d in rows}
    return [found.get(i) for i in ids]


async def page_webhooks(
    session: AsyncSession, *, owner_id: uuid.UUID | None, request: PageRequest, with_total: bool
) -> Page[Webhook]:
    stmt = select(Webhook)
    if owner_id is not None:
        stmt = stmt.where(Webhook.owner_id == owner_id)
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(Webhook.created_at.expression, descending=True)],
        tiebreaker=Webhook.id.expression,
        request=request,
        with_total=with_total,
    )


async def page_deliveries(
    session: AsyncSession, *, webhook_id: uuid.UUID, request: PageRequest, with_total: bool
) -> Page[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(WebhookDelivery.created_at.expression, descending=True)],
        tiebreaker=WebhookDelivery.id.expression,
        request=request,
        with_total=with_total,
    )


async def subscribers(session: AsyncSession, event: str) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(webhook id, owner id, owner role) of the active webhooks subscribed to `event`."""
    stmt = (
        select(Webhook.id, Webhook.owner_id, User.role)
        .join(User, User.id == Webhook.owner_id)
        .where(Webhook.status == WebhookStatus.ACTIVE, Webhook.events.contains([event]))
        .order_by(Webhook.id)
    )
    return [(w, o, str(r)) for w, o, r in (await session.execute(stmt)).all()]


async def add_deliveries(
    session: AsyncSession,
    *,
    webhook_ids: Sequence[uuid.UUID],
    event: str,
    event_id: uuid.UUID,
    event_data: dict[str, Any],
) -> None:
    """One PENDING delivery per webhook for this event (none twice, however often asked)."""
    if not webhook_ids:
        return
    stmt = (
        insert(WebhookDelivery)
        .values(
            [
                {
                    "id": new_id(),
                    "webhook_id": webhook_id,
                    "event": event,
                    "event_id": event_id,
                    "event_data": event_data,
                }
                for webhook_id in webhook_ids
            ]
        )
        .on_conflict_do_nothing(
            index_elements=["webhook_id", "event_id"],
            index_where=WebhookDelivery.redelivery_of_id.is_(None),
        )
    )
    await session.execute(stmt)


async def unsent_deliveries_of_event(session: AsyncSession, event_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(WebhookDelivery.id).where(
        WebhookDelivery.event_id == event_id,
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.attempts == 0,
    )
    return list(await session.scalars(stmt))


async def pending_deliveries_of_webhook(
    session: AsyncSession, webhook_id: uuid.UUID
) -> list[tuple[uuid.UUID, int]]:
    stmt = (
        select(WebhookDelivery.id, WebhookDelivery.attempts)
        .where(
            WebhookDelivery.webhook_id == webhook_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
    )
    return [(i, int(a)) for i, a in (await session.execute(stmt)).all()]


async def get_delivery(
    session: AsyncSession, delivery_id: uuid.UUID, *, for_update: bool = False
) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def get_owner(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def record_success(session: AsyncSession, webhook_id: uuid.UUID) -> None:
    await session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id, Webhook.consecutive_failures != 0)
        .values(consecutive_failures=0)
    )


async def record_failure(
    session: AsyncSession, webhook_id: uuid.UUID, *, threshold: int, now: datetime
) -> WebhookStatus:
    """Counts one more failed attempt; pauses the webhook at `threshold` in a row."""
    stmt = (
        update(Webhook)
        .where(Webhook.id == webhook_id)
        .values(consecutive_failures=Webhook.consecutive_failures + 1)
        .returning(Webhook.consecutive_failures, Webhook.status)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return WebhookStatus.PAUSED
    failures, status = int(row[0]), WebhookStatus(row[1])
    if status == WebhookStatus.ACTIVE and failures >= threshold:
        await session.execute(
            update(Webhook)
            .where(Webhook.id == webhook_id)
            .values(status=WebhookStatus.PAUSED, paused_at=now)
        )
        return WebhookStatus.PAUSED
    return status
