"""GraphQL types of Web Push: the caller's push devices (browser subscriptions), and the
register/remove inputs and payloads.

A `PushDevice` is seen by its owner only (anyone else: NOT_FOUND). Register the JSON of the
browser's `PushSubscription` (`endpoint`, `keys.p256dh`, `keys.auth`) after subscribing with
`applicationServerKey` = `webPushPublicKey`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay

from app.notifications import models
from app.notifications import push as service
from app.notifications.models import PushDevice as PushDeviceModel
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload
from schema.core.relay import ModelNode

strawberry.enum(
    models.PushPlatform, name="PushPlatform", description="The kind of push channel of a device."
)
PushPlatform = models.PushPlatform


@strawberry.type(description="A browser (or app) of yours that receives push notifications.")
class PushDevice(ModelNode):
    id: relay.NodeID[str]
    platform: PushPlatform = strawberry.field(description="WEB for a browser subscription.")
    endpoint: str = strawberry.field(
        description="The push service URL of the subscription: compare it with the current "
        "browser's `PushSubscription.endpoint` to tell which device this browser is."
    )
    failure_count: int = strawberry.field(
        description="Consecutive pushes the push service did not accept (0 after a success)."
    )
    created_at: datetime
    last_seen_at: datetime | None = strawberry.field(description="When it was last registered.")

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[PushDeviceModel | None]:
        return await info.context.loaders.notifications.push_devices.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[PushDeviceModel | None]
    ) -> Sequence[PushDeviceModel | None]:
        viewer = await viewer_of(info)
        return [row if row is not None and service.may_read(viewer, row) else None for row in rows]

    @classmethod
    def from_model(cls, row: PushDeviceModel) -> Self:
        return cls(
            id=str(row.id),
            platform=row.platform,
            endpoint=row.token,
            failure_count=row.failure_count,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
        )


@strawberry.input(
    description="A browser's Web Push subscription (`PushSubscription.toJSON()`: endpoint and "
    "keys). Registering an endpoint again updates it."
)
class RegisterPushDeviceInput(Input):
    endpoint: str = strawberry.field(
        description="The push service URL (https; at most 512 characters)."
    )
    p256dh: str = strawberry.field(
        description="`keys.p256dh`: the browser's P-256 public key, base64url (65 bytes)."
    )
    auth: str = strawberry.field(description="`keys.auth`: the auth secret, base64url (16 bytes).")


@strawberry.type
class RegisterPushDevicePayload(Payload):
    device: PushDevice | None = None


@strawberry.input(description="Stop pushing to one of your devices.")
class RemovePushDeviceInput(Input):
    id: strawberry.ID = node_id("PushDevice", description="The PushDevice to remove.")


@strawberry.type
class RemovePushDevicePayload(Payload):
    removed_device_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of the removed device."
    )
