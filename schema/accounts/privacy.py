"""GraphQL types of the GDPR rights: data exports, account deletion, admin erasure."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from app.accounts import privacy_models as models
from schema.core.inputs import Input, node_id
from schema.core.mutation import Payload


@strawberry.enum(description="Where an export of my data stands.")
class DataExportState(Enum):
    REQUESTED = "requested"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


@strawberry.type(description="An export of my data: a zip of JSON files, one per area.")
class DataExport:
    model: strawberry.Private[models.DataExport]
    url: strawberry.Private[str | None] = None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
    def state(self) -> DataExportState:
        return DataExportState(self.model.state.value)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(description="When it became ready.")
    def completed_at(self) -> datetime | None:
        return self.model.completed_at

    @strawberry.field(description="When the download link and the file expire.")
    def expires_at(self) -> datetime | None:
        return self.model.expires_at

    @strawberry.field
    def size_bytes(self) -> int | None:
        return self.model.size_bytes

    @strawberry.field(
        description="A signed link to the zip while it is READY and not expired; else null."
    )
    def download_url(self) -> str | None:
        return self.url


@strawberry.type(description="A scheduled erasure of an account (cancellable until then).")
class AccountDeletion:
    model: strawberry.Private[models.AccountDeletion]

    @strawberry.field(description="When the account will be erased.")
    def erase_after(self) -> datetime:
        return self.model.erase_after

    @strawberry.field
    def requested_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field(
        description="Whether certificates stay verifiable (without a name) after erasure."
    )
    def keep_certificates_verifiable(self) -> bool:
        return self.model.keep_certificates_verifiable


@strawberry.input
class DeleteMyAccountInput(Input):
    password: str | None = strawberry.field(
        default=None,
        description="The account's current password; required unless the account has none "
        "(made by signing in with a provider: the e-mailed link is then the only proof).",
    )
    keep_certificates_verifiable: bool = strawberry.field(
        default=False,
        description="Keep my certificates verifiable by their code (showing no name) after "
        "erasure; otherwise they are deleted.",
    )


@strawberry.input
class ConfirmAccountDeletionInput(Input):
    token: str = strawberry.field(description="The `token` parameter of the e-mailed link.")


@strawberry.input
class EraseUserInput(Input):
    user_id: strawberry.ID = node_id("User")
    immediate: bool = strawberry.field(
        default=False,
        description="Erase now (at the worker's next turn) instead of after the cool-off.",
    )
    keep_certificates_verifiable: bool = strawberry.field(
        default=True, description="Keep the user's certificates verifiable, without the name."
    )


@strawberry.type
class ExportMyDataPayload(Payload):
    export: DataExport | None = None


@strawberry.type
class DeleteMyAccountPayload(Payload):
    ok: bool = strawberry.field(
        default=False, description="True when the confirmation e-mail is on its way."
    )


@strawberry.type
class ConfirmAccountDeletionPayload(Payload):
    deletion: AccountDeletion | None = None


@strawberry.type
class CancelAccountDeletionPayload(Payload):
    ok: bool = False


@strawberry.type
class EraseUserPayload(Payload):
    deletion: AccountDeletion | None = None
