"""All SQL of the accounts domain. Batch reads take key lists and return rows in key order.
Nothing here commits: callers own the transaction."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import (
    AuthSession,
    OneTimeToken,
    RecoveryCode,
    RefreshToken,
    TokenPurpose,
    TotpCredential,
    User,
    UserPermission,
    UserProfile,
    UserRole,
    UserStatus,
)
from app.db import rows_with
from app.pagination import Page, PageRequest, SortKey, paginate

# --- batch reads (loaders) ----------------------------------------------------------------------


async def users_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[User | None]:
    rows = await rows_with(session, User.id, ids)
    found = {u.id: u for u in rows}
    return [found.get(i) for i in ids]


async def profiles_by_user_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[UserProfile | None]:
    rows = await rows_with(session, UserProfile.user_id, ids)
    found = {p.user_id: p for p in rows}
    return [found.get(i) for i in ids]


async def totp_enabled_by_user_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[bool]:
    rows = await session.scalars(
        select(TotpCredential.user_id).where(
            TotpCredential.user_id.in_(ids), TotpCredential.confirmed_at.is_not(None)
        )
    )
    enabled = set(rows)
    return [i in enabled for i in ids]


async def sessions_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[AuthSession | None]:
    rows = await rows_with(session, AuthSession.id, ids)
    found = {s.id: s for s in rows}
    return [found.get(i) for i in ids]


async def active_sessions_by_user_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[list[AuthSession]]:
    rows = await session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id.in_(ids),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > func.now(),
        )
        .order_by(AuthSession.last_used_at.desc(), AuthSession.id)
    )
    grouped: dict[uuid.UUID, list[AuthSession]] = defaultdict(list)
    for row in rows:
        grouped[row.user_id].append(row)
    return [grouped.get(i, []) for i in ids]


async def permissions_by_user_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[frozenset[str]]:
    rows = await session.execute(
        select(UserPermission.user_id, UserPermission.permission).where(
            UserPermission.user_id.in_(ids)
        )
    )
    grouped: dict[uuid.UUID, set[str]] = defaultdict(set)
    for user_id, permission in rows:
        grouped[user_id].add(permission)
    return [frozenset(grouped.get(i, ())) for i in ids]


# --- users --------------------------------------------------------------------------------------


async def get_user(
    session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False
) -> User | None:
    return await session.get(User, user_id, with_for_update=for_update, populate_existing=True)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def email_taken(session: AsyncSession, email: str, *, except_id: uuid.UUID | None) -> bool:
    query = select(User.id).where(User.email == email)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return (await session.scalar(query.limit(1))) is not None


async def add_user(session: AsyncSession, user: User, profile: UserProfile) -> None:
    """Insert in a savepoint, so a unique violation leaves the caller's transaction usable."""
    async with session.begin_nested():
        session.add(user)
        await session.flush()
        profile.user_id = user.id
        session.add(profile)
        await session.flush()


async def get_profile(session: AsyncSession, user_id: uuid.UUID) -> UserProfile | None:
    return await session.get(UserProfile, user_id)


async def list_permissions(session: AsyncSession, user_id: uuid.UUID) -> frozenset[str]:
    return (await permissions_by_user_ids(session, [user_id]))[0]


def like_pattern(text: str) -> str:
    """`text` as an ILIKE pattern matching it anywhere, its own % _ and \\ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_users(
    session: AsyncSession,
    *,
    request: PageRequest,
    role: UserRole | None = None,
    status: UserStatus | None = None,
    search: str | None = None,
    with_total: bool = False,
) -> Page[User]:
    """One keyset page of users, newest first, by role, status and a text found in the name or
    the e-mail address (case-insensitive, taken literally)."""
    stmt: Select[Any] = select(User)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if status == UserStatus.ACTIVE:
        stmt = stmt.where(User.is_active.is_(True), User.deleted_at.is_(None))
    elif status == UserStatus.DEACTIVATED:
        stmt = stmt.where(User.is_active.is_(False), User.deleted_at.is_(None))
    elif status == UserStatus.DELETED:
        stmt = stmt.where(User.deleted_at.is_not(None))
    if search:
        pattern = like_pattern(search)
        full_name = User.first_name + " " + User.last_name
        stmt = stmt.where(or_(*(c.ilike(pattern, escape="\\") for c in (User.email, full_name))))
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(User.created_at.expression, descending=True)],
        tiebreaker=User.id.expression,
        request=request,
        with_total=with_total,
    )


# --- sessions and refresh tokens ----------------------------------------------------------------


async def lock_refresh_token(session: AsyncSession, token_hash: bytes) -> RefreshToken | None:
    """The token row, locked until the transaction ends (rotation is serialised per token)."""
    return await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    )


async def find_refresh_token(session: AsyncSession, token_hash: bytes) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


async def lock_session(session: AsyncSession, session_id: uuid.UUID) -> AuthSession | None:
    return await session.get(AuthSession, session_id, with_for_update=True, populate_existing=True)


async def revoke_sessions(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    reason: str,
    now: datetime,
    only_id: uuid.UUID | None = None,
) -> int:
    """Revoke the user's live sessions (or just `only_id`); returns how many were revoked."""
    query = (
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .returning(AuthSession.id)
        .execution_options(synchronize_session=False)
    )
    if only_id is not None:
        query = query.where(AuthSession.id == only_id)
    return len((await session.scalars(query)).all())


# --- one-time tokens ----------------------------------------------------------------------------


async def invalidate_tokens(
    session: AsyncSession, *, user_id: uuid.UUID, purposes: Iterable[TokenPurpose], now: datetime
) -> None:
    """Mark every unused token of these purposes used (a newer link replaces older ones)."""
    await session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose.in_(list(purposes)),
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


async def consume_token(
    session: AsyncSession, *, token_hash: bytes, purposes: Iterable[TokenPurpose]
) -> OneTimeToken | None:
    """Atomically mark a live token used; None when unknown, used, expired or another purpose."""
    row = await session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.token_hash == token_hash,
            OneTimeToken.purpose.in_(list(purposes)),
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at > func.now(),
        )
        .values(used_at=func.now())
        .returning(OneTimeToken)
        .execution_options(synchronize_session=False)
    )
    return row.scalar_one_or_none()


# --- MFA ----------------------------------------------------------------------------------------


async def get_totp(
    session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False
) -> TotpCredential | None:
    return await session.get(
        TotpCredential, user_id, with_for_update=for_update, populate_existing=True
    )


async def delete_mfa(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


async def claim_totp_step(session: AsyncSession, user_id: uuid.UUID, step: int) -> bool:
    """Record `step` as used unless it (or a later one) already was: replay protection."""
    result = await session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.user_id == user_id,
            (TotpCredential.last_used_step.is_(None)) | (TotpCredential.last_used_step < step),
        )
        .values(last_used_step=step)
        .returning(TotpCredential.user_id)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none() is not None


async def replace_recovery_codes(
    session: AsyncSession, user_id: uuid.UUID, code_hashes: Iterable[bytes]
) -> None:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.add_all(RecoveryCode(user_id=user_id, code_hash=h) for h in code_hashes)
    await session.flush()


async def use_recovery_code(session: AsyncSession, user_id: uuid.UUID, code_hash: bytes) -> bool:
    result = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == code_hash,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=func.now())
        .returning(RecoveryCode.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None
