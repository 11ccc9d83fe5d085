"""Root fields of notification preferences (notifications domain)."""

from __future__ import annotations

import strawberry

from app.notifications import preferences as service
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.notifications.preferences import (
    NotificationPreference,
    UpdateNotificationPreferencesInput,
    UpdateNotificationPreferencesPayload,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="Every notification type with how it reaches you: your choice, or the type's "
        "defaults where you made none."
    )
    async def notification_preferences(self, info: Info) -> list[NotificationPreference]:
        actor = await require_actor(info)
        async with info.context.db.session() as session:
            rows = await service.list_preferences(session, actor=actor)
        return [NotificationPreference.of(t, c) for t, c in rows]


@strawberry.type
class Mutation:
    @mutation(
        description="Change how notifications of some types reach you; omitted channels keep "
        "their value (DUPLICATE_TYPE, NOT_CHOOSABLE; TRANSACTIONAL_EMAIL: payment and refund "
        "e-mails cannot be turned off or put in a digest)."
    )
    async def update_notification_preferences(
        self, info: Info, input: UpdateNotificationPreferencesInput, tx: Tx
    ) -> UpdateNotificationPreferencesPayload:
        rows = await service.update_preferences(tx.session, actor=tx.actor, **input.arguments())
        return UpdateNotificationPreferencesPayload(
            preferences=[NotificationPreference.of(t, c) for t, c in rows]
        )


@strawberry.type
class Subscription:
    pass
