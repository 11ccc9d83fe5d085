"""Admins manage users: the user list, deactivation and reactivation, forced sign-out and a new
verification e-mail for someone else. Every function needs `users.manage` (admins) and takes the
caller's session (never commits).

Deactivating or signing a user out bumps their token version and revokes every refresh-token
family (`app.accounts.sessions.revoke_all_sessions`): their next request with any access token
they hold is UNAUTHENTICATED and no refresh token works. An admin cannot do either to themself.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.models import User, UserRole, UserStatus
from app.accounts.sessions import revoke_all_sessions
from app.admin.errors import AdminCode
from app.errors import Conflict, Invalid, NotFound
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, Permission, require_permission
from app.settings import Settings

MAX_SEARCH_LENGTH = 200


async def _require_manager(session: AsyncSession, actor: Actor) -> None:
    require_permission(
        actor, Permission.USERS_MANAGE, await accounts.permissions_of(session, actor.id)
    )


async def _target(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await accounts.get_user(session, user_id, for_update=True)
    if user is None or user.deleted_at is not None:
        raise NotFound("User")
    return user


async def list_users(
    session: AsyncSession,
    *,
    actor: Actor,
    request: PageRequest,
    role: UserRole | None = None,
    status: UserStatus | None = None,
    search: str | None = None,
    with_total: bool = False,
) -> Page[User]:
    """Users newest first, by role, status and a text in the name or e-mail address (taken
    literally, case-insensitive; at most 200 characters)."""
    await _require_manager(session, actor)
    text = (search or "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise Invalid("search", f"At most {MAX_SEARCH_LENGTH} characters, please.")
    return await accounts.list_users(
        session,
        request=request,
        role=role,
        status=status,
        search=text or None,
        with_total=with_total,
    )


async def deactivate_user(session: AsyncSession, *, actor: Actor, user_id: uuid.UUID) -> User:
    """The user can no longer sign in; every session of theirs ends at once."""
    await _require_manager(session, actor)
    if user_id == actor.id:
        raise Invalid(
            "user_id",
            AdminCode.CANNOT_DEACTIVATE_SELF.description,
            AdminCode.CANNOT_DEACTIVATE_SELF,
        )
    user = await _target(session, user_id)
    if not user.is_active:
        raise Conflict(
            "user_id", AdminCode.ALREADY_DEACTIVATED.description, AdminCode.ALREADY_DEACTIVATED
        )
    user.is_active = False
    await revoke_all_sessions(session, user=user, reason="deactivated")
    return user


async def reactivate_user(session: AsyncSession, *, actor: Actor, user_id: uuid.UUID) -> User:
    """A deactivated user may sign in again (no session of theirs comes back)."""
    await _require_manager(session, actor)
    user = await _target(session, user_id)
    if user.is_active:
        raise Conflict("user_id", AdminCode.NOT_DEACTIVATED.description, AdminCode.NOT_DEACTIVATED)
    user.is_active = True
    return user


async def force_logout(session: AsyncSession, *, actor: Actor, user_id: uuid.UUID) -> User:
    """Sign the user out everywhere, like their own "logout everywhere"."""
    await _require_manager(session, actor)
    if user_id == actor.id:
        raise Invalid(
            "user_id",
            AdminCode.CANNOT_FORCE_LOGOUT_SELF.description,
            AdminCode.CANNOT_FORCE_LOGOUT_SELF,
        )
    user = await _target(session, user_id)
    await revoke_all_sessions(session, user=user, reason="forced_logout")
    return user


async def resend_verification_for(
    session: AsyncSession, *, actor: Actor, settings: Settings, user_id: uuid.UUID
) -> User:
    """E-mail a new verification link to an active user whose address is not verified yet."""
    await _require_manager(session, actor)
    user = await _target(session, user_id)
    if not user.is_active:
        raise Conflict(
            "user_id", AdminCode.ACCOUNT_DEACTIVATED.description, AdminCode.ACCOUNT_DEACTIVATED
        )
    if user.email_verified_at is not None:
        raise Conflict(
            "user_id", AdminCode.ALREADY_VERIFIED.description, AdminCode.ALREADY_VERIFIED
        )
    await accounts.send_verification(session, settings, user)
    return user
