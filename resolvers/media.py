"""Root mutations of the upload flow: request an upload target, then finalize the upload."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from app.media import service
from app.media.service import UploadRejected
from schema.core.auth import require_user
from schema.core.context import Info
from schema.core.mutation import run_mutation
from schema.media import (
    FileAsset,
    FinalizeUploadInput,
    FinalizeUploadPayload,
    HttpHeader,
    RequestUploadInput,
    RequestUploadPayload,
    UploadTicket,
)


async def _request(info: Info, input: RequestUploadInput) -> dict[str, Any]:
    user = await require_user(info)
    async with info.context.db.transaction() as session:
        ticket = await service.request_upload(
            session,
            info.context.storage,
            owner_id=user.id,
            purpose=input.purpose.to_model(),
            file_name=input.file_name,
            content_type=input.content_type,
            size=input.size,
        )
    target = ticket.target
    return {
        "upload": UploadTicket(
            file_id=strawberry.ID(str(relay.GlobalID("FileAsset", str(ticket.file_asset_id)))),
            url=target.url,
            method=target.method,
            headers=[HttpHeader(name=k, value=v) for k, v in target.headers.items()],
            expires_at=target.expires_at,
        )
    }


async def _finalize(info: Info, input: FinalizeUploadInput) -> dict[str, Any]:
    user = await require_user(info)
    scan = service.load_scan_hook(info.context.settings.upload_scan_hook)
    rejected: UploadRejected | None = None
    async with info.context.db.transaction() as session:
        try:
            asset = await service.finalize_upload(
                session,
                info.context.storage,
                owner_id=user.id,
                file_asset_id=input.file_uuid(),
                scan=scan,
            )
        except UploadRejected as exc:  # keep the REJECTED status: commit, then report
            rejected = exc
    if rejected is not None:
        raise rejected
    return {"file": FileAsset.from_model(asset)}


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Start an upload: checks purpose, type and size, returns a signed target "
        "(valid one hour) the client sends the file to directly."
    )
    async def request_upload(self, info: Info, input: RequestUploadInput) -> RequestUploadPayload:
        return await run_mutation(RequestUploadPayload, _request(info, input))

    @strawberry.mutation(
        description="Confirm an upload: the object must exist with the declared size, and its "
        "sniffed content type must be allowed; otherwise the file is rejected."
    )
    async def finalize_upload(
        self, info: Info, input: FinalizeUploadInput
    ) -> FinalizeUploadPayload:
        return await run_mutation(FinalizeUploadPayload, _finalize(info, input))
