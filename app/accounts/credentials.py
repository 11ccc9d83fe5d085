"""Password reset, password change and e-mail change."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import onetime, repo, throttle, validation
from app.accounts.errors import AccountsCode
from app.accounts.models import TokenPurpose, User
from app.accounts.service import charge_email_request, notify_address_in_use
from app.accounts.sessions import AuthResult, open_session, revoke_all_sessions, usable
from app.clock import utcnow
from app.errors import FieldError, NotFound, UserFacingError, collect
from app.notifications.service import queue_email
from app.security.passwords import hash_password, password_errors
from app.security.tokens import AMR_PASSWORD, KeyRing
from app.settings import Settings


def _personal(user: User) -> list[str]:
    return [user.email, user.first_name, user.last_name]


async def _set_password(session: AsyncSession, user: User, password: str, reason: str) -> None:
    """New hash, every session and access token revoked, and a notice to the owner."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    await revoke_all_sessions(session, user=user, reason=reason)
    await queue_email(
        session,
        to=user.email,
        template="password_changed",
        user_id=user.id,
        context={"first_name": user.first_name},
    )


async def request_password_reset(
    session: AsyncSession, *, redis: Redis, settings: Settings, email: str, ip: str | None = None
) -> None:
    """Always the same answer; a link goes out only when an active account has this address."""
    normalized = validation.normalize_email(email)[:254]
    await charge_email_request(redis, settings, prefix="reset", email=normalized, ip=ip)
    user = await repo.get_user_by_email(session, normalized)
    if user is None or not usable(user):
        return
    link = await onetime.issue(
        session, settings, user_id=user.id, purpose=TokenPurpose.RESET_PASSWORD
    )
    await queue_email(
        session,
        to=user.email,
        template="reset_password",
        user_id=user.id,
        context={"first_name": user.first_name, "link": link},
    )


async def reset_password(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    token: str,
    new_password: str,
    ip: str | None = None,
) -> User:
    """Set a new password with a reset link; signs out everywhere and marks the e-mail verified.
    A rejected new password leaves the link usable (the transaction rolls back)."""
    await throttle.take(
        redis,
        throttle.Bucket(
            throttle.ip_key("token", ip),
            settings.token_attempts_max_per_ip,
            settings.token_attempts_window_seconds,
        ),
    )
    try:
        row = await onetime.consume(session, token, [TokenPurpose.RESET_PASSWORD])
    except UserFacingError as exc:
        collect(exc.errors + password_errors(new_password, field="new_password"))
        raise
    user = await repo.get_user(session, row.user_id, for_update=True)
    if user is None or not usable(user):
        raise onetime.invalid_token()
    collect(password_errors(new_password, field="new_password", personal=_personal(user)))
    await _set_password(session, user, new_password, "password_reset")
    await repo.invalidate_tokens(
        session, user_id=user.id, purposes=[TokenPurpose.RESET_PASSWORD], now=utcnow()
    )
    user.email_verified_at = user.email_verified_at or utcnow()
    return user


async def _locked_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await repo.get_user(session, user_id, for_update=True)
    if user is None:
        raise NotFound("User")
    return user


async def change_password(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    keyring: KeyRing,
    user_id: uuid.UUID,
    current_password: str,
    new_password: str,
    ip: str | None = None,
    user_agent: str | None = None,
    amr: Sequence[str] = (AMR_PASSWORD,),
) -> AuthResult:
    """Needs the current password; every session is revoked and this device gets a new one,
    which keeps `amr` (how the caller's current session was authenticated)."""
    user = await _locked_user(session, user_id)
    errors: list[FieldError] = password_errors(
        new_password, field="new_password", personal=_personal(user)
    )
    if new_password == current_password:
        errors.append(
            FieldError(
                "new_password",
                "Choose a password you do not use now",
                AccountsCode.PASSWORD_UNCHANGED,
            )
        )
    errors = (
        await throttle.check_current_password(
            redis,
            settings,
            email=user.email,
            password_hash=user.password_hash,
            password=current_password,
            ip=ip,
        )
        + errors
    )
    collect(errors)
    await _set_password(session, user, new_password, "password_changed")
    return await open_session(
        session,
        settings=settings,
        keyring=keyring,
        user=user,
        ip=ip,
        user_agent=user_agent,
        amr=amr,
    )


async def change_email(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    user_id: uuid.UUID,
    new_email: str,
    current_password: str,
    ip: str | None = None,
) -> None:
    """Send a confirmation link to the new address and a notice to the current one; the
    address changes when the link is used (`verify_email`). An address another account uses
    gets the same answer: its owner is told someone tried to use it, and no link is sent."""
    user = await _locked_user(session, user_id)
    normalized = validation.normalize_email(new_email)
    errors = validation.email_errors(new_email, "new_email")
    if not errors and normalized == user.email:
        errors.append(
            FieldError("new_email", "This is already your e-mail address", AccountsCode.SAME_EMAIL)
        )
    errors = (
        await throttle.check_current_password(
            redis,
            settings,
            email=user.email,
            password_hash=user.password_hash,
            password=current_password,
            ip=ip,
        )
        + errors
    )
    collect(errors)
    await charge_email_request(redis, settings, prefix="change-email", email=normalized, ip=ip)
    owner = await repo.get_user_by_email(session, normalized)
    if owner is not None:  # the same answer; the address's owner hears of it instead
        await notify_address_in_use(session, settings, owner)
    else:
        link = await onetime.issue(
            session,
            settings,
            user_id=user.id,
            purpose=TokenPurpose.CHANGE_EMAIL,
            payload={"new_email": normalized},
        )
        await queue_email(
            session,
            to=normalized,
            template="confirm_email_change",
            user_id=user.id,
            context={"first_name": user.first_name, "link": link, "new_email": normalized},
        )
    await queue_email(
        session,
        to=user.email,
        template="email_changed_notice",
        user_id=user.id,
        context={"first_name": user.first_name, "new_email": normalized},
    )
