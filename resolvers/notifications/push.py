"""Root fields of Web Push: webPushPublicKey (public), pushDevices, registerPushDevice and
removePushDevice (the caller's own devices)."""

from __future__ import annotations

import strawberry

from app.notifications import push as service
from app.notifications.vapid import load_vapid
from app.pagination import PageRequest
from schema.core.auth import require_user
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count
from schema.notifications.push import (
    PushDevice,
    RegisterPushDeviceInput,
    RegisterPushDevicePayload,
    RemovePushDeviceInput,
    RemovePushDevicePayload,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="Public: the server's VAPID public key (base64url, uncompressed P-256 "
        "point) — pass it as `applicationServerKey` to `pushManager.subscribe`."
    )
    def web_push_public_key(self, info: Info) -> str:
        return load_vapid(info.context.settings).public_key

    @strawberry.field(description="Your push devices (browser subscriptions), newest first.")
    async def push_devices(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PushDevice]:
        user = await require_user(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_push_devices(
                session, user_id=user.id, request=request, with_total=selects_total_count(info)
            )
        return Connection[PushDevice].from_page(page, PushDevice.from_model)


@strawberry.type
class Mutation:
    @mutation(
        description="Register this browser's Web Push subscription for your notifications "
        "(INVALID_PUSH_SUBSCRIPTION); registering the same endpoint again updates it."
    )
    async def register_push_device(
        self, info: Info, input: RegisterPushDeviceInput, tx: Tx
    ) -> RegisterPushDevicePayload:
        row = await service.register_push_device(
            tx.session, actor=tx.actor, settings=info.context.settings, **input.arguments()
        )
        return RegisterPushDevicePayload(device=PushDevice.from_model(row))

    @mutation(description="Stop pushing to one of your devices (NOT_FOUND for anyone else's).")
    async def remove_push_device(
        self, info: Info, input: RemovePushDeviceInput, tx: Tx
    ) -> RemovePushDevicePayload:
        await service.remove_push_device(
            tx.session, actor=tx.actor, device_id=input.arguments()["id"]
        )
        return RemovePushDevicePayload(removed_device_id=input.id)


@strawberry.type
class Subscription:
    pass
