"""One-time tokens (verify e-mail, reset password, change e-mail): random, hashed at rest,
single-use, expiring; issuing a new one invalidates the earlier unused ones of that purpose."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repo
from app.accounts.errors import AccountsCode
from app.accounts.models import OneTimeToken, TokenPurpose
from app.clock import utcnow
from app.errors import Invalid
from app.security.crypto import new_token, token_hash
from app.settings import Settings

_PAGES = {
    TokenPurpose.VERIFY_EMAIL: "verify-email",
    TokenPurpose.CHANGE_EMAIL: "verify-email",
    TokenPurpose.RESET_PASSWORD: "reset-password",
    TokenPurpose.DELETE_ACCOUNT: "confirm-account-deletion",
}


def ttl_seconds(settings: Settings, purpose: TokenPurpose) -> int:
    return {
        TokenPurpose.VERIFY_EMAIL: settings.verification_token_ttl_seconds,
        TokenPurpose.RESET_PASSWORD: settings.reset_token_ttl_seconds,
        TokenPurpose.CHANGE_EMAIL: settings.email_change_token_ttl_seconds,
        TokenPurpose.DELETE_ACCOUNT: settings.account_deletion_token_ttl_seconds,
    }[purpose]


def link(settings: Settings, purpose: TokenPurpose, token: str) -> str:
    base = settings.frontend_url.rstrip("/")
    return f"{base}/{_PAGES[purpose]}?{urlencode({'token': token})}"


async def issue(
    session: AsyncSession,
    settings: Settings,
    *,
    user_id: uuid.UUID,
    purpose: TokenPurpose,
    payload: dict[str, Any] | None = None,
) -> str:
    """Create a token and return its link (the raw token exists only inside the link)."""
    now = utcnow()
    await repo.invalidate_tokens(session, user_id=user_id, purposes=[purpose], now=now)
    raw = new_token()
    session.add(
        OneTimeToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=token_hash(raw),
            payload=payload or {},
            expires_at=now + timedelta(seconds=ttl_seconds(settings, purpose)),
        )
    )
    await session.flush()
    return link(settings, purpose, raw)


def invalid_token() -> Invalid:
    return Invalid("token", "This link is invalid or has expired", AccountsCode.INVALID_TOKEN)


async def consume(
    session: AsyncSession, token: str, purposes: Iterable[TokenPurpose]
) -> OneTimeToken:
    """Use a token once; `invalid_token()` when unknown, used or expired."""
    row = None
    if 0 < len(token) <= 256:
        row = await repo.consume_token(session, token_hash=token_hash(token), purposes=purposes)
    if row is None:
        raise invalid_token()
    return row
