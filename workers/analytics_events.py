"""Learning-event export actor: builds an `analytics_exports` row's NDJSON file of xAPI
statements (app/analytics/event_export.py). Idempotent: a redelivered message for a finished
export changes nothing; a database outage is retried with backoff."""

from __future__ import annotations

import uuid

import dramatiq

from app.analytics import event_export
from app.analytics.export_models import ExportStatus
from app.analytics.learning_events import xapi_base_url
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime


async def build_export(export_id: str) -> ExportStatus | None:
    """The actor's body, callable in-process (tests, the CLI)."""
    runtime = get_runtime()
    return await event_export.run_event_export(
        runtime.db,
        runtime.storage,
        export_id=uuid.UUID(export_id),
        base_url=xapi_base_url(runtime.settings),
    )


@dramatiq.actor(max_retries=MAX_RETRIES)
async def export_learning_events(export_id: str) -> None:
    await build_export(export_id)
