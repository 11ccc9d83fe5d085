"""Outbound webhooks. What other domains and the composition roots may call:

- `app.webhooks.events`: one function per event (`order_paid`, `enrollment_created`, …), called
  in the transaction of the change that causes it;
- `set_renderer`: the composition roots register the GraphQL renderer of subscription queries.
"""

from app.webhooks.events import (
    WEBHOOK_TOPIC,
    certificate_issued,
    course_completed,
    course_published,
    enrollment_created,
    order_paid,
    refund_processed,
    user_registered,
)
from app.webhooks.render import EventEnvelope, RenderFailed, RenderScope, set_renderer

__all__ = [
    "WEBHOOK_TOPIC",
    "EventEnvelope",
    "RenderFailed",
    "RenderScope",
    "certificate_issued",
    "course_completed",
    "course_published",
    "enrollment_created",
    "order_paid",
    "refund_processed",
    "set_renderer",
    "user_registered",
]
