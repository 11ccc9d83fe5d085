"""The moderation queue: users report content (a direct message, a discussion post, …) and an
admin reviews the open reports. One report per reporter and target: filing it again is
ALREADY_REPORTED. Reported content is kept (a message one side deleted stays for moderation).

`file_report` is shared by every domain that lets users report something; the caller checks first
that the reporter may see the target (a hidden target is NOT_FOUND, never reportable).
"""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.models import ContentReport, ReportStatus
from app.communication.errors import CommunicationCode
from app.errors import Common, Invalid
from app.ids import new_id
from app.security.sanitize import plain_text

DETAILS_MAX_LENGTH = 2000


class ReportReason(enum.StrEnum):
    """Why content is reported (stored in `content_reports.reason`)."""

    SPAM = "spam"
    HARASSMENT = "harassment"
    HATE_SPEECH = "hate_speech"
    INAPPROPRIATE = "inappropriate"
    MISINFORMATION = "misinformation"
    OTHER = "other"


async def file_report(
    session: AsyncSession,
    *,
    target_type: str,
    target_id: uuid.UUID,
    reporter_id: uuid.UUID,
    reason: ReportReason | str,
    details: str | None,
) -> ContentReport:
    """An open report of `target_type`/`target_id` by `reporter_id` (flushed, not committed).

    `reason` must be a `ReportReason` value (`Common.INVALID` on `reason` otherwise); `details`
    is optional plain text (tags removed), at most 2,000 characters (`Common.TOO_LONG`).
    A second report of the same target by the same reporter raises `Invalid(None, …,
    CommunicationCode.ALREADY_REPORTED)` — also under a race (the unique constraint decides).
    """
    try:
        reason = ReportReason(reason)
    except ValueError:
        raise Invalid("reason", "Choose one of the report reasons.", Common.INVALID) from None
    text = plain_text(details or "") or None
    if text is not None and len(text) > DETAILS_MAX_LENGTH:
        raise Invalid(
            "details", f"At most {DETAILS_MAX_LENGTH} characters, please.", Common.TOO_LONG
        )
    report_id = await session.scalar(
        insert(ContentReport)
        .values(
            id=new_id(),
            target_type=target_type,
            target_id=target_id,
            reporter_id=reporter_id,
            reason=reason.value,
            details=text,
            status=ReportStatus.OPEN,
        )
        .on_conflict_do_nothing(constraint="uq_content_reports_once")
        .returning(ContentReport.id)
    )
    if report_id is None:
        raise Invalid(
            None, CommunicationCode.ALREADY_REPORTED.description, CommunicationCode.ALREADY_REPORTED
        )
    report = await session.scalar(select(ContentReport).where(ContentReport.id == report_id))
    assert report is not None
    return report
