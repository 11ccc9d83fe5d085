"""TOTP two-factor authentication with single-use recovery codes.

The TOTP secret is stored encrypted (Fernet, key derived from SECRET_KEY via HKDF). A code is
accepted for the current 30-second step or one step either side, and only when its step is later
than the last accepted one (a code cannot be replayed). The current step comes from `now`, which
defaults to `app.clock.utcnow()` (never the wall clock directly, so tests pin it). Recovery codes
are shown once and stored as SHA-256 hashes; each works once.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import pyotp
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repo
from app.accounts.errors import AccountsCode
from app.accounts.models import TotpCredential, User
from app.accounts.throttle import check_current_password
from app.clock import utcnow
from app.errors import FieldError, Invalid, NotFound, collect
from app.security.crypto import decrypt, encrypt, token_hash
from app.settings import Settings

_SECRET_PURPOSE = b"easyways:totp-secret:v1"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
VALID_WINDOW = 1


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    otpauth_uri: str


def invalid_code(field: str = "code") -> Invalid:
    return Invalid(field, "The authentication code is not valid", AccountsCode.INVALID_MFA_CODE)


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _normalize_recovery_code(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")


def _recovery_hash(code: str) -> bytes:
    return token_hash(_normalize_recovery_code(code))


def _secret(settings: Settings, credential: TotpCredential) -> str:
    return decrypt(settings.secret_key, _SECRET_PURPOSE, credential.secret_encrypted).decode()


def matching_step(secret: str, code: str, *, now: datetime) -> int | None:
    """The time step (within ±VALID_WINDOW of `now`'s) whose code equals `code`, else None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def is_enabled(session: AsyncSession, user_id: uuid.UUID) -> bool:
    return (await repo.totp_enabled_by_user_ids(session, [user_id]))[0]


async def verify_second_factor(
    session: AsyncSession,
    settings: Settings,
    *,
    user_id: uuid.UUID,
    code: str,
    now: datetime | None = None,
) -> bool:
    """A fresh TOTP code (replay-safe) or an unused recovery code (then spent)."""
    credential = await repo.get_totp(session, user_id)
    if credential is None or credential.confirmed_at is None or len(code) > 64:
        return False
    step = matching_step(_secret(settings, credential), code, now=now or utcnow())
    if step is not None:
        return await repo.claim_totp_step(session, user_id, step)
    return await repo.use_recovery_code(session, user_id, _recovery_hash(code))


async def _user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await repo.get_user(session, user_id, for_update=True)
    if user is None:
        raise NotFound("User")
    return user


async def _reauthenticate(
    redis: Redis, settings: Settings, user: User, password: str, ip: str | None
) -> list[FieldError]:
    return await check_current_password(
        redis,
        settings,
        email=user.email,
        password_hash=user.password_hash,
        password=password,
        ip=ip,
    )


async def setup_totp(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    user_id: uuid.UUID,
    current_password: str,
    ip: str | None = None,
) -> TotpSetup:
    """Start (or restart) enrolment: a new, unconfirmed secret."""
    user = await _user(session, user_id)
    collect(await _reauthenticate(redis, settings, user, current_password, ip))
    credential = await repo.get_totp(session, user.id, for_update=True)
    if credential is not None and credential.confirmed_at is not None:
        raise Invalid(
            None, "Two-factor authentication is already enabled", AccountsCode.MFA_ALREADY_ENABLED
        )
    secret = pyotp.random_base32()
    encrypted = encrypt(settings.secret_key, _SECRET_PURPOSE, secret.encode())
    if credential is None:
        session.add(TotpCredential(user_id=user.id, secret_encrypted=encrypted))
    else:
        credential.secret_encrypted, credential.last_used_step = encrypted, None
    await session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=settings.totp_issuer)
    return TotpSetup(secret=secret, otpauth_uri=uri)


async def _new_recovery_codes(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    await repo.replace_recovery_codes(session, user_id, [_recovery_hash(c) for c in codes])
    return codes


async def confirm_totp(
    session: AsyncSession,
    *,
    settings: Settings,
    user_id: uuid.UUID,
    code: str,
    now: datetime | None = None,
) -> list[str]:
    """Enable TOTP with a first valid code; returns the recovery codes (shown once)."""
    now = now or utcnow()
    credential = await repo.get_totp(session, user_id, for_update=True)
    if credential is None or credential.confirmed_at is not None:
        raise Invalid(None, "Start two-factor setup first", AccountsCode.MFA_NOT_PENDING)
    step = matching_step(_secret(settings, credential), code, now=now)
    if step is None or not await repo.claim_totp_step(session, user_id, step):
        raise invalid_code()
    credential.confirmed_at = now
    return await _new_recovery_codes(session, user_id)


async def _require_enabled(session: AsyncSession, user_id: uuid.UUID) -> None:
    if not await is_enabled(session, user_id):
        raise Invalid(
            None, "Two-factor authentication is not enabled", AccountsCode.MFA_NOT_ENABLED
        )


async def disable_totp(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    user_id: uuid.UUID,
    current_password: str,
    code: str,
    ip: str | None = None,
    now: datetime | None = None,
) -> None:
    """Needs the password and a current code (or a recovery code)."""
    user = await _user(session, user_id)
    await _require_enabled(session, user.id)
    errors = await _reauthenticate(redis, settings, user, current_password, ip)
    if not errors and not await verify_second_factor(
        session, settings, user_id=user.id, code=code, now=now
    ):
        errors = invalid_code().errors
    collect(errors)
    await repo.delete_mfa(session, user.id)


async def regenerate_recovery_codes(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    user_id: uuid.UUID,
    current_password: str,
    ip: str | None = None,
) -> list[str]:
    user = await _user(session, user_id)
    await _require_enabled(session, user.id)
    collect(await _reauthenticate(redis, settings, user, current_password, ip))
    return await _new_recovery_codes(session, user.id)
