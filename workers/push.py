"""Web Push actor: send one notification to its recipient's browsers (idempotent per device)."""

from __future__ import annotations

import uuid

import dramatiq

from app.notifications.push import WebPushSender, deliver_push
from app.notifications.vapid import load_vapid
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime


@dramatiq.actor(max_retries=MAX_RETRIES)
async def send_push(notification_id: str) -> None:
    """Raises PushNotSent while some device is not reached (Dramatiq retries with backoff);
    devices already reached are not sent again."""
    runtime = get_runtime()
    await deliver_push(
        runtime.db,
        uuid.UUID(notification_id),
        sender=WebPushSender(load_vapid(runtime.settings)),
        redis=runtime.redis,
        settings=runtime.settings,
    )
