"""Dramatiq actors. The broker module is imported first so it is set before any actor exists."""

from workers import (
    analytics,
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
