"""GDPR actors: build a data export, erase an account. Both are idempotent (a built export or
an erased account is left as it is) and retried with backoff; an export whose last retry fails
is marked failed so that the user may ask again."""

from __future__ import annotations

import uuid

import dramatiq

from app.accounts import data_export, erasure
from app.errors import NotFound
from workers.broker import MAX_RETRIES
from workers.email import is_final_attempt
from workers.runtime import get_runtime


async def build(export_id: str) -> None:
    """The export actor's body, callable in-process (tests, the CLI)."""
    runtime = get_runtime()
    try:
        await data_export.build_export(
            runtime.db, runtime.storage, runtime.settings, export_id=uuid.UUID(export_id)
        )
    except NotFound:
        raise
    except Exception as exc:
        if is_final_attempt():
            await data_export.fail_export(
                runtime.db, export_id=uuid.UUID(export_id), error=type(exc).__name__
            )
        raise


async def erase(deletion_id: str) -> bool:
    """The erasure actor's body, callable in-process (tests, the CLI)."""
    runtime = get_runtime()
    return await erasure.erase_account(
        runtime.db, runtime.storage, runtime.redis, deletion_id=uuid.UUID(deletion_id)
    )


@dramatiq.actor(max_retries=MAX_RETRIES, throws=(NotFound,))
async def build_data_export(export_id: str) -> None:
    await build(export_id)


@dramatiq.actor(max_retries=MAX_RETRIES)
async def erase_account(deletion_id: str) -> None:
    await erase(deletion_id)
