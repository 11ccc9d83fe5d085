"""Known devices: the second signal that lets the owner sign in past the per-account ceiling.

A browser that signed in to an account (or solved an e-mailed link of it) keeps an encrypted,
authenticated value (Fernet, key derived from SECRET_KEY) naming the accounts it knows and since
when; the GraphQL layer keeps it in an HTTP-only cookie. Nobody can forge one, and it says nothing
to whoever reads it. At most `MAX_ACCOUNTS` accounts per device, each for `LIFETIME`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import orjson

from app.clock import utcnow
from app.security.crypto import InvalidToken, decrypt, encrypt
from app.settings import Settings

PURPOSE = b"known-device"
LIFETIME = timedelta(days=180)
MAX_ACCOUNTS = 5
MAX_VALUE_LENGTH = 2048


def _accounts(settings: Settings, value: str | None) -> dict[str, int]:
    """The accounts the value names that are still within their lifetime (none if forged)."""
    if not value or len(value) > MAX_VALUE_LENGTH:
        return {}
    try:
        data = orjson.loads(decrypt(settings.secret_key, PURPOSE, value.encode()))
    except (InvalidToken, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    oldest = int((utcnow() - LIFETIME).timestamp())
    return {str(k): v for k, v in data.items() if type(v) is int and v > oldest}


def knows(settings: Settings, value: str | None, user_id: uuid.UUID) -> bool:
    return user_id.hex in _accounts(settings, value)


def remember(settings: Settings, value: str | None, user_id: uuid.UUID) -> str:
    """The value that knows `user_id` (from now) beside the accounts `value` knew."""
    accounts = _accounts(settings, value)
    accounts.pop(user_id.hex, None)
    newest = sorted(accounts.items(), key=lambda item: -item[1])[: MAX_ACCOUNTS - 1]
    data = {user_id.hex: int(utcnow().timestamp()), **dict(newest)}
    return encrypt(settings.secret_key, PURPOSE, orjson.dumps(data)).decode()
