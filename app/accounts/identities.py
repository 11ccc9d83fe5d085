"""A user's linked sign-in identities: list, unlink, and the GDPR export and erasure.

An account created by a provider sign-in has no password (`UNUSABLE_PASSWORD`): its identities
are its only way in until the user sets a password through the password-reset e-mail. Unlinking
the last identity of such an account is refused (LAST_SIGN_IN_METHOD).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import identities_repo, repo
from app.accounts.models import LinkedIdentity, User
from app.accounts.oidc_errors import OidcCode
from app.errors import Conflict, NotFound

# Not an Argon2 hash: verify_password is False for every input (argon2 finds no valid hash).
UNUSABLE_PASSWORD = "!no-password"  # noqa: S105 - a marker, not a secret


def has_usable_password(user: User) -> bool:
    return not user.password_hash.startswith("!")


async def linked_identities(session: AsyncSession, user_id: uuid.UUID) -> Sequence[LinkedIdentity]:
    """The user's own identities, oldest first."""
    return await identities_repo.list_of(session, user_id)


async def unlink_identity(
    session: AsyncSession, *, user_id: uuid.UUID, identity_id: uuid.UUID
) -> None:
    """Remove one of the user's identities (another user's is NOT_FOUND). The user row is locked
    first, so two concurrent unlinks cannot together remove the last way to sign in."""
    user = await repo.get_user(session, user_id, for_update=True)
    identity = await identities_repo.get(session, identity_id)
    if user is None or identity is None or identity.user_id != user_id:
        raise NotFound("Identity")
    if not has_usable_password(user) and await identities_repo.count_of(session, user_id) <= 1:
        raise Conflict(
            "identity_id",
            "This is your only way to sign in: set a password first (password reset)",
            OidcCode.LAST_SIGN_IN_METHOD,
        )
    await identities_repo.remove(session, identity_id)


async def export_identities(session: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """What is held about the user's linked identities, as JSON-ready dicts (GDPR export)."""
    return [
        {
            "provider": row.provider,
            "subject": row.subject,
            "email": row.email,
            "created_at": row.created_at.isoformat(),
            "last_used_at": row.last_used_at.isoformat(),
        }
        for row in await identities_repo.list_of(session, user_id)
    ]


async def erase_identities(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Delete the user's linked identities (GDPR erasure); returns how many there were. An
    erased account can then no longer be reached through its provider identities."""
    return await identities_repo.remove_all(session, user_id)
