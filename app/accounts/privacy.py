"""The accounts domain's part of a GDPR export and erasure: the user row and profile, sign-in
sessions, permissions, one-time tokens, MFA and the identities linked for OIDC sign-in."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.identities import erase_identities, export_identities
from app.accounts.models import (
    AuthSession,
    OneTimeToken,
    RecoveryCode,
    TotpCredential,
    User,
    UserPermission,
    UserProfile,
)
from app.accounts.privacy_models import DataExport
from app.clock import utcnow
from app.privacy import DELETED_USER, ErasureSubject, placeholder_email, plain_rows

UNUSABLE_PASSWORD = "!erased"  # noqa: S105 - not a hash any verifier accepts
_USER_COLUMNS = (
    User.id,
    User.email,
    User.first_name,
    User.last_name,
    User.phone,
    User.age,
    User.role,
    User.email_verified_at,
    User.last_login_at,
    User.created_at,
)
_PROFILE_COLUMNS = [c for c in UserProfile.__table__.c if c.name != "user_id"]


async def export_user_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    user = (await session.execute(select(*_USER_COLUMNS).where(User.id == user_id))).all()
    profile = (
        await session.execute(select(*_PROFILE_COLUMNS).where(UserProfile.user_id == user_id))
    ).all()
    sessions = await session.execute(
        select(
            AuthSession.id,
            AuthSession.created_at,
            AuthSession.last_used_at,
            AuthSession.expires_at,
            AuthSession.revoked_at,
            AuthSession.ip_address,
            AuthSession.user_agent,
            AuthSession.device,
        ).where(AuthSession.user_id == user_id)
    )
    permissions = await session.scalars(
        select(UserPermission.permission).where(UserPermission.user_id == user_id)
    )
    mfa = await session.scalar(
        select(TotpCredential.confirmed_at).where(TotpCredential.user_id == user_id)
    )
    rows = plain_rows(user)
    profile_rows = plain_rows(profile)
    return {
        "profile": {
            "user": rows[0] if rows else None,
            "profile": profile_rows[0] if profile_rows else None,
            "permissions": list(permissions),
            "two_factor_enabled_at": mfa.isoformat() if mfa else None,
        },
        "sessions": plain_rows(sessions.all()),
        "linked_identities": await export_identities(session, user_id),
    }


async def erase_user_data(session: AsyncSession, subject: ErasureSubject) -> None:
    """Anonymise the user row (kept: orders, enrollments and votes still point at it) and delete
    the profile's contents, sessions (every access token dies with the token version), tokens,
    MFA, permissions and earlier data exports (their zips too)."""
    user_id = subject.user_id
    now = utcnow()
    exports = await session.scalars(
        select(DataExport.storage_key).where(
            DataExport.user_id == user_id, DataExport.storage_key.is_not(None)
        )
    )
    subject.storage_keys.extend(key for key in exports.all() if key)
    await session.execute(delete(DataExport).where(DataExport.user_id == user_id))
    for model, column in (
        (AuthSession, AuthSession.user_id),
        (OneTimeToken, OneTimeToken.user_id),
        (TotpCredential, TotpCredential.user_id),
        (RecoveryCode, RecoveryCode.user_id),
        (UserPermission, UserPermission.user_id),
    ):
        await session.execute(delete(model).where(column == user_id))
    await erase_identities(session, user_id)
    await session.execute(
        update(UserProfile)
        .where(UserProfile.user_id == user_id)
        .values(
            headline=None,
            bio=None,
            avatar_asset_id=None,
            experience_level=None,
            website_url=None,
            linkedin_url=None,
            github_url=None,
            twitter_url=None,
            preferences={},
            privacy_settings={},
            timezone="UTC",
            language="en",
        )
    )
    first, _, last = DELETED_USER.partition(" ")
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            email=placeholder_email(user_id),
            first_name=first,
            last_name=last,
            phone=None,
            age=None,
            password_hash=UNUSABLE_PASSWORD,
            is_active=False,
            email_verified_at=None,
            last_login_at=None,
            password_changed_at=None,
            token_version=User.token_version + 1,
            deleted_at=func.coalesce(User.deleted_at, now),
        )
        .execution_options(synchronize_session=False)
    )
