"""The admin domain's part of a GDPR export and erasure: the user's partner API keys and trusted
documents are deleted (metadata is exported, never the key); reports they filed keep their
target and reason without their details; the audit log keeps what happened and who did it (the
anonymised user) with the e-mail address and full name replaced in its change records, as in
the dead-letter records of failed jobs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.models import ApiKey, AuditLogEntry, ContentReport, FailedJob, TrustedDocument
from app.privacy import ErasureSubject, plain_rows, scrub_json, scrub_text


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    keys = await session.execute(
        select(
            ApiKey.id,
            ApiKey.name,
            ApiKey.key_prefix,
            ApiKey.scopes,
            ApiKey.created_at,
            ApiKey.expires_at,
            ApiKey.revoked_at,
            ApiKey.last_used_at,
        ).where(ApiKey.owner_id == user_id)
    )
    reports = await session.execute(
        select(
            ContentReport.id,
            ContentReport.target_type,
            ContentReport.target_id,
            ContentReport.reason,
            ContentReport.details,
            ContentReport.status,
            ContentReport.created_at,
        ).where(ContentReport.reporter_id == user_id)
    )
    return {"api_keys": plain_rows(keys.all()), "reports": plain_rows(reports.all())}


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    user_id = subject.user_id
    await session.execute(delete(TrustedDocument).where(TrustedDocument.owner_id == user_id))
    await session.execute(delete(ApiKey).where(ApiKey.owner_id == user_id))
    await session.execute(
        update(ContentReport).where(ContentReport.reporter_id == user_id).values(details=None)
    )
    await scrub_text(session, ContentReport.details, subject)
    await scrub_text(session, ContentReport.resolution_note, subject)
    await scrub_json(session, AuditLogEntry.changes, subject)
    await scrub_json(session, FailedJob.args, subject)
    await scrub_json(session, FailedJob.kwargs, subject)
    await scrub_text(session, FailedJob.error, subject)
    await scrub_text(session, FailedJob.traceback, subject)
