"""SQL of the admin domain: the audit log. Never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.models import AuditLogEntry
from app.pagination import Page, PageRequest, SortKey, paginate


@dataclass(frozen=True)
class AuditFilter:
    """Every given condition must hold (an empty filter matches every entry)."""

    actor_id: uuid.UUID | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def _filtered(stmt: Select[Any], where: AuditFilter) -> Select[Any]:
    if where.actor_id is not None:
        stmt = stmt.where(AuditLogEntry.actor_id == where.actor_id)
    if where.action is not None:
        stmt = stmt.where(AuditLogEntry.action == where.action)
    if where.entity_type is not None:
        stmt = stmt.where(AuditLogEntry.entity_type == where.entity_type)
    if where.entity_id is not None:
        stmt = stmt.where(AuditLogEntry.entity_id == where.entity_id)
    if where.since is not None:
        stmt = stmt.where(AuditLogEntry.created_at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditLogEntry.created_at < where.until)
    return stmt


async def list_audit_log(
    session: AsyncSession, *, where: AuditFilter, request: PageRequest, with_total: bool = False
) -> Page[AuditLogEntry]:
    """One keyset page of audit entries, newest first."""
    return await paginate(
        session,
        _filtered(select(AuditLogEntry), where),
        order_by=[SortKey(AuditLogEntry.created_at.expression, descending=True)],
        tiebreaker=AuditLogEntry.id.expression,
        request=request,
        with_total=with_total,
    )
