"""GraphQL types of the partners domain: API keys, trusted documents, their inputs and payloads.

An `ApiKey` is seen by its owner and by admins; its secret only in the payload of
`createApiKey` / `rotateApiKey`. A `TrustedDocument` is seen by the owner of its manifest and by
admins. See docs/api.md, "API keys" and "Trusted documents".
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Self

import strawberry
from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)
from strawberry import relay

from app.admin.models import ApiKey as ApiKeyModel
from app.admin.models import TrustedDocument as TrustedDocumentModel
from app.clock import utcnow
from app.pagination import PageRequest
from app.partners import keys, trusted
from app.partners.trusted import Validate
from app.partners.usage import Usage
from app.security.permissions import Permission
from schema.accounts.types import User
from schema.core.auth import require_actor, viewer_of
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.limits import alias_rule, depth_rule
from schema.core.mutation import Payload
from schema.core.relay import Connection, ModelNode, selects_total_count
from schema.core.values import ValidTextRule


async def _usage(info: Info, key_id: uuid.UUID) -> Usage:
    ctx = info.context
    loader = ctx.loaders.partners.usage(ctx.redis, ctx.settings.queue_namespace)
    return await loader.load(key_id)


@strawberry.enum(
    description="What a key may do: `READ` (queries), `WRITE` (mutations) and the permissions "
    "a service checks; the key never has more than its owner."
)
class ApiKeyScope(enum.StrEnum):
    READ = keys.SCOPE_READ
    WRITE = keys.SCOPE_WRITE
    COURSES_CREATE = Permission.COURSES_CREATE.value
    COURSES_PUBLISH = Permission.COURSES_PUBLISH.value
    COURSES_REVIEW = Permission.COURSES_REVIEW.value
    COURSES_MANAGE = Permission.COURSES_MANAGE.value
    USERS_MANAGE = Permission.USERS_MANAGE.value
    REFUNDS_MANAGE = Permission.REFUNDS_MANAGE.value
    MODERATION_MANAGE = Permission.MODERATION_MANAGE.value
    GRADES_MANAGE = Permission.GRADES_MANAGE.value
    ANALYTICS_VIEW_PLATFORM = Permission.ANALYTICS_VIEW_PLATFORM.value
    ANALYTICS_VIEW_COURSE = Permission.ANALYTICS_VIEW_COURSE.value
    ANNOUNCEMENTS_PUBLISH = Permission.ANNOUNCEMENTS_PUBLISH.value
    CMS_MANAGE = Permission.CMS_MANAGE.value


@strawberry.type(
    description="A partner API key of yours (admins: anyone's). Send it as "
    "`Authorization: Bearer <key>` or `X-Api-Key: <key>`; the request then acts as the key's "
    "owner with the owner's permissions limited to the key's scopes."
)
class ApiKey(ModelNode):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Who or what the key is for (the partner, an app).")
    prefix: str = strawberry.field(
        description="The start of the key (`ews_` and its 12-character prefix), to recognise it; "
        "the secret is shown only once, when the key is created or rotated."
    )
    scopes: list[ApiKeyScope] = strawberry.field(
        description="What the key may do; never more than its owner."
    )
    trusted_only: bool = strawberry.field(
        description="The key runs only the trusted documents of its manifest."
    )
    manifest: str | None = strawberry.field(
        description="The manifest of trusted documents the key runs by `documentId`."
    )
    rate_limit_per_minute: int = strawberry.field(
        description="The key's own budget of cost points per minute (apart from its owner's)."
    )
    expires_at: datetime | None = strawberry.field(description="Null: never expires.")
    revoked_at: datetime | None
    created_at: datetime
    active: bool = strawberry.field(description="Not revoked and not expired: the key works.")
    owner_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Whose key it is: the user the key acts as.")
    async def owner(self, info: Info) -> User | None:
        if self.owner_id is None:
            return None
        row = await info.context.loaders.accounts.users.load(self.owner_id)
        return User.from_model(row) if row is not None and row.deleted_at is None else None

    @strawberry.field(
        description="The trusted documents of the key's manifest (empty without one), newest "
        "first; revoked ones only with `includeRevoked`."
    )
    async def trusted_documents(
        self,
        info: Info,
        include_revoked: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TrustedDocument]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await trusted.list_manifest_documents(
                session,
                actor=actor,
                owner_id=self.owner_id,
                manifest=self.manifest,
                include_revoked=include_revoked,
                request=request,
                with_total=selects_total_count(info),
            )
        return Connection[TrustedDocument].from_page(page, TrustedDocument.from_model)

    @strawberry.field(description="Operations run with the key (each charged to its budget).")
    async def request_count(self, info: Info) -> int:
        return (await _usage(info, uuid.UUID(self.id))).request_count

    @strawberry.field(description="Cost points the key's operations were charged, in total.")
    async def cost_used(self, info: Info) -> int:
        return (await _usage(info, uuid.UUID(self.id))).cost_used

    @strawberry.field(description="When the key last ran an operation; null if never.")
    async def last_used_at(self, info: Info) -> datetime | None:
        return (await _usage(info, uuid.UUID(self.id))).last_used_at

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[ApiKeyModel | None]:
        return await info.context.loaders.partners.api_keys.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[ApiKeyModel | None]
    ) -> Sequence[ApiKeyModel | None]:
        viewer = await viewer_of(info)
        return [row if row is not None and keys.may_read(viewer, row) else None for row in rows]

    @classmethod
    def from_model(cls, row: ApiKeyModel) -> Self:
        return cls(
            id=str(row.id),
            name=row.name,
            prefix=f"{keys.KEY_START}{row.key_prefix}",
            scopes=[ApiKeyScope(s) for s in row.scopes],
            trusted_only=row.trusted_only,
            manifest=row.manifest,
            rate_limit_per_minute=row.rate_limit_per_minute,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            created_at=row.created_at,
            active=keys.is_live(row, utcnow()),
            owner_id=row.owner_id,
        )


@strawberry.type(
    description="An operation of one of your trusted-document manifests: run it by sending "
    "`documentId` instead of `query`."
)
class TrustedDocument(ModelNode):
    id: relay.NodeID[str]
    document_id: str = strawberry.field(description="`sha256:<hex>` of the document's text.")
    manifest: str
    operation_name: str | None
    document: str = strawberry.field(description="The operation's text.")
    created_at: datetime
    revoked_at: datetime | None = strawberry.field(
        description="Set once revoked: keys bound to the manifest can no longer run it."
    )

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[TrustedDocumentModel | None]:
        return await info.context.loaders.partners.trusted_documents.load_many(ids)

    @classmethod
    async def visible(
        cls, info: Info, rows: Sequence[TrustedDocumentModel | None]
    ) -> Sequence[TrustedDocumentModel | None]:
        viewer = await viewer_of(info)
        return [r if r is not None and trusted.may_read(viewer, r) else None for r in rows]

    @classmethod
    def from_model(cls, row: TrustedDocumentModel) -> Self:
        return cls(
            id=str(row.id),
            document_id=f"sha256:{row.sha256}",
            manifest=row.manifest,
            operation_name=row.operation_name,
            document=row.document,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


def document_validator(info: Info) -> Validate:
    """Checks a trusted document as a request would be checked: it parses (within the token
    limit), validates against this schema and its depth/alias limits, and holds exactly one
    query or mutation. Its operation name, or ValueError."""
    settings = info.context.settings
    schema = info.schema._schema
    rules = [
        *specified_rules,
        depth_rule(settings.graphql_max_depth),
        alias_rule(settings.graphql_max_aliases),
        ValidTextRule,
    ]

    def check(text: str) -> str | None:
        try:
            document = parse(text, max_tokens=settings.graphql_max_tokens)
        except GraphQLError as exc:
            raise ValueError(exc.message) from exc
        if errors := validate(schema, document, rules):
            raise ValueError(errors[0].message)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1:
            raise ValueError("A trusted document holds exactly one operation")
        if operations[0].operation == OperationType.SUBSCRIPTION:
            raise ValueError("Subscriptions cannot be trusted documents (they run over WebSocket)")
        name = operations[0].name
        return name.value if name is not None else None

    return check


# --- inputs and payloads -----------------------------------------------------------------------


@strawberry.input(description="A new API key of yours.")
class CreateApiKeyInput(Input):
    name: str = strawberry.field(description="Who or what it is for (1-120 characters).")
    scopes: list[ApiKeyScope] = strawberry.field(
        description="At least one: `READ`, `WRITE` and the permissions the key may use."
    )
    trusted_only: bool = strawberry.field(
        default=False,
        description="Run only the trusted documents of `manifest` (then `manifest` is required).",
    )
    manifest: str | None = strawberry.field(
        default=None, description="The name of your manifest the key runs by `documentId`."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the key stops working (in the future); null: never."
    )
    rate_limit_per_minute: int | None = strawberry.field(
        default=None,
        description="The key's budget of cost points per minute (default: the server's).",
    )


@strawberry.type
class CreateApiKeyPayload(Payload):
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The key itself: shown this once, never again (only its hash is stored).",
    )


@strawberry.input(description="A new secret for one of your keys; the old one stops at once.")
class RotateApiKeyInput(Input):
    id: strawberry.ID = node_id("ApiKey", description="The ApiKey to rotate.")


@strawberry.type
class RotateApiKeyPayload(Payload):
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None, description="The new key: shown this once, never again."
    )


@strawberry.input(description="Revoke one of your keys (admins: anyone's), for good.")
class RevokeApiKeyInput(Input):
    id: strawberry.ID = node_id("ApiKey", description="The ApiKey to revoke.")


@strawberry.type
class RevokeApiKeyPayload(Payload):
    api_key: ApiKey | None = None


@strawberry.input(description="One operation of a manifest, by its id.")
class TrustedDocumentInput(Input):
    document_id: str = strawberry.field(
        description="`sha256:` and the 64 lower-case hex digits of the SHA-256 of `document`."
    )
    document: str = strawberry.field(description="The operation's text, exactly as hashed.")


@strawberry.input(description="Add documents to one of your manifests (all or nothing).")
class UploadTrustedDocumentsInput(Input):
    manifest: str = strawberry.field(
        description="The manifest's name (1-100 letters, digits, `.`, `_`, `-`)."
    )
    documents: list[TrustedDocumentInput] = strawberry.field(
        description="1-100 documents; one already in the manifest is kept (and trusted again)."
    )


@strawberry.type
class UploadTrustedDocumentsPayload(Payload):
    documents: list[TrustedDocument] | None = None


@strawberry.input(description="Stop trusting one document of your manifests.")
class RevokeTrustedDocumentInput(Input):
    id: strawberry.ID = node_id("TrustedDocument", description="The TrustedDocument to revoke.")


@strawberry.type
class RevokeTrustedDocumentPayload(Payload):
    trusted_document: TrustedDocument | None = None
