"""Dramatiq actors. The broker module is imported first so it is set before any actor exists."""

from workers import broker, email

__all__ = ["broker", "email"]
