"""GraphQL types of notification preferences: per type, the in-app, e-mail and push channels."""

from __future__ import annotations

import strawberry

from app.notifications.preferences import POLICIES, Channels, PreferenceChange
from schema.core.inputs import Input
from schema.core.mutation import Payload
from schema.notifications.notifications import EmailDigestFrequency, NotificationType


@strawberry.type(
    description="How notifications of one type reach you (your choice, or the type's defaults)."
)
class NotificationPreference:
    type: NotificationType
    in_app: bool = strawberry.field(
        description="Listed in your notifications (and pushed live to open apps)."
    )
    email: bool
    push: bool = strawberry.field(description="Web Push to your registered devices.")
    email_digest: EmailDigestFrequency = strawberry.field(
        description="E-mails at once, or in a daily / weekly digest."
    )
    transactional: bool = strawberry.field(
        description="Payment and refund e-mails: always sent at once, whatever you choose."
    )

    @classmethod
    def of(cls, type: NotificationType, channels: Channels) -> NotificationPreference:
        return cls(
            type=type,
            in_app=channels.in_app,
            email=channels.email,
            push=channels.push,
            email_digest=channels.email_digest,
            transactional=POLICIES[type].transactional,
        )


@strawberry.input(description="The channels of one type to change; omitted ones stay as they are.")
class NotificationPreferenceInput(Input):
    into = PreferenceChange

    type: NotificationType
    in_app: bool | None = None
    email: bool | None = None
    push: bool | None = None
    email_digest: EmailDigestFrequency | None = None


@strawberry.input(description="Changes to your notification preferences, one entry per type.")
class UpdateNotificationPreferencesInput(Input):
    preferences: list[NotificationPreferenceInput]


@strawberry.type
class UpdateNotificationPreferencesPayload(Payload):
    preferences: list[NotificationPreference] | None = strawberry.field(
        default=None, description="Every type's preference after the change."
    )
