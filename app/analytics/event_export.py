"""Signed NDJSON exports of learning events as xAPI statements (admins only).

`request_event_export` writes an `analytics_exports` row (kind 'xapi_ndjson', PENDING, the filter
in `parameters`) and an outbox event in the caller's transaction; the worker's
`export_learning_events` actor runs `run_event_export`: it streams the matching events oldest
first through a server-side cursor, writes one statement per line to a temporary file, uploads it
(`Storage.put_file`: a multipart upload on S3; the file is never held in memory whole) as
`exports/analytics/<export id>.ndjson` and marks the export SUCCEEDED with its row count and size.
Running it again (a redelivered message) after it succeeded changes nothing. A failure marks the
export FAILED with its reason; a passing one (the database, the disk or the bucket unreachable)
is also raised, so the actor retries it with backoff and a later run may still succeed.
The file is handed out by `download_of`: a signed URL that expires after
ANALYTICS_EXPORT_URL_TTL_SECONDS, made afresh on every read.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app import db as persistence
from app.analytics import events_repo, exports_repo
from app.analytics.downloads import Download, signed_download
from app.analytics.events_repo import EventFilter
from app.analytics.export_models import AnalyticsExport, ExportKind, ExportStatus
from app.analytics.learning_events import require_event_reader
from app.analytics.xapi import statement
from app.clock import utcnow
from app.db import Database, database_unavailable, error_summary
from app.errors import NotFound
from app.integrations.storage import Storage, StorageError
from app.outbox import emit
from app.pagination import Page, PageRequest
from app.security.permissions import Actor
from app.settings import Settings

EXPORT_TOPIC = "analytics.export_learning_events"
NDJSON = "application/x-ndjson"
FILENAME = "learning-events.ndjson"

log = structlog.get_logger(__name__)


def storage_key(export_id: uuid.UUID) -> str:
    return f"exports/analytics/{export_id}.ndjson"


async def request_event_export(
    session: AsyncSession, *, actor: Actor, where: EventFilter
) -> AnalyticsExport:
    """A PENDING export of the matching events; the worker builds the file after the commit."""
    require_event_reader(actor)
    export = AnalyticsExport(
        kind=ExportKind.XAPI_NDJSON.value,
        status=ExportStatus.PENDING,
        requested_by_id=actor.id,
        parameters={"filter": where.to_json()},
    )
    await persistence.add(session, export)
    await emit(session, EXPORT_TOPIC, {"export_id": str(export.id)})
    return export


async def get_event_export(
    session: AsyncSession, *, actor: Actor, export_id: uuid.UUID
) -> AnalyticsExport:
    require_event_reader(actor)
    export = await exports_repo.get_export(session, export_id)
    if export is None or export.kind != ExportKind.XAPI_NDJSON:
        raise NotFound("Learning event export")
    return export


async def list_event_exports(
    session: AsyncSession, *, actor: Actor, request: PageRequest, with_total: bool = False
) -> Page[AnalyticsExport]:
    """Every learning-event export, newest first (whoever of the admins asked for it)."""
    require_event_reader(actor)
    return await exports_repo.list_exports(
        session, kind=ExportKind.XAPI_NDJSON.value, request=request, with_total=with_total
    )


def download_of(storage: Storage, settings: Settings, export: AnalyticsExport) -> Download | None:
    """A signed, expiring URL of a finished export's file (None before it succeeded)."""
    if export.status != ExportStatus.SUCCEEDED or export.storage_key is None:
        return None
    return signed_download(
        storage,
        export.storage_key,
        expires_in=settings.analytics_export_url_ttl_seconds,
        filename=FILENAME,
    )


async def run_event_export(
    db: Database, storage: Storage, *, export_id: uuid.UUID, base_url: str
) -> ExportStatus | None:
    """Build the export's file (idempotent); its final status, None for an unknown export."""
    async with db.transaction() as session:
        export = await exports_repo.get_export(session, export_id, lock=True)
        if export is None or export.status == ExportStatus.SUCCEEDED:
            return export.status if export is not None else None
        export.status, export.started_at, export.error = ExportStatus.RUNNING, utcnow(), None
        where = EventFilter.from_json(export.parameters.get("filter") or {})
    try:
        rows, size = await _write_file(db, storage, export_id, where, base_url)
    except Exception as exc:
        log.exception("analytics.export_failed", export_id=str(export_id))
        try:
            await _finish(db, export_id, ExportStatus.FAILED, error=error_summary(exc))
        except Exception:  # the database itself is what failed: the retry will say more
            log.exception("analytics.export_failure_unrecorded", export_id=str(export_id))
        if database_unavailable(exc) or isinstance(exc, StorageError):
            raise  # a passing outage (database, disk, bucket): the actor retries with backoff
        return ExportStatus.FAILED
    await _finish(db, export_id, ExportStatus.SUCCEEDED, rows=rows, size=size)
    return ExportStatus.SUCCEEDED


async def _write_file(
    db: Database, storage: Storage, export_id: uuid.UUID, where: EventFilter, base_url: str
) -> tuple[int, int]:
    """Stream the statements into a temporary file, then upload it (neither the rows nor the
    file are ever held in memory whole)."""
    rows = 0
    with tempfile.TemporaryDirectory(prefix="easyways-export-") as folder:
        path = Path(folder) / FILENAME
        with path.open("wb") as out:
            async with db.transaction() as session:  # a server-side cursor needs a transaction
                async for event in events_repo.stream_events(session, where):
                    out.write(orjson.dumps(statement(event, base_url=base_url)) + b"\n")
                    rows += 1
            size = out.tell()
        await storage.put_file(storage_key(export_id), path, NDJSON)
    return rows, size


async def _finish(
    db: Database,
    export_id: uuid.UUID,
    status: ExportStatus,
    *,
    rows: int | None = None,
    size: int | None = None,
    error: str | None = None,
) -> None:
    async with db.transaction() as session:
        export = await exports_repo.get_export(session, export_id, lock=True)
        if export is None:
            return
        export.status, export.completed_at, export.error = status, utcnow(), error
        if status == ExportStatus.SUCCEEDED:
            export.storage_key, export.content_type = storage_key(export_id), NDJSON
            export.row_count, export.byte_size = rows, size
