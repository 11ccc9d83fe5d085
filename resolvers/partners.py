"""Root fields of the partners domain: apiKeys, trustedDocuments and the mutations that manage
them (the rules are in app.partners.keys and app.partners.trusted)."""

from __future__ import annotations

import strawberry

from app.pagination import PageRequest
from app.partners import keys, trusted
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import Connection, selects_total_count
from schema.partners import (
    ApiKey,
    CreateApiKeyInput,
    CreateApiKeyPayload,
    RevokeApiKeyInput,
    RevokeApiKeyPayload,
    RevokeTrustedDocumentInput,
    RevokeTrustedDocumentPayload,
    RotateApiKeyInput,
    RotateApiKeyPayload,
    TrustedDocument,
    UploadTrustedDocumentsInput,
    UploadTrustedDocumentsPayload,
    document_validator,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="Your API keys, newest first; admins may pass `everyone: true` for every "
        "user's (FORBIDDEN otherwise)."
    )
    async def api_keys(
        self,
        info: Info,
        everyone: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ApiKey]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await keys.list_api_keys(
                session,
                actor=actor,
                everyone=everyone,
                request=request,
                with_total=selects_total_count(info),
            )
        return Connection[ApiKey].from_page(page, ApiKey.from_model)

    @strawberry.field(
        description="Your trusted documents, newest first: of one manifest (`manifest`) or all; "
        "revoked ones only with `includeRevoked`."
    )
    async def trusted_documents(
        self,
        info: Info,
        manifest: str | None = None,
        include_revoked: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TrustedDocument]:
        actor = await require_actor(info)
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await trusted.list_trusted_documents(
                session,
                actor=actor,
                manifest=manifest,
                include_revoked=include_revoked,
                request=request,
                with_total=selects_total_count(info),
            )
        return Connection[TrustedDocument].from_page(page, TrustedDocument.from_model)


@strawberry.type
class Mutation:
    @mutation(
        description="A new API key of yours; its secret is in the payload this once (UNKNOWN_"
        "SCOPE, MANIFEST_REQUIRED, INVALID_MANIFEST_NAME, API_KEY_LIMIT). Needs a signed-in "
        "session: an API key cannot manage keys (FORBIDDEN)."
    )
    async def create_api_key(
        self, info: Info, input: CreateApiKeyInput, tx: Tx
    ) -> CreateApiKeyPayload:
        issued = await keys.create_api_key(
            tx.session, actor=tx.actor, settings=info.context.settings, **input.arguments()
        )
        return CreateApiKeyPayload(api_key=ApiKey.from_model(issued.row), secret=issued.secret)

    @mutation(
        description="A new secret for one of your live keys; the old secret stops working at "
        "once (API_KEY_REVOKED for a revoked or expired key)."
    )
    async def rotate_api_key(
        self, info: Info, input: RotateApiKeyInput, tx: Tx
    ) -> RotateApiKeyPayload:
        issued = await keys.rotate_api_key(
            tx.session, actor=tx.actor, key_id=input.arguments()["id"]
        )
        return RotateApiKeyPayload(api_key=ApiKey.from_model(issued.row), secret=issued.secret)

    @mutation(description="Revoke one of your keys (admins: anyone's) at once and for good.")
    async def revoke_api_key(
        self, info: Info, input: RevokeApiKeyInput, tx: Tx
    ) -> RevokeApiKeyPayload:
        row = await keys.revoke_api_key(tx.session, actor=tx.actor, key_id=input.arguments()["id"])
        return RevokeApiKeyPayload(api_key=ApiKey.from_model(row))

    @mutation(
        description="Add documents to one of your manifests; each is checked (INVALID_DOCUMENT_"
        "ID, DOCUMENT_HASH_MISMATCH, INVALID_DOCUMENT) and nothing is stored unless all pass."
    )
    async def upload_trusted_documents(
        self, info: Info, input: UploadTrustedDocumentsInput, tx: Tx
    ) -> UploadTrustedDocumentsPayload:
        rows = await trusted.upload_trusted_documents(
            tx.session, actor=tx.actor, validate=document_validator(info), **input.arguments()
        )
        return UploadTrustedDocumentsPayload(
            documents=[TrustedDocument.from_model(r) for r in rows]
        )

    @mutation(description="Stop trusting one document of your manifests (admins: anyone's).")
    async def revoke_trusted_document(
        self, info: Info, input: RevokeTrustedDocumentInput, tx: Tx
    ) -> RevokeTrustedDocumentPayload:
        row = await trusted.revoke_trusted_document(
            tx.session, actor=tx.actor, document_id=input.arguments()["id"]
        )
        return RevokeTrustedDocumentPayload(trusted_document=TrustedDocument.from_model(row))


@strawberry.type
class Subscription:
    pass
