"""Root mutations of the upload flow: request an upload target, then finalize the upload."""

from __future__ import annotations

import strawberry

from app.media import service
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.media import (
    FileAsset,
    FinalizeUploadInput,
    FinalizeUploadPayload,
    RequestUploadInput,
    RequestUploadPayload,
    UploadTicket,
)


@strawberry.type
class Mutation:
    @mutation(
        description="Start an upload: checks purpose, type and size, returns a signed target "
        "(valid one hour) the client sends the file to directly."
    )
    async def request_upload(
        self, info: Info, input: RequestUploadInput, tx: Tx
    ) -> RequestUploadPayload:
        ticket = await service.request_upload(
            tx.session, info.context.storage, owner_id=tx.actor.id, **input.arguments()
        )
        return RequestUploadPayload(upload=UploadTicket.of(ticket.file_asset_id, ticket.target))

    @mutation(
        description="Confirm an upload: the object must exist with the declared size, and its "
        "sniffed content type must be allowed; otherwise the file is rejected for good (request "
        "a new upload). Someone else's file is NOT_FOUND."
    )
    async def finalize_upload(
        self, info: Info, input: FinalizeUploadInput
    ) -> FinalizeUploadPayload:
        ctx = info.context
        # Its own transaction: a rejected file stays REJECTED although the mutation fails.
        asset = await service.finalize_upload_committed(
            ctx.db,
            ctx.storage,
            owner_id=(await require_actor(info)).id,
            scan=service.load_scan_hook(ctx.settings.upload_scan_hook),
            **input.arguments(),
        )
        return FinalizeUploadPayload(file=FileAsset.from_model(asset))
