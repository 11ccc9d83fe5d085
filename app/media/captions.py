"""Captions of a video: WebVTT uploads (purpose CAPTION) attached with a language and a label.

One caption per language: attaching another file for a language replaces the earlier one. The
file must be a finished CAPTION upload of the caller whose content starts with `WEBVTT` (after
an optional byte-order mark), as the WebVTT specification requires. Who may caption which video
is decided by the caller (the catalog: the lesson's authors).
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.accounts.validation import language_errors
from app.errors import Common, FieldError, Invalid, NotFound, collect
from app.integrations.storage import Storage
from app.media import repo
from app.media.errors import MediaCode
from app.media.models import FilePurpose, VideoCaption
from app.media.service import claim_upload

MAX_LABEL = 100
_SIGNATURE = re.compile(rb"^(\xef\xbb\xbf)?WEBVTT([ \t\r\n]|$)")


def _clean(language: str, label: str) -> tuple[str, str]:
    errors: list[FieldError] = []
    language = language.strip()
    errors.extend(language_errors(language))
    label = label.strip()
    if not label:
        errors.append(FieldError("label", "This field is required", Common.REQUIRED))
    elif len(label) > MAX_LABEL:
        message = f"At most {MAX_LABEL} characters are allowed"
        errors.append(FieldError("label", message, Common.TOO_LONG))
    collect(errors)
    return language, label


async def set_caption(
    session: AsyncSession,
    storage: Storage,
    *,
    owner_id: uuid.UUID,
    video_id: uuid.UUID,
    file_id: uuid.UUID,
    language: str,
    label: str,
) -> VideoCaption:
    """The video's caption in `language` is now this file (replacing an earlier one)."""
    language, label = _clean(language, label)
    asset = await claim_upload(
        session, owner_id=owner_id, file_id=file_id, purpose=FilePurpose.CAPTION, field="file_id"
    )
    head = await storage.read(asset.storage_key, 16)
    if not _SIGNATURE.match(head):
        raise Invalid("file_id", "The file does not start with WEBVTT", MediaCode.NOT_WEBVTT)
    caption = await repo.caption_of(session, video_id, language)
    if caption is None:
        caption = VideoCaption(video_asset_id=video_id, language=language)
    caption.file_asset_id = asset.id
    caption.label = label
    await db.add(session, caption)
    return caption


async def remove_caption(session: AsyncSession, *, video_id: uuid.UUID, language: str) -> None:
    caption = await repo.caption_of(session, video_id, language.strip())
    if caption is None:
        raise NotFound("Caption")
    await db.delete_row(session, caption)
