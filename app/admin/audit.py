"""The audit log of privileged actions: one append-only row per change, written in the same
transaction as the change (a rolled-back change leaves no row).

The GraphQL mutation pipeline records every privileged mutation and everything an admin changes;
a service may record a richer entry of its own (`record` marks the transaction), and then the
pipeline writes none for that transaction. Secrets never reach the row: `filter_secrets` replaces
the value of any key that names one (password, secret, token, code, key, otp) by "[filtered]".
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import UserRole
from app.admin import repo
from app.admin.models import AuditLogEntry
from app.admin.repo import AuditFilter
from app.clock import utcnow
from app.ids import new_id
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, require_role

FILTERED = "[filtered]"
SECRET_KEY = re.compile(r"password|secret|token|code|key|otp", re.IGNORECASE)
RECORDED = "easyways.audit_recorded"  # session.info flag: this transaction has its entry
MAX_ACTION = 100
MAX_ENTITY_TYPE = 50
MAX_ENTITY_ID = 64
MAX_USER_AGENT = 512
MAX_REQUEST_ID = 64


def filter_secrets(value: Any) -> Any:
    """`value` as plain JSON with the value of every secret-naming key replaced by FILTERED."""
    if isinstance(value, Mapping):
        return {
            str(k): FILTERED if SECRET_KEY.search(str(k)) else filter_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [filter_secrets(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Enum):
        return filter_secrets(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    return str(value)


def _ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value is not None else None


def recorded(session: AsyncSession) -> bool:
    """Whether this transaction already holds its audit entry."""
    return bool(session.info.get(RECORDED))


async def record(
    session: AsyncSession,
    *,
    action: str,
    entity_type: str,
    entity_id: str | None = None,
    actor_id: uuid.UUID | None = None,
    api_key_id: uuid.UUID | None = None,
    changes: Mapping[str, Any] | None = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
    request_id: str | None = None,
) -> uuid.UUID:
    """Insert one audit row in the caller's transaction (never commits); returns its id.
    `changes` is filtered of secrets; an unparsable IP address is left out."""
    entry_id = new_id()
    await session.execute(
        insert(AuditLogEntry).values(
            id=entry_id,
            created_at=utcnow(),
            actor_id=actor_id,
            api_key_id=api_key_id,
            action=action[:MAX_ACTION],
            entity_type=entity_type[:MAX_ENTITY_TYPE],
            entity_id=_cut(entity_id, MAX_ENTITY_ID),
            changes=filter_secrets(dict(changes or {})),
            ip_address=_ip(ip_address),
            user_agent=_cut(user_agent, MAX_USER_AGENT),
            request_id=_cut(request_id, MAX_REQUEST_ID),
        )
    )
    session.info[RECORDED] = True
    return entry_id


async def list_entries(
    session: AsyncSession,
    *,
    actor: Actor,
    request: PageRequest,
    with_total: bool = False,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[AuditLogEntry]:
    """The audit log, newest first (admins only); every given condition must hold (`since`
    inclusive, `until` exclusive)."""
    require_role(actor, UserRole.ADMIN)
    where = AuditFilter(actor_id, action, entity_type, entity_id, since, until)
    return await repo.list_audit_log(session, where=where, request=request, with_total=with_total)
