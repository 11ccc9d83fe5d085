"""Codes of the expected failures of the notifications domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class NotificationsCode(Code):
    INVALID_LINK = (
        "INVALID_LINK",
        "The confirmation or unsubscribe link is not valid, or has expired.",
    )
    INVALID_PUSH_SUBSCRIPTION = (
        "INVALID_PUSH_SUBSCRIPTION",
        "The push subscription is not a valid Web Push subscription (https endpoint, keys).",
    )
    NOT_CHOOSABLE = (
        "NOT_CHOOSABLE",
        "This notification type has no channel preferences (the digest e-mail itself).",
    )
    DUPLICATE_TYPE = (
        "DUPLICATE_TYPE",
        "A notification type is listed more than once in one preferences update.",
    )
    TRANSACTIONAL_EMAIL = (
        "TRANSACTIONAL_EMAIL",
        "Payment and refund e-mails are transactional: they cannot be turned off or put in a "
        "digest.",
    )
