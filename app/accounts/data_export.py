"""GDPR export ("give me a copy of my data"): requested by the user, built by a worker.

`request_export` writes the `data_exports` row and its outbox job in one transaction (one export
in the making per user, enforced by a partial unique index whatever the race). The actor calls
`build_export`: it claims the row (requested → building), asks every domain of the registry
(app.accounts.privacy_registry) for its part, zips one JSON file per area with a README, stores
the zip and, in one transaction, marks the row ready and e-mails a signed link that expires with
the export. Redelivery is harmless: a ready or failed export is left as it is, and a build
interrupted half-way (building) is simply built again.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import uuid
import zipfile
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import privacy_repo as repo
from app.accounts import repo as accounts_repo
from app.accounts.privacy_errors import PrivacyCode
from app.accounts.privacy_models import DataExport, ExportState
from app.accounts.privacy_registry import EXPORTERS
from app.clock import utcnow
from app.db import Database
from app.errors import Conflict, NotFound
from app.integrations.storage import ObjectNotFound, Storage
from app.notifications.service import queue_email
from app.outbox import emit
from app.settings import Settings

EXPORT_TOPIC = "privacy.build_export"
ZIP_CONTENT_TYPE = "application/zip"
LISTED_EXPORTS = 20

README = """Your {brand} data, exported on {when} (UTC) for account {user_id}.

One JSON file per part of your account:
{files}

Dates are ISO 8601 in UTC; amounts are integers in the currency's minor unit (cents) beside the
currency code; ids are the platform's internal ids. Passwords, security codes and API keys are
never exported (only that they exist). manifest.json lists the files and how many records each
holds.
"""


def pending_error() -> Conflict:
    return Conflict(
        None, "An export of your data is already being prepared", PrivacyCode.EXPORT_PENDING
    )


async def request_export(session: AsyncSession, *, user_id: uuid.UUID) -> DataExport:
    """A new export of the caller's data; EXPORT_PENDING while another one is being made."""
    if await repo.pending_export(session, user_id) is not None:
        raise pending_error()
    export = DataExport(user_id=user_id, state=ExportState.REQUESTED)
    try:
        async with session.begin_nested():
            session.add(export)
            await session.flush()
    except IntegrityError as exc:  # a concurrent request won the partial unique index
        raise pending_error() from exc
    await emit(session, EXPORT_TOPIC, {"export_id": str(export.id)})
    return export


async def list_exports(session: AsyncSession, *, user_id: uuid.UUID) -> list[DataExport]:
    """The caller's exports, newest first (the last 20)."""
    return await repo.list_exports(session, user_id, limit=LISTED_EXPORTS)


def export_filename(export: DataExport) -> str:
    return f"easyways-data-{export.created_at:%Y%m%d}.zip"


def download_url(
    storage: Storage, export: DataExport, *, now: datetime | None = None
) -> str | None:
    """A signed link to the zip while the export is ready and not expired, else None."""
    now = now or utcnow()
    if export.state != ExportState.READY or export.storage_key is None:
        return None
    if export.expires_at is None or export.expires_at <= now:
        return None
    seconds = int((export.expires_at - now).total_seconds())
    return storage.download_url(
        export.storage_key, expires_in=max(seconds, 1), filename=export_filename(export)
    )


def storage_key(export: DataExport) -> str:
    return f"exports/{export.user_id}/{export.id}.zip"


async def _claim(db: Database, export_id: uuid.UUID) -> DataExport | None:
    async with db.transaction() as session:
        export = await repo.get_export(session, export_id, for_update=True)
        if export is None:
            raise NotFound("DataExport")
        if export.state in (ExportState.READY, ExportState.FAILED):
            return None
        export.state = ExportState.BUILDING
        await session.flush()
        return export


async def collect(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """Every area of every domain's part, by area name."""
    areas: dict[str, Any] = {}
    for exporter in EXPORTERS.values():
        areas.update(await exporter(session, user_id))
    return areas


def _count(data: Any) -> int:
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        return sum(_count(v) for v in data.values() if isinstance(v, list)) or 1
    return 1


def build_zip(areas: dict[str, Any], *, user_id: uuid.UUID, when: datetime) -> bytes:
    names = sorted(areas)
    manifest = {
        "user_id": str(user_id),
        "exported_at": when.isoformat(),
        "files": [{"file": f"{n}.json", "records": _count(areas[n])} for n in names],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        readme = README.format(
            brand="EasywaysSkills",
            when=when.strftime("%Y-%m-%d %H:%M"),
            user_id=user_id,
            files="\n".join(f"- {n}.json" for n in names),
        )
        archive.writestr("README.txt", readme)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        for name in names:
            archive.writestr(f"{name}.json", json.dumps(areas[name], indent=2, default=str))
    return buffer.getvalue()


async def build_export(
    db: Database, storage: Storage, settings: Settings, *, export_id: uuid.UUID
) -> ExportState:
    """The actor's work (idempotent); the export's state afterwards."""
    claimed = await _claim(db, export_id)
    if claimed is None:
        async with db.session() as session:
            done = await repo.get_export(session, export_id)
            return done.state if done else ExportState.FAILED
    now = utcnow()
    async with db.session() as session:
        areas = await collect(session, claimed.user_id)
    data = await asyncio.to_thread(build_zip, areas, user_id=claimed.user_id, when=now)
    key = storage_key(claimed)
    await storage.put(key, data, ZIP_CONTENT_TYPE)
    async with db.transaction() as session:
        export = await repo.get_export(session, export_id, for_update=True)
        if export is None or export.state != ExportState.BUILDING:
            # erased (or given up) meanwhile: the zip must not outlive its row
            with contextlib.suppress(ObjectNotFound):
                await storage.delete(key)
            return export.state if export else ExportState.FAILED
        export.state = ExportState.READY
        export.storage_key = key
        export.size_bytes = len(data)
        export.completed_at = now
        export.expires_at = now + timedelta(seconds=settings.data_export_ttl_seconds)
        await _mail_link(session, storage, export, now=now)
        return export.state


async def _mail_link(
    session: AsyncSession, storage: Storage, export: DataExport, *, now: datetime
) -> None:
    user = await accounts_repo.get_user(session, export.user_id)
    link = download_url(storage, export, now=now)
    if user is None or user.deleted_at is not None or link is None:
        return
    assert export.expires_at is not None
    await queue_email(
        session,
        to=user.email,
        template="data_export_ready",
        user_id=user.id,
        context={
            "first_name": user.first_name,
            "link": link,
            "until": f"{export.expires_at:%d %B %Y, %H:%M} UTC",
        },
    )


async def fail_export(db: Database, *, export_id: uuid.UUID, error: str) -> None:
    """Give up on an export (the actor's last retry failed); the user may ask again."""
    async with db.transaction() as session:
        export = await repo.get_export(session, export_id, for_update=True)
        if export is not None and export.state in repo.PENDING_EXPORT:
            export.state = ExportState.FAILED
            export.error = error[:1000]


async def purge_expired_exports(db: Database, storage: Storage, *, now: datetime) -> int:
    """Delete the zips of exports past their expiry (the rows stay, without a file)."""
    async with db.transaction() as session:
        expired = await repo.expired_exports(session, now, limit=100)
        for export in expired:
            if export.storage_key:
                with contextlib.suppress(ObjectNotFound):
                    await storage.delete(export.storage_key)
            export.storage_key = None
        return len(expired)
