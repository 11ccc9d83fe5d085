"""GraphQL types of media: FileAsset (a relay Node), upload targets, inputs and payloads."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from app.media import models, repo
from app.media.service import can_read_file, file_download_url
from app.security.permissions import Actor
from schema.core.auth import actor_of, current_user
from schema.core.context import Info
from schema.core.mutation import UserError
from schema.core.relay import NOWHERE, node_uuid, raw_uuid


@strawberry.enum(description="What a file is uploaded for; each has its own types and size limit.")
class UploadPurpose(enum.Enum):
    AVATAR = models.FilePurpose.AVATAR.value
    COURSE_IMAGE = models.FilePurpose.COURSE_IMAGE.value
    LESSON_RESOURCE = models.FilePurpose.LESSON_RESOURCE.value
    COURSE_RESOURCE = models.FilePurpose.COURSE_RESOURCE.value
    ASSIGNMENT_SUBMISSION = models.FilePurpose.ASSIGNMENT_SUBMISSION.value
    EXAM_SUBMISSION = models.FilePurpose.EXAM_SUBMISSION.value
    EXAM_RESOURCE = models.FilePurpose.EXAM_RESOURCE.value
    VIDEO = models.FilePurpose.LESSON_VIDEO.value

    def to_model(self) -> models.FilePurpose:
        return models.FilePurpose(self.value)


FileStatus = strawberry.enum(models.FileStatus, name="FileStatus")


async def viewer_actor(info: Info) -> Actor | None:
    user = await current_user(info)
    return actor_of(info.context, user) if user is not None else None


@strawberry.type(name="FileAsset", description="An uploaded file; visible to its owner and admins.")
class FileAsset(relay.Node):
    id: relay.NodeID[str]
    model: strawberry.Private[models.FileAsset]

    @classmethod
    def from_model(cls, asset: models.FileAsset) -> FileAsset:
        return cls(id=str(asset.id), model=asset)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[FileAsset | None]:
        ids = [raw_uuid(i) or NOWHERE for i in node_ids]
        async with info.context.db.session() as session:
            found = await repo.assets_by_ids(session, ids)
        actor = await viewer_actor(info)
        return [
            cls.from_model(a) if a is not None and can_read_file(actor, a) else None for a in found
        ]

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
    def purpose(self) -> str:
        return self.model.purpose.value

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(
        description="Signed, expiring download link: for the owner and admins, once finalized."
    )
    async def download_url(self, info: Info) -> str | None:
        asset = self.model
        if asset.status not in (models.FileStatus.UPLOADED, models.FileStatus.READY):
            return None
        if not can_read_file(await viewer_actor(info), asset):
            return None
        return file_download_url(info.context.storage, asset)


@strawberry.type(description="A header the upload request must carry.")
class HttpHeader:
    name: str
    value: str


@strawberry.type(description="Where and how to send the file: one request, before expiresAt.")
class UploadTicket:
    file_id: strawberry.ID
    url: str
    method: str
    headers: list[HttpHeader]
    expires_at: datetime


@strawberry.input
class RequestUploadInput:
    purpose: UploadPurpose
    file_name: str
    content_type: str
    size: int = strawberry.field(description="Exact size in bytes; checked at finalize.")


@strawberry.type
class RequestUploadPayload:
    errors: list[UserError]
    upload: UploadTicket | None = None


@strawberry.input
class FinalizeUploadInput:
    file_id: strawberry.ID

    def file_uuid(self) -> uuid.UUID:
        return node_uuid(str(self.file_id), "FileAsset")


@strawberry.type
class FinalizeUploadPayload:
    errors: list[UserError]
    file: FileAsset | None = None
