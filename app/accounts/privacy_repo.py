"""SQL of GDPR exports and account deletions (app.accounts.data_export, app.accounts.erasure)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.privacy_models import (
    AccountDeletion,
    DataExport,
    DeletionState,
    ExportState,
)

PENDING_EXPORT = (ExportState.REQUESTED, ExportState.BUILDING)


async def pending_export(session: AsyncSession, user_id: uuid.UUID) -> DataExport | None:
    stmt = select(DataExport).where(
        DataExport.user_id == user_id, DataExport.state.in_(PENDING_EXPORT)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_export(
    session: AsyncSession, export_id: uuid.UUID, *, for_update: bool = False
) -> DataExport | None:
    stmt = select(DataExport).where(DataExport.id == export_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_exports(
    session: AsyncSession, user_id: uuid.UUID, *, limit: int
) -> list[DataExport]:
    stmt = (
        select(DataExport)
        .where(DataExport.user_id == user_id)
        .order_by(DataExport.created_at.desc(), DataExport.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def expired_exports(session: AsyncSession, now: datetime, *, limit: int) -> list[DataExport]:
    stmt = (
        select(DataExport)
        .where(
            DataExport.state == ExportState.READY,
            DataExport.storage_key.is_not(None),
            DataExport.expires_at <= now,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(stmt))


async def scheduled_deletion(
    session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False
) -> AccountDeletion | None:
    stmt = select(AccountDeletion).where(
        AccountDeletion.user_id == user_id, AccountDeletion.state == DeletionState.SCHEDULED
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_deletion(
    session: AsyncSession, deletion_id: uuid.UUID, *, for_update: bool = False
) -> AccountDeletion | None:
    stmt = select(AccountDeletion).where(AccountDeletion.id == deletion_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def due_deletions(session: AsyncSession, now: datetime, *, limit: int) -> list[uuid.UUID]:
    stmt = (
        select(AccountDeletion.id)
        .where(AccountDeletion.state == DeletionState.SCHEDULED, AccountDeletion.erase_after <= now)
        .order_by(AccountDeletion.erase_after)
        .limit(limit)
    )
    return list(await session.scalars(stmt))
