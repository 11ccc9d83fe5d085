"""All SQL of the partners domain (api_keys, trusted_documents); never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.models import ApiKey, TrustedDocument
from app.db import rows_with
from app.pagination import Page, PageRequest, SortKey, paginate

# --- API keys ---------------------------------------------------------------------------------


async def insert_key(session: AsyncSession, **values: Any) -> ApiKey:
    row = ApiKey(**values)
    session.add(row)
    await session.flush()
    return row


async def key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    row: ApiKey | None = await session.scalar(select(ApiKey).where(ApiKey.key_prefix == prefix))
    return row


async def lock_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    row: ApiKey | None = await session.scalar(
        select(ApiKey).where(ApiKey.id == key_id).with_for_update()
    )
    return row


async def keys_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[ApiKey | None]:
    rows = {r.id: r for r in await rows_with(session, ApiKey.id, ids)}
    return [rows.get(i) for i in ids]


async def count_live_keys(session: AsyncSession, owner_id: uuid.UUID, now: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(ApiKey)
        .where(
            ApiKey.owner_id == owner_id,
            ApiKey.revoked_at.is_(None),
            or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
        )
    )
    return int(count or 0)


async def page_of_keys(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID | None,
    request: PageRequest,
    with_total: bool,
) -> Page[ApiKey]:
    """Keys newest first: one owner's, or everyone's (owner_id None)."""
    stmt: Select[Any] = select(ApiKey)
    if owner_id is not None:
        stmt = stmt.where(ApiKey.owner_id == owner_id)
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(ApiKey.created_at.expression, descending=True)],
        tiebreaker=ApiKey.id.expression,
        request=request,
        with_total=with_total,
    )


# --- trusted documents --------------------------------------------------------------------------


async def upsert_documents(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    manifest: str,
    documents: Sequence[tuple[str, str | None, str]],
) -> list[TrustedDocument]:
    """Store (sha256, operation name, text) in the owner's manifest; one already there is kept
    and trusted again if it was revoked. The rows in the order given."""
    values = [
        {
            "id": uuid.uuid4(),
            "owner_id": owner_id,
            "manifest": manifest,
            "sha256": sha,
            "operation_name": name,
            "document": text,
        }
        for sha, name, text in documents
    ]
    stmt = (
        insert(TrustedDocument)
        .values(values)
        .on_conflict_do_update(
            index_elements=[
                TrustedDocument.owner_id,
                TrustedDocument.manifest,
                TrustedDocument.sha256,
            ],
            set_={"revoked_at": None},
        )
        .returning(TrustedDocument.sha256, TrustedDocument.id)
    )
    ids = {sha: row_id for sha, row_id in (await session.execute(stmt)).all()}
    rows = await documents_by_ids(session, list(ids.values()))
    by_sha = {r.sha256: r for r in rows if r is not None}
    return [by_sha[sha] for sha, _, _ in documents]


async def documents_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[TrustedDocument | None]:
    rows = {
        r.id: r
        for r in await session.scalars(
            select(TrustedDocument)
            .where(TrustedDocument.id.in_(ids))
            .execution_options(populate_existing=True)
        )
    }
    return [rows.get(i) for i in ids]


async def lock_document(session: AsyncSession, document_id: uuid.UUID) -> TrustedDocument | None:
    row: TrustedDocument | None = await session.scalar(
        select(TrustedDocument).where(TrustedDocument.id == document_id).with_for_update()
    )
    return row


async def manifest_document(
    session: AsyncSession, *, owner_id: uuid.UUID, manifest: str, sha256: str
) -> TrustedDocument | None:
    row: TrustedDocument | None = await session.scalar(
        select(TrustedDocument).where(
            TrustedDocument.owner_id == owner_id,
            TrustedDocument.manifest == manifest,
            TrustedDocument.sha256 == sha256,
        )
    )
    return row


async def any_trusted_document(session: AsyncSession, sha256: str) -> str | None:
    """The text of a document of that hash that some manifest still trusts."""
    text: str | None = await session.scalar(
        select(TrustedDocument.document)
        .where(TrustedDocument.sha256 == sha256, TrustedDocument.revoked_at.is_(None))
        .limit(1)
    )
    return text


async def revoke_document(session: AsyncSession, document_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(TrustedDocument)
        .where(TrustedDocument.id == document_id, TrustedDocument.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def page_of_documents(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID | None,
    manifest: str | None,
    include_revoked: bool,
    request: PageRequest,
    with_total: bool,
) -> Page[TrustedDocument]:
    """Documents newest first, of one owner (or all: owner_id None), one manifest (or all)."""
    stmt: Select[Any] = select(TrustedDocument)
    if owner_id is not None:
        stmt = stmt.where(TrustedDocument.owner_id == owner_id)
    if manifest is not None:
        stmt = stmt.where(TrustedDocument.manifest == manifest)
    if not include_revoked:
        stmt = stmt.where(TrustedDocument.revoked_at.is_(None))
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(TrustedDocument.created_at.expression, descending=True)],
        tiebreaker=TrustedDocument.id.expression,
        request=request,
        with_total=with_total,
    )
