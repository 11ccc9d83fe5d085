"""Cleaning up uploads that never became files: abandoned (the upload link expired and the upload
was never finalized) and rejected ones. Their storage object goes first, then the row; an asset
anything references is never touched, nor one a finalize holds locked. Run periodically by the
workers (workers/schedule.py); safe to run concurrently and again after a failure."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog

from app.db import Database
from app.integrations.storage import Storage
from app.media import repo

# A client that uploaded just before its link expired may still finalize a little later; a
# rejected upload stays readable for as long (what was wrong is on the row).
GRACE = timedelta(hours=1)
BATCH = 100
log = structlog.get_logger(__name__)


async def purge_abandoned_uploads(
    db: Database, storage: Storage, *, now: datetime, batch: int = BATCH
) -> int:
    """Delete the objects and rows of abandoned and rejected uploads; how many were purged.

    Each batch is one transaction. An object storage cannot delete keeps its row for the next
    run, and is not tried again in this one.
    """
    purged = 0
    failed: list[uuid.UUID] = []
    while True:
        async with db.transaction() as session:
            assets = await repo.lock_abandoned_assets(
                session,
                pending_expired_before=now - GRACE,
                rejected_before=now - GRACE,
                limit=batch,
                exclude=failed,
            )
            for asset in assets:
                try:
                    await storage.delete(asset.storage_key)
                except Exception as exc:  # kept for the next run, never fatal to the batch
                    log.warning("media.purge_failed", asset_id=str(asset.id), error=repr(exc))
                    failed.append(asset.id)
                    continue
                await repo.delete_asset(session, asset)
                purged += 1
        if len(assets) < batch:
            if purged:
                log.info("media.uploads_purged", count=purged)
            return purged
