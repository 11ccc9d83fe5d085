"""The signed, expiring download of an analytics file (an xAPI export, a CSV report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.clock import utcnow
from app.integrations.storage import Storage


@dataclass(frozen=True)
class Download:
    url: str
    expires_at: datetime


def signed_download(storage: Storage, key: str, *, expires_in: int, filename: str) -> Download:
    """A URL to the stored file that works for `expires_in` seconds, and when it stops."""
    url = storage.download_url(key, expires_in=expires_in, filename=filename)
    return Download(url, utcnow() + timedelta(seconds=expires_in))
