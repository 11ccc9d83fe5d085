"""Dramatiq actors. The broker module is imported first so it is set before any actor exists."""

from workers import (
    analytics,
    analytics_events,
    broker,
    catalog,
    certificates,
    commerce,
    email,
    media,
    privacy,
    push,
    search,
    webhooks,
)

__all__ = [
    "analytics",
    "analytics_events",
    "broker",
    "catalog",
    "certificates",
    "commerce",
    "email",
    "media",
    "privacy",
    "push",
    "search",
    "webhooks",
]
