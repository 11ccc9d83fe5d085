"""The webhooks domain's part of a GDPR export and erasure: the user's webhook subscriptions
(and their delivery logs) are deleted; other subscribers' delivery logs that carried the user's
e-mail address or full name have them replaced."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.privacy import ErasureSubject, plain_rows, scrub_json, scrub_text
from app.webhooks.models import Webhook, WebhookDelivery


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    hooks = await session.execute(
        select(Webhook.id, Webhook.url, Webhook.events, Webhook.status, Webhook.created_at).where(
            Webhook.owner_id == user_id
        )
    )
    return {"webhooks": plain_rows(hooks.all())}


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    await session.execute(delete(Webhook).where(Webhook.owner_id == subject.user_id))
    await scrub_json(session, WebhookDelivery.event_data, subject)
    await scrub_text(session, WebhookDelivery.body, subject)
    await scrub_text(session, WebhookDelivery.response_body, subject)
