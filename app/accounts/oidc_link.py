"""Linking a provider identity to the existing account that has its verified e-mail address
(the LINK_REQUIRED answer of app.accounts.oidc): the user proves the account is theirs with

- its password (`confirm_link`), or
- a one-time link e-mailed to the account's address (`send_link_email`, then
  `confirm_link_by_email`) — the way for an account without a password;

and with its second factor when TOTP is on. Either way the identity is linked and the user signed
in. The e-mailed token is random, kept in Redis only as a hash, single-use and expiring after
OIDC_PENDING_TTL_SECONDS; a pending step sends at most one e-mail (sending ends it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import identities_repo, oidc_pending
from app.accounts.errors import AccountsCode
from app.accounts.identities import UNUSABLE_PASSWORD
from app.accounts.models import User
from app.accounts.oidc import (
    AMR_FEDERATED,
    LINK,
    Client,
    identity_in_use,
    open_for,
    pending_user,
    second_factor,
)
from app.accounts.oidc_errors import invalid_pending
from app.accounts.sessions import AuthResult
from app.clock import utcnow
from app.errors import Invalid
from app.notifications.service import queue_email
from app.security.passwords import MAX_LENGTH, verify_password
from app.security.tokens import AMR_PASSWORD, KeyRing
from app.settings import Settings

LINK_EMAIL = "link_email"
LINK_PAGE = "link-identity"


async def _link(
    session: AsyncSession, user: User, pending: dict[str, Any], *, by_password: bool
) -> None:
    """Link the identity; an address not verified before is verified now. Proven by the e-mailed
    link alone, an unverified account's password is dropped: whoever chose it never proved the
    address, and must not sign into the account of the address's owner (pre-hijacking)."""
    if user.email_verified_at is None and not by_password:
        user.password_hash = UNUSABLE_PASSWORD
    linked = await identities_repo.add(
        session,
        user_id=user.id,
        provider=pending["provider"],
        subject=pending["subject"],
        email=pending["email"],
        now=utcnow(),
    )
    if linked is None:
        raise identity_in_use()
    if user.email_verified_at is None and user.email == pending["email"]:
        user.email_verified_at = utcnow()


async def confirm_link(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    keyring: KeyRing,
    pending_token: str,
    password: str,
    totp_code: str | None = None,
    client: Client,
    now: datetime | None = None,
) -> AuthResult:
    """Link with the account's password (and second factor), then sign in. A wrong password or
    code counts against the step's attempts."""
    pending, user = await pending_user(session, redis, pending_token, LINK)
    if len(password) > MAX_LENGTH or not verify_password(user.password_hash, password):
        await oidc_pending.fail_pending(redis, settings, pending_token)
        raise Invalid("password", "The password is not correct", AccountsCode.INVALID_PASSWORD)
    otp = await second_factor(
        session, redis, settings, user=user, token=pending_token, totp_code=totp_code, now=now
    )
    if not await oidc_pending.finish_pending(redis, pending_token):
        raise invalid_pending()
    await _link(session, user, pending, by_password=True)
    return await open_for(
        session, settings, keyring, user, client, (AMR_FEDERATED, AMR_PASSWORD, *otp)
    )


async def send_link_email(
    session: AsyncSession, *, redis: Redis, settings: Settings, pending_token: str
) -> None:
    """E-mail the account's owner a one-time link that links the identity (ends the step)."""
    pending, user = await pending_user(session, redis, pending_token, LINK)
    if not await oidc_pending.finish_pending(redis, pending_token):
        raise invalid_pending()
    token = await oidc_pending.save_pending(redis, settings, {**pending, "kind": LINK_EMAIL})
    base = settings.frontend_url.rstrip("/")
    await queue_email(
        session,
        to=user.email,
        template="link_identity",
        user_id=user.id,
        context={
            "first_name": user.first_name,
            "provider": pending["provider"],
            "link": f"{base}/{LINK_PAGE}?{urlencode({'token': token})}",
        },
    )


async def confirm_link_by_email(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    keyring: KeyRing,
    token: str,
    totp_code: str | None = None,
    client: Client,
    now: datetime | None = None,
) -> AuthResult:
    """Use the e-mailed link (and the second factor when on): link, then sign in."""
    pending, user = await pending_user(session, redis, token, LINK_EMAIL, "token")
    otp = await second_factor(
        session, redis, settings, user=user, token=token, totp_code=totp_code, now=now
    )
    if not await oidc_pending.finish_pending(redis, token):
        raise invalid_pending("token")
    await _link(session, user, pending, by_password=False)
    return await open_for(session, settings, keyring, user, client, (AMR_FEDERATED, *otp))
