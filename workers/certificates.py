"""Certificate actor: a `learning.course_completed` event issues the enrollment's certificate
(PDF in storage, row, e-mail and notification). Idempotent: a redelivered or duplicate event
returns the certificate already issued. An enrollment that is gone or no longer completed is
not retried (NotEligible); storage or database failures are, with backoff."""

from __future__ import annotations

import uuid

import dramatiq

from app.learning import certificates
from workers.broker import MAX_RETRIES
from workers.runtime import get_runtime


async def issue_for_enrollment(enrollment_id: str) -> uuid.UUID:
    """The actor's body, callable in-process (tests, the CLI); returns the certificate id."""
    runtime = get_runtime()
    certificate = await certificates.issue_certificate(
        runtime.db, runtime.storage, runtime.settings, enrollment_id=uuid.UUID(enrollment_id)
    )
    return certificate.id


@dramatiq.actor(max_retries=MAX_RETRIES, throws=(certificates.NotEligible,))
async def issue_certificate(enrollment_id: str) -> None:
    await issue_for_enrollment(enrollment_id)
