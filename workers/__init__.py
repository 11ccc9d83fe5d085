"""Dramatiq actors. The broker module is imported first so it is set before any actor exists."""

from workers import (
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
