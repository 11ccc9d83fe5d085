"""Codes of the expected failures of outbound webhooks (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class WebhooksCode(Code):
    UNSAFE_URL = (
        "UNSAFE_URL",
        "Webhook URLs must be https:// and reach only public addresses (no loopback, private, "
        "link-local, multicast or reserved ones), checked for every address the name resolves to.",
    )
    EVENT_NOT_ALLOWED = (
        "EVENT_NOT_ALLOWED",
        "Your role may not subscribe to this event (instructors: course events only).",
    )
    INVALID_SUBSCRIPTION_QUERY = (
        "INVALID_SUBSCRIPTION_QUERY",
        "The subscription query does not parse or validate, is not one subscription to "
        "`webhookEvent`, takes variables, or is deeper or costlier than allowed.",
    )
    NOT_REDELIVERABLE = (
        "NOT_REDELIVERABLE",
        "This delivery has no rendered payload to send again (it never got that far).",
    )
