"""The upload flow (SPEC §3.5): request → signed URL → direct upload → finalize → asset.

`request_upload` checks the declared name, type and size against the purpose's rule (narrowed by
the caller's, e.g. an assignment's) and records a pending `file_assets` row with a storage key;
the client then sends the bytes straight to the returned target (valid one hour). Only the owner
finalizes: the object must exist, its size equal the declared one and fit the limit, and its
content — sniffed from the first bytes, never trusted from the client — must be an allowed type
consistent with the declared one (Properties 35 and 64). A failed check marks the asset REJECTED
(flushed in the caller's transaction) and raises `UploadRejected`; finalizing a good asset twice
returns it unchanged (re-checked against the caller's, possibly narrower, rule).

Avatars, course images and blog images are public (`PUBLIC_PURPOSES`): their objects live under
`public/`, and `asset_url` gives them a stable URL (the key holds the asset id, so the content
never changes under one URL). Every other file is private: `asset_url` signs an expiring link at
each read.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import Database
from app.errors import Common, FieldError, Invalid, NotFound, UserFacingError, collect
from app.ids import new_id
from app.integrations.storage import PUBLIC_PREFIX, Storage, UploadTarget
from app.media import repo, rules, video
from app.media.errors import MediaCode
from app.media.models import (
    FileAsset,
    FilePurpose,
    FileStatus,
    ScanStatus,
    StorageBackend,
    VideoStatus,
)
from app.media.rules import UploadPurpose, UploadRule
from app.security.permissions import Actor, Permission, has_permission

ScanHook = Callable[[Storage, str], Awaitable[bool]]  # True when the object is clean
FINAL = (FileStatus.UPLOADED, FileStatus.READY)
PUBLIC_PURPOSES = frozenset({FilePurpose.AVATAR, FilePurpose.COURSE_IMAGE, FilePurpose.BLOG_IMAGE})
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


class UploadRejected(Invalid):
    """The uploaded object failed a check at finalize; the asset is now REJECTED."""


@dataclass(frozen=True)
class UploadTicket:
    file_asset_id: uuid.UUID
    target: UploadTarget


def storage_key(purpose: UploadPurpose, owner_id: uuid.UUID, asset_id: uuid.UUID, name: str) -> str:
    """Where the object lives: under `public/` for public purposes, else under `uploads/`."""
    safe = _UNSAFE_NAME.sub("-", name).strip(".-")[-100:].lstrip(".-") or "file"
    root = PUBLIC_PREFIX if purpose in PUBLIC_PURPOSES else "uploads/"
    return f"{root}{purpose.value}/{owner_id}/{asset_id}/{safe}"


def is_public(asset: FileAsset) -> bool:
    """Served at a stable URL to anyone (an avatar, a course image)."""
    return asset.purpose in PUBLIC_PURPOSES and asset.storage_key.startswith(PUBLIC_PREFIX)


def _rule(
    purpose: UploadPurpose, allowed_types: Iterable[str] | None, max_size: int | None
) -> UploadRule:
    rule = rules.effective_rule(purpose, allowed_types, max_size)
    if rule is None:
        raise Invalid(
            "purpose", "Files cannot be uploaded for this purpose", MediaCode.UNSUPPORTED_PURPOSE
        )
    return rule


def _check_declared(rule: UploadRule, *, file_name: str, content_type: str, size: int) -> None:
    errors: list[FieldError] = []
    if not file_name.strip() or len(file_name) > 255 or _BAD_NAME.search(file_name):
        errors.append(
            FieldError("file_name", "Give a plain file name", MediaCode.INVALID_FILE_NAME)
        )
    if rules.normalise_type(content_type) not in rule.types:
        allowed = ", ".join(rule.types) or "none"
        errors.append(
            FieldError("content_type", f"Allowed types: {allowed}", MediaCode.FILE_TYPE_NOT_ALLOWED)
        )
    if size <= 0:
        errors.append(FieldError("size", "The file is empty", MediaCode.INVALID_SIZE))
    elif size > rule.max_size:
        errors.append(
            FieldError("size", f"The limit is {rule.max_size} bytes", MediaCode.FILE_TOO_LARGE)
        )
    collect(errors)


async def request_upload(
    session: AsyncSession,
    storage: Storage,
    *,
    owner_id: uuid.UUID,
    purpose: UploadPurpose,
    file_name: str,
    content_type: str,
    size: int,
    allowed_types: Iterable[str] | None = None,
    max_size: int | None = None,
    expires_in: int | None = None,
) -> UploadTicket:
    """A pending asset and where to upload it (bad input: typed error, nothing written)."""
    rule = _rule(purpose, allowed_types, max_size)
    file_name = file_name.strip()
    _check_declared(rule, file_name=file_name, content_type=content_type, size=size)
    content_type = rules.normalise_type(content_type)
    asset_id = new_id()
    key = storage_key(purpose, owner_id, asset_id, file_name)
    target = storage.upload_target(
        key, content_type=content_type, max_size=size, expires_in=expires_in
    )
    await repo.add_asset(
        session,
        FileAsset(
            id=asset_id,
            owner_id=owner_id,
            purpose=purpose,
            storage_backend=StorageBackend(storage.name),
            storage_key=key,
            file_name=file_name,
            content_type=content_type,
            size_bytes=size,
            status=FileStatus.PENDING,
            upload_expires_at=target.expires_at,
        ),
    )
    return UploadTicket(file_asset_id=asset_id, target=target)


async def upload_bytes(
    session: AsyncSession,
    storage: Storage,
    *,
    owner_id: uuid.UUID,
    purpose: UploadPurpose,
    file_name: str,
    content_type: str,
    data: bytes,
) -> FileAsset:
    """Bytes the server holds, stored as `owner_id`'s file through the steps a client takes —
    request, put, finalize (every check included): how demo seeders add images and videos."""
    ticket = await request_upload(
        session,
        storage,
        owner_id=owner_id,
        purpose=purpose,
        file_name=file_name,
        content_type=content_type,
        size=len(data),
    )
    key = storage_key(purpose, owner_id, ticket.file_asset_id, file_name)
    await storage.put(key, data, content_type)
    return await finalize_upload(
        session, storage, owner_id=owner_id, file_asset_id=ticket.file_asset_id
    )


async def finalize_upload(
    session: AsyncSession,
    storage: Storage,
    *,
    owner_id: uuid.UUID,
    file_asset_id: uuid.UUID,
    allowed_types: Iterable[str] | None = None,
    max_size: int | None = None,
    scan: ScanHook | None = None,
) -> FileAsset:
    """The checked asset (UPLOADED); `UploadRejected` when the object fails a check."""
    asset = await repo.lock_asset(session, file_asset_id)
    if asset is None or asset.owner_id != owner_id or asset.status == FileStatus.DELETED:
        raise NotFound("File")
    rule = _rule(asset.purpose, allowed_types, max_size)
    if asset.status == FileStatus.REJECTED:
        raise Invalid(
            "file_id", "This upload was rejected; upload the file again", MediaCode.UPLOAD_REJECTED
        )
    if asset.status in FINAL:
        _check_final(asset, rule)
        return asset
    info = await storage.head(asset.storage_key)
    if info is None:
        if asset.upload_expires_at is not None and utcnow() >= asset.upload_expires_at:
            await _reject(
                session, storage, asset, "The upload link expired", MediaCode.UPLOAD_EXPIRED
            )
        raise Invalid("file_id", "The file has not been uploaded yet", MediaCode.UPLOAD_MISSING)
    if info.size != asset.size_bytes:
        message = f"Received {info.size} bytes, {asset.size_bytes} were declared"
        await _reject(session, storage, asset, message, MediaCode.SIZE_MISMATCH)
    if info.size > rule.max_size:
        message = f"The limit is {rule.max_size} bytes"
        await _reject(session, storage, asset, message, MediaCode.FILE_TOO_LARGE)
    await _check_content(session, storage, asset, rule)
    if scan is not None:
        clean = await scan(storage, asset.storage_key)
        asset.scan_status = ScanStatus.CLEAN if clean else ScanStatus.INFECTED
        if not clean:
            message = "The file failed the virus scan"
            await _reject(session, storage, asset, message, MediaCode.FILE_INFECTED)
    asset.status = FileStatus.UPLOADED
    asset.finalized_at = utcnow()
    await session.flush()
    if asset.purpose == FilePurpose.LESSON_VIDEO:
        await video.video_for_file(session, asset)  # and its transcoding job
    return asset


async def _check_content(
    session: AsyncSession, storage: Storage, asset: FileAsset, rule: UploadRule
) -> None:
    sample = await storage.read(asset.storage_key, rules.SNIFF_BYTES)
    truncated = asset.size_bytes > len(sample)
    sniffed = rules.sniff(sample, file_name=asset.file_name, truncated=truncated)
    if sniffed is None:
        message = "Unrecognised file content"
        await _reject(session, storage, asset, message, MediaCode.UNKNOWN_FILE_TYPE)
        return
    if not rules.consistent(asset.content_type, sniffed):
        message = f"The content is {sniffed}, not {asset.content_type}"
        await _reject(session, storage, asset, message, MediaCode.FILE_TYPE_MISMATCH)
    if sniffed not in rule.types and rules.normalise_type(asset.content_type) not in rule.types:
        message = f"{sniffed} is not allowed"
        await _reject(session, storage, asset, message, MediaCode.FILE_TYPE_NOT_ALLOWED)


def _check_final(asset: FileAsset, rule: UploadRule) -> None:
    """An already finalized asset against the caller's rule (no state change)."""
    if asset.content_type not in rule.types:
        raise Invalid(
            "file_id", f"{asset.content_type} is not allowed here", MediaCode.FILE_TYPE_NOT_ALLOWED
        )
    if asset.size_bytes > rule.max_size:
        raise Invalid("file_id", f"The limit is {rule.max_size} bytes", MediaCode.FILE_TOO_LARGE)


async def _reject(
    session: AsyncSession, storage: Storage, asset: FileAsset, message: str, code: MediaCode
) -> None:
    """Mark the asset REJECTED and raise; a rejected public object is deleted (never served)."""
    asset.status = FileStatus.REJECTED
    asset.finalized_at = utcnow()
    await session.flush()
    if is_public(asset):
        await storage.delete(asset.storage_key)
    raise UploadRejected("file_id", message, code)


async def finalize_upload_committed(
    db: Database,
    storage: Storage,
    *,
    owner_id: uuid.UUID,
    file_id: uuid.UUID,
    scan: ScanHook | None = None,
) -> FileAsset:
    """`finalize_upload` in its own transaction, for the API: a REJECTED verdict is committed
    before `UploadRejected` is raised (a raised error would roll it back)."""
    rejected: UploadRejected | None = None
    async with db.transaction() as session:
        try:
            asset = await finalize_upload(
                session, storage, owner_id=owner_id, file_asset_id=file_id, scan=scan
            )
        except UploadRejected as exc:
            rejected = exc
    if rejected is not None:
        raise rejected
    return asset


def file_download_url(storage: Storage, asset: FileAsset, *, expires_in: int | None = None) -> str:
    """A signed, expiring download URL naming the original file; finalized assets only."""
    if asset.status not in FINAL:
        raise NotFound("File")
    return storage.download_url(asset.storage_key, expires_in=expires_in, filename=asset.file_name)


def load_scan_hook(path: str) -> ScanHook | None:
    """UPLOAD_SCAN_HOOK ("module:function") as a callable; None when unset."""
    if not path:
        return None
    module, _, name = path.partition(":")
    hook: ScanHook = getattr(importlib.import_module(module), name)
    return hook


def can_read_file(actor: Actor | None, asset: FileAsset) -> bool:
    """The owner or an admin (user management) sees a file and gets its download URL."""
    if actor is None or asset.status == FileStatus.DELETED:
        return False
    return asset.owner_id == actor.id or has_permission(actor, Permission.USERS_MANAGE)


async def claim_upload(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    file_id: uuid.UUID,
    purpose: FilePurpose,
    field: str,
) -> FileAsset:
    """A finished upload of `owner_id` for `purpose`, to attach to something by reference;
    `Invalid` on `field` for anything else (unknown, someone else's, unfinished, other purpose)."""
    asset = await repo.asset_by_id(session, file_id)
    if (
        asset is None
        or asset.owner_id != owner_id
        or asset.purpose != purpose
        or asset.status not in FINAL
    ):
        raise Invalid(
            field, "No finished upload of yours of this kind has this id", Common.FILE_NOT_FOUND
        )
    return asset


async def attach_video_upload(
    session: AsyncSession, *, owner_id: uuid.UUID, file_id: uuid.UUID, field: str
) -> uuid.UUID:
    """The video of a finished VIDEO upload of `owner_id` (created, with its transcoding job,
    if the upload was finalized before videos were made at finalize); `Invalid` on `field`
    for anything else."""
    await claim_upload(
        session, owner_id=owner_id, file_id=file_id, purpose=FilePurpose.LESSON_VIDEO, field=field
    )
    asset = await repo.lock_asset(session, file_id)
    assert asset is not None
    return (await video.video_for_file(session, asset)).id


async def claimed_upload_id(
    session: AsyncSession,
    errors: list[FieldError],
    *,
    owner_id: uuid.UUID,
    upload_id: uuid.UUID | None,
    purpose: FilePurpose,
    field: str,
) -> uuid.UUID | None:
    """`claim_upload` for an optional image of a form whose errors are gathered: the asset's id,
    or None — when no upload is given (the image is removed) or it is refused (into `errors`)."""
    if upload_id is None:
        return None
    try:
        asset = await claim_upload(
            session, owner_id=owner_id, file_id=upload_id, purpose=purpose, field=field
        )
    except UserFacingError as exc:
        errors.extend(exc.errors)
        return None
    return asset.id


def asset_url(storage: Storage, asset: FileAsset) -> str:
    """Where a client reads an attached asset: the stable public URL of an avatar or a course
    image, a signed expiring link for anything else (finalized assets only)."""
    if asset.status not in FINAL:
        raise NotFound("File")
    if is_public(asset):
        return storage.public_url(asset.storage_key)
    return file_download_url(storage, asset)


def attached_url(storage: Storage, asset: FileAsset | None) -> str | None:
    """`asset_url` of an attached asset, None when there is none (or it is no longer served)."""
    if asset is None or asset.status not in FINAL:
        return None
    return asset_url(storage, asset)


async def video_statuses(
    session: AsyncSession, video_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, VideoStatus]:
    """The processing status of each existing video asset among `video_ids` (others are absent):
    what a lesson's video is checked against."""
    return await repo.video_statuses(session, video_ids)


async def video_durations(
    session: AsyncSession, video_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """The duration in seconds of each of these videos whose duration is known (processed)."""
    return await repo.video_durations(session, video_ids)
