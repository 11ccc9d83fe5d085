"""Login, refresh-token rotation, logout and the user's sessions (refresh-token families).

A login opens a family (`auth_sessions`) holding one live refresh token at a time: each use
rotates it (the old row gets `rotated_at` + `replaced_by_id`). Presenting a rotated token again
means it leaked: the whole family is revoked (`reuse_detected`) and nothing is issued.

The family remembers how its login was authenticated (`amr`, RFC 8176): `["pwd"]` after a
password, `["pwd", "otp"]` when a TOTP or recovery code was verified too. Every access token of
the family carries it, refreshed ones included.
"""

from __future__ import annotations

import contextlib
import ipaddress
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import known_devices, mfa, repo, revocation, throttle
from app.accounts.devices import MAX_USER_AGENT_LENGTH, device_label
from app.accounts.errors import AccountsCode
from app.accounts.models import AuthSession, RefreshToken, User
from app.accounts.validation import normalize_email
from app.analytics import EventType, record_event
from app.clock import utcnow
from app.db import Database
from app.errors import Invalid, NotFound, RateLimited, ServiceUnavailable, Unauthenticated
from app.security.crypto import new_token, token_hash
from app.security.passwords import (
    MAX_LENGTH,
    dummy_verify,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.security.permissions import admin_mfa_missing
from app.security.tokens import AMR_OTP, AMR_PASSWORD, KeyRing, issue_access_token
from app.settings import Settings

log = structlog.get_logger(__name__)

REUSE_DETECTED = "reuse_detected"


@dataclass(frozen=True)
class AuthResult:
    user: User
    session_id: uuid.UUID
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    amr: tuple[str, ...] = (AMR_PASSWORD,)
    # An admin signed in without a second factor while MFA_REQUIRED_FOR_ADMINS is on: admin
    # capabilities stay locked until TOTP is set up and used at sign-in.
    mfa_setup_required: bool = False


@dataclass(frozen=True)
class _ReuseDetected:
    session_id: uuid.UUID


def _ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def usable(user: User | None) -> bool:
    return user is not None and user.is_active and user.deleted_at is None


async def _new_refresh_token(
    session: AsyncSession, settings: Settings, family: AuthSession, now: datetime
) -> tuple[RefreshToken, str]:
    raw = new_token()
    expires_at = min(now + timedelta(seconds=settings.refresh_token_ttl_seconds), family.expires_at)
    row = RefreshToken(session_id=family.id, token_hash=token_hash(raw), expires_at=expires_at)
    session.add(row)
    await session.flush()
    return row, raw


def _result(
    keyring: KeyRing,
    settings: Settings,
    user: User,
    family: AuthSession,
    token: RefreshToken,
    raw: str,
) -> AuthResult:
    amr = tuple(family.amr)
    access, access_exp = issue_access_token(
        keyring, settings, user=user, session_id=family.id, amr=amr
    )
    return AuthResult(
        user,
        family.id,
        access,
        access_exp,
        raw,
        token.expires_at,
        amr=amr,
        mfa_setup_required=admin_mfa_missing(
            user.role, amr, required=settings.mfa_required_for_admins
        ),
    )


async def open_session(
    session: AsyncSession,
    *,
    settings: Settings,
    keyring: KeyRing,
    user: User,
    ip: str | None,
    user_agent: str | None,
    amr: Sequence[str] = (AMR_PASSWORD,),
) -> AuthResult:
    """Start a new refresh-token family for `user` on this device and issue both tokens; `amr`
    names how the user authenticated (kept for the family's lifetime)."""
    now = utcnow()
    agent = user_agent[:MAX_USER_AGENT_LENGTH] if user_agent else None
    family = AuthSession(
        user_id=user.id,
        last_used_at=now,
        expires_at=now + timedelta(seconds=settings.refresh_token_absolute_ttl_seconds),
        ip_address=_ip(ip),
        user_agent=agent,
        device=device_label(agent),
        amr=list(amr),
    )
    session.add(family)
    await session.flush()
    token, raw = await _new_refresh_token(session, settings, family, now)
    return _result(keyring, settings, user, family, token, raw)


def _invalid_credentials() -> Invalid:
    return Invalid(
        None,
        "Invalid e-mail or password (a new account signs in once its address is verified)",
        AccountsCode.INVALID_CREDENTIALS,
    )


async def _check_second_factor(
    session: AsyncSession,
    settings: Settings,
    user: User,
    totp_code: str | None,
    now: datetime | None,
) -> tuple[str, ...] | None:
    """The login's `amr`: ("pwd",) without MFA, ("pwd", "otp") after a valid TOTP or recovery
    code; None for a wrong code. Raises MFA_REQUIRED without a code."""
    if not await mfa.is_enabled(session, user.id):
        return (AMR_PASSWORD,)
    if not totp_code:
        raise Invalid(
            "totp_code", "Enter the code from your authenticator app", AccountsCode.MFA_REQUIRED
        )
    if not await mfa.verify_second_factor(
        session, settings, user_id=user.id, code=totp_code, now=now
    ):
        return None
    return (AMR_PASSWORD, AMR_OTP)


async def login(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    keyring: KeyRing,
    email: str,
    password: str,
    totp_code: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    device: str | None = None,
    now: datetime | None = None,
) -> AuthResult:
    """Same answer for unknown e-mail, wrong password, unverified and inactive account (no
    enumeration); `now` (default: the clock) decides which TOTP codes are current.

    Failures are throttled per (account, IP) and per IP; past the per-account ceiling (reachable
    by an attacker on many IPs) only a known `device` (app.accounts.known_devices) may try."""
    account = normalize_email(email)[:254]
    buckets = throttle.login_buckets(settings, account=account, ip=ip)
    await throttle.guard(redis, *buckets.hard)
    user = await repo.get_user_by_email(session, account) if len(email) <= 320 else None
    ceiling = await throttle.refused(redis, buckets.account)
    if ceiling and not (user is not None and known_devices.knows(settings, device, user.id)):
        raise RateLimited(ceiling)
    ok = False
    if len(password) > MAX_LENGTH:
        pass  # never hash oversized input
    elif user is None:
        dummy_verify(password)  # equal timing for unknown accounts
    else:
        ok = verify_password(user.password_hash, password)
    if not ok or user is None or not usable(user) or user.email_verified_at is None:
        await throttle.record_failure(redis, *buckets.every)
        raise _invalid_credentials()
    amr = await _check_second_factor(session, settings, user, totp_code, now)
    if amr is None:
        await throttle.record_failure(redis, *buckets.every)
        raise mfa.invalid_code("totp_code")
    await throttle.forget(redis, buckets.account_ip)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return await open_sign_in(
        session,
        settings=settings,
        keyring=keyring,
        user=user,
        ip=ip,
        user_agent=user_agent,
        amr=amr,
        method="password",
    )


async def open_sign_in(
    session: AsyncSession,
    *,
    settings: Settings,
    keyring: KeyRing,
    user: User,
    ip: str | None,
    user_agent: str | None,
    amr: Sequence[str],
    method: str,
) -> AuthResult:
    """A completed sign-in (`method`: password, oidc): stamp it, log the `user.signed_in`
    learning event (after commit) and open the session."""
    user.last_login_at = utcnow()
    record_event(
        EventType.USER_SIGNED_IN,
        user_id=user.id,
        properties={"method": method, "mfa": AMR_OTP in amr},
        occurred_at=user.last_login_at,
        session=session,
    )
    return await open_session(
        session,
        settings=settings,
        keyring=keyring,
        user=user,
        ip=ip,
        user_agent=user_agent,
        amr=amr,
    )


async def _rotate(
    session: AsyncSession,
    *,
    settings: Settings,
    keyring: KeyRing,
    refresh_token: str,
    ip: str | None,
    user_agent: str | None,
) -> AuthResult | _ReuseDetected:
    token = await repo.lock_refresh_token(session, token_hash(refresh_token))
    family = await repo.lock_session(session, token.session_id) if token else None
    now = utcnow()
    if token is None or family is None or family.revoked_at is not None:
        raise Unauthenticated("Invalid refresh token")
    if token.rotated_at is not None:
        family.revoked_at, family.revoked_reason = now, REUSE_DETECTED
        log.warning("refresh_token_reuse", user_id=str(family.user_id), session_id=str(family.id))
        return _ReuseDetected(family.id)
    user = await repo.get_user(session, family.user_id)
    if token.expires_at <= now or family.expires_at <= now or user is None or not usable(user):
        raise Unauthenticated("Invalid refresh token")
    new, raw = await _new_refresh_token(session, settings, family, now)
    token.rotated_at, token.replaced_by_id = now, new.id
    family.last_used_at = now
    family.ip_address = _ip(ip) or family.ip_address
    return _result(keyring, settings, user, family, new, raw)


async def refresh(
    db: Database,
    *,
    redis: Redis,
    settings: Settings,
    keyring: KeyRing,
    refresh_token: str,
    ip: str | None = None,
    user_agent: str | None = None,
) -> AuthResult:
    """Rotate `refresh_token`. Owns its transaction: when reuse is detected the family's
    revocation must commit although the call fails (a raised error would roll it back)."""
    if not refresh_token or len(refresh_token) > 256:
        raise Unauthenticated("Invalid refresh token")
    async with db.transaction() as session:
        outcome = await _rotate(
            session,
            settings=settings,
            keyring=keyring,
            refresh_token=refresh_token,
            ip=ip,
            user_agent=user_agent,
        )
    if isinstance(outcome, _ReuseDetected):
        # after the commit: the family stays revoked in the database even if Redis is down
        # (requests then check the database instead)
        with contextlib.suppress(ServiceUnavailable):
            await revocation.revoke(redis, settings, [outcome.session_id])
        raise Unauthenticated("Invalid refresh token")
    return outcome


async def _family_of(session: AsyncSession, refresh_token: str | None) -> AuthSession | None:
    if not refresh_token or len(refresh_token) > 256:
        return None
    token = await repo.find_refresh_token(session, token_hash(refresh_token))
    return await repo.lock_session(session, token.session_id) if token else None


async def logout(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    user_id: uuid.UUID | None,
    session_id: uuid.UUID | None,
    refresh_token: str | None,
    all_devices: bool = False,
) -> None:
    """Revoke this session (from the access token's `sid` or the refresh token) and its access
    tokens at once; with `all_devices`, revoke every session and bump the token version."""
    family = await _family_of(session, refresh_token)
    owner = user_id or (family.user_id if family else None)
    now = utcnow()
    if all_devices:
        user = await repo.get_user(session, owner, for_update=True) if owner else None
        if user is None:
            raise Unauthenticated()
        user.token_version += 1
        await repo.revoke_sessions(session, user_id=user.id, reason="logout_all", now=now)
        return
    ended = [
        (sid, uid)
        for sid, uid in ((session_id, user_id), (family.id if family else None, owner))
        if sid is not None and uid is not None
    ]
    for sid, uid in ended:
        await repo.revoke_sessions(session, user_id=uid, reason="logout", now=now, only_id=sid)
    await revocation.revoke(redis, settings, [sid for sid, _ in ended])


async def revoke_session(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
) -> None:
    """Revoke one of the caller's own sessions and its access tokens; another user's session is
    NOT_FOUND."""
    revoked = await repo.revoke_sessions(
        session, user_id=user_id, reason="revoked_by_user", now=utcnow(), only_id=session_id
    )
    if not revoked:
        raise NotFound("Session")
    await revocation.revoke(redis, settings, [session_id])


async def revoke_all_sessions(session: AsyncSession, *, user: User, reason: str) -> None:
    """Bump the token version (every access token dies) and revoke every refresh family."""
    user.token_version += 1
    await repo.revoke_sessions(session, user_id=user.id, reason=reason, now=utcnow())
