"""Trusted documents: manifests of GraphQL operations a partner uploads, by document id.

A document id is `sha256:<64 hex>`, the SHA-256 of the document's UTF-8 text exactly as sent. A
manifest belongs to the user who uploads it (its name is theirs: `mobile-app`, `academy-v2`); an
upload adds documents to it (one already there is kept, and trusted again if it was revoked).
Every document is checked before anything is stored: its id's hash, and that it parses and
validates against the schema — the GraphQL layer passes that check in (`validate`), since app/
knows no GraphQL. Any failure refuses the whole upload with typed errors.

A request may then send `documentId` instead of `query`: with an API key bound to a manifest, the
document is looked up in that manifest of the key's owner; otherwise among the documents any
manifest still trusts. A trusted-only key runs nothing else (schema/core/endpoint.py).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.models import TrustedDocument
from app.clock import utcnow
from app.errors import Common, FieldError, Forbidden, NotFound, collect
from app.pagination import Page, PageRequest
from app.partners import repo
from app.partners.errors import PartnersCode
from app.security.permissions import Actor, Permission, has_permission

DOCUMENT_ID = re.compile(r"sha256:([0-9a-f]{64})")
MANIFEST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
MAX_DOCUMENTS = 100

# Checks one document against the schema: its operation name (None when anonymous), or
# ValueError with what is wrong.
Validate = Callable[[str], str | None]


def digest_of(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()


def document_digest(document_id: str) -> str | None:
    """The hex digest of a `sha256:<hex>` document id; None when it is not one."""
    match = DOCUMENT_ID.fullmatch(document_id)
    return match.group(1) if match else None


def manifest_name_errors(name: str, field: str) -> list[FieldError]:
    if MANIFEST_NAME.fullmatch(name):
        return []
    return [FieldError(field, "Not a manifest name", PartnersCode.INVALID_MANIFEST_NAME)]


def _document_errors(
    index: int, document_id: str, document: str, validate: Validate
) -> tuple[list[FieldError], str | None]:
    path = f"documents[{index}]"
    digest = document_digest(document_id)
    if digest is None:
        message = "Expected `sha256:` and 64 lower-case hexadecimal characters"
        return [FieldError(f"{path}.document_id", message, PartnersCode.INVALID_DOCUMENT_ID)], None
    if digest_of(document) != digest:
        message = "The document's SHA-256 is not the one in its id"
        return [
            FieldError(f"{path}.document_id", message, PartnersCode.DOCUMENT_HASH_MISMATCH)
        ], None
    try:
        return [], validate(document)
    except ValueError as exc:
        return [FieldError(f"{path}.document", str(exc), PartnersCode.INVALID_DOCUMENT)], None


async def upload_trusted_documents(
    session: AsyncSession,
    *,
    actor: Actor,
    manifest: str,
    documents: Sequence[Mapping[str, str]],
    validate: Validate,
) -> list[TrustedDocument]:
    """Add `documents` ({document_id, document}) to the caller's manifest; all or nothing."""
    if actor.via_api_key:
        raise Forbidden("Manifests are uploaded from a signed-in session, not with an API key")
    errors = manifest_name_errors(manifest, "manifest")
    if not documents:
        errors.append(FieldError("documents", "Send at least one document", Common.REQUIRED))
    if len(documents) > MAX_DOCUMENTS:
        message = f"At most {MAX_DOCUMENTS} documents per upload"
        errors.append(FieldError("documents", message, Common.TOO_MANY))
    checked: dict[str, tuple[str | None, str]] = {}
    for i, item in enumerate(documents[:MAX_DOCUMENTS]):
        found, name = _document_errors(i, item["document_id"], item["document"], validate)
        errors.extend(found)
        if not found:
            checked[digest_of(item["document"])] = (name, item["document"])
    collect(errors)
    values = [(sha, name, text) for sha, (name, text) in checked.items()]
    return await repo.upsert_documents(
        session, owner_id=actor.id, manifest=manifest, documents=values
    )


def may_read(actor: Actor | None, row: TrustedDocument) -> bool:
    """A document is seen by the owner of its manifest, and by admins (users.manage)."""
    if actor is None:
        return False
    return row.owner_id == actor.id or has_permission(actor, Permission.USERS_MANAGE)


async def revoke_trusted_document(
    session: AsyncSession, *, actor: Actor, document_id: uuid.UUID
) -> TrustedDocument:
    """Stop trusting one document of the caller's manifests (admins: anyone's) at once; keys
    bound to the manifest can no longer run it. Revoking it again changes nothing."""
    if actor.via_api_key:
        raise Forbidden("Manifests are managed from a signed-in session, not with an API key")
    row = await repo.lock_document(session, document_id)
    if row is None or not may_read(actor, row):
        raise NotFound("TrustedDocument")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.flush()
    return row


async def list_trusted_documents(
    session: AsyncSession,
    *,
    actor: Actor,
    manifest: str | None,
    include_revoked: bool,
    request: PageRequest,
    with_total: bool = False,
) -> Page[TrustedDocument]:
    """The caller's documents (of one manifest, or all), newest first."""
    return await repo.page_of_documents(
        session,
        owner_id=actor.id,
        manifest=manifest,
        include_revoked=include_revoked,
        request=request,
        with_total=with_total,
    )


async def list_manifest_documents(
    session: AsyncSession,
    *,
    actor: Actor,
    owner_id: uuid.UUID | None,
    manifest: str | None,
    include_revoked: bool,
    request: PageRequest,
    with_total: bool = False,
) -> Page[TrustedDocument]:
    """The documents of one user's manifest (an API key's), for that user or an admin;
    nothing for a key without a manifest."""
    if owner_id is None or manifest is None:
        return Page(items=[], cursors=[], has_next=False, has_previous=False, total_count=0)
    if owner_id != actor.id and not has_permission(actor, Permission.USERS_MANAGE):
        raise NotFound("TrustedDocument")
    return await repo.page_of_documents(
        session,
        owner_id=owner_id,
        manifest=manifest,
        include_revoked=include_revoked,
        request=request,
        with_total=with_total,
    )


async def manifest_document(
    session: AsyncSession, *, owner_id: uuid.UUID, manifest: str, sha256: str
) -> TrustedDocument | None:
    """The document of that hash in the owner's manifest (revoked or not), None if absent."""
    return await repo.manifest_document(
        session, owner_id=owner_id, manifest=manifest, sha256=sha256
    )


async def trusted_document(session: AsyncSession, sha256: str) -> str | None:
    """The text of a document of that hash some manifest trusts, None if none does."""
    return await repo.any_trusted_document(session, sha256)


async def trusted_documents_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[TrustedDocument | None]:
    return await repo.documents_by_ids(session, ids)
