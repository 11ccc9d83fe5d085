"""The audit log (admins only): privileged changes, newest first."""

from __future__ import annotations

import strawberry

from app.admin import audit as service
from app.pagination import PageRequest
from schema.admin.audit import AuditLogEntry, AuditLogFilter
from schema.core.admin_only import admin_field
from schema.core.auth import require_actor
from schema.core.context import Info
from schema.core.relay import Connection, selects_total_count


@strawberry.type
class Query:
    @admin_field(
        description="Admins: every privileged change (and every change an admin made), newest "
        "first, written in the same transaction as the change."
    )
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditLogEntry]:
        actor = await require_actor(info)
        where = filter.to_filter() if filter is not None else {}
        request = PageRequest.create(first=first, after=after)
        async with info.context.db.session() as session:
            page = await service.list_entries(
                session,
                actor=actor,
                request=request,
                with_total=selects_total_count(info),
                **where,
            )
        return Connection[AuditLogEntry].from_page(page, lambda row: AuditLogEntry(model=row))
