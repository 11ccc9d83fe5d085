"""GraphQL types of media: FileAsset (a relay node), upload tickets, inputs and payloads."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from app.integrations.storage import UploadTarget
from app.media import models
from app.media.service import FINAL, asset_url, can_read_file, file_download_url
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload
from schema.core.relay import ModelNode


@strawberry.enum(
    description="What a file is uploaded for; each has its own types and size limit. AVATAR, "
    "COURSE_IMAGE and BLOG_IMAGE files are public (read at a stable URL); the others are "
    "private."
)
class UploadPurpose(enum.Enum):
    AVATAR = models.FilePurpose.AVATAR
    COURSE_IMAGE = models.FilePurpose.COURSE_IMAGE
    LESSON_RESOURCE = models.FilePurpose.LESSON_RESOURCE
    COURSE_RESOURCE = models.FilePurpose.COURSE_RESOURCE
    ASSIGNMENT_SUBMISSION = models.FilePurpose.ASSIGNMENT_SUBMISSION
    EXAM_SUBMISSION = models.FilePurpose.EXAM_SUBMISSION
    EXAM_RESOURCE = models.FilePurpose.EXAM_RESOURCE
    VIDEO = models.FilePurpose.LESSON_VIDEO
    CAPTION = models.FilePurpose.CAPTION
    BLOG_IMAGE = models.FilePurpose.BLOG_IMAGE


FileStatus = strawberry.enum(
    models.FileStatus,
    name="FileStatus",
    description="PENDING until finalized; UPLOADED (checked) or READY may be read; REJECTED "
    "failed a check at finalize.",
)


@strawberry.type(name="FileAsset", description="An uploaded file; visible to its owner and admins.")
class FileAsset(ModelNode):
    id: relay.NodeID[str]
    model: strawberry.Private[models.FileAsset]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[Any]:
        return await info.context.loaders.media.assets.load_many(ids)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> Sequence[Any]:
        viewer = await viewer_of(info)
        return [row if row is not None and can_read_file(viewer, row) else None for row in rows]

    @classmethod
    def from_model(cls, row: models.FileAsset) -> FileAsset:
        return cls(id=str(row.id), model=row)

    @strawberry.field
    def file_name(self) -> str:
        return self.model.file_name

    @strawberry.field(description="MIME type (declared, and confirmed by content once finalized).")
    def content_type(self) -> str:
        return self.model.content_type

    @strawberry.field(description="Size in bytes.")
    def size(self) -> int:
        return self.model.size_bytes

    @strawberry.field
    def status(self) -> FileStatus:  # type: ignore[valid-type]
        return self.model.status

    @strawberry.field
    def purpose(self) -> UploadPurpose:
        return UploadPurpose(self.model.purpose.value)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(
        description="Where to show the file once finalized: a stable public URL for AVATAR and "
        "COURSE_IMAGE files, else a signed link that expires (ask again for a fresh one)."
    )
    def url(self, info: Info) -> str | None:
        if self.model.status not in FINAL:
            return None
        return asset_url(info.context.storage, self.model)

    @strawberry.field(
        description="A signed link that expires and downloads the file under its name, once "
        "finalized."
    )
    def download_url(self, info: Info) -> str | None:
        if self.model.status not in FINAL:
            return None
        return file_download_url(info.context.storage, self.model)


@strawberry.type(description="A header the upload request must carry.")
class HttpHeader:
    name: str
    value: str


@strawberry.type(description="Where and how to send the file: one request, before expiresAt.")
class UploadTicket:
    file_id: strawberry.ID = strawberry.field(description="The FileAsset to finalize afterwards.")
    url: str
    method: str
    headers: list[HttpHeader]
    expires_at: datetime

    @classmethod
    def of(cls, file_id: uuid.UUID, target: UploadTarget) -> Self:
        return cls(
            file_id=strawberry.ID(relay.to_base64("FileAsset", str(file_id))),
            url=target.url,
            method=target.method,
            headers=[HttpHeader(name=k, value=v) for k, v in target.headers.items()],
            expires_at=target.expires_at,
        )


@strawberry.input
class RequestUploadInput(Input):
    purpose: UploadPurpose
    file_name: str
    content_type: str
    size: int = strawberry.field(description="Exact size in bytes; checked at finalize.")


@strawberry.type
class RequestUploadPayload(Payload):
    upload: UploadTicket | None = None


@strawberry.input
class FinalizeUploadInput(Input):
    file_id: strawberry.ID = node_id("FileAsset", description="The upload ticket's fileId.")


@strawberry.type
class FinalizeUploadPayload(Payload):
    file: FileAsset | None = None
