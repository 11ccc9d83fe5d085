"""Roles, fine-grained permissions and resource ownership.

A user holds the permissions of their role plus any extra grants recorded in `user_permissions`.
Services call `require_*` where the rule lives; each raises `Forbidden`.

Two-factor authentication for administrators (`MFA_REQUIRED_FOR_ADMINS`): services that gate a
capability take an `Actor` (the caller plus how their session was authenticated, built at the API
edge by `schema.core.auth.require_actor`). While the setting is on and the admin's access token does
not show `otp` in its `amr`, every permission that only the admin role grants is refused with
`Forbidden(MFA_REQUIRED_FOR_ADMINS_MESSAGE)`; what admins share with other roles stays allowed.
A bare principal (a `User`) carries no `amr` and is never subject to that rule: pass an `Actor`.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from app.accounts.models import UserRole
from app.errors import Forbidden
from app.security.tokens import AMR_OTP

MFA_REQUIRED_FOR_ADMINS_MESSAGE = (
    "Two-factor authentication is required for administrators: set it up and sign in again "
    "with a code"
)


class Permission(enum.StrEnum):
    COURSES_CREATE = "courses.create"
    COURSES_PUBLISH = "courses.publish"
    COURSES_REVIEW = "courses.review"
    COURSES_MANAGE = "courses.manage"  # edit any course, not only one's own
    USERS_MANAGE = "users.manage"
    REFUNDS_MANAGE = "refunds.manage"
    MODERATION_MANAGE = "moderation.manage"
    GRADES_MANAGE = "grades.manage"
    ANALYTICS_VIEW_PLATFORM = "analytics.view_platform"
    ANALYTICS_VIEW_COURSE = "analytics.view_course"
    ANNOUNCEMENTS_PUBLISH = "announcements.publish"
    CMS_MANAGE = "cms.manage"


ROLE_PERMISSIONS: dict[UserRole, frozenset[Permission]] = {
    UserRole.STUDENT: frozenset(),
    UserRole.INSTRUCTOR: frozenset(
        {
            Permission.COURSES_CREATE,
            Permission.COURSES_PUBLISH,
            Permission.GRADES_MANAGE,
            Permission.ANALYTICS_VIEW_COURSE,
            Permission.ANNOUNCEMENTS_PUBLISH,
        }
    ),
    UserRole.ADMIN: frozenset(Permission),
}

# Granted by the admin role and by no other role: locked while an admin's MFA is missing.
ADMIN_ONLY_PERMISSIONS: frozenset[Permission] = ROLE_PERMISSIONS[UserRole.ADMIN].difference(
    *(perms for role, perms in ROLE_PERMISSIONS.items() if role != UserRole.ADMIN)
)


class Principal(Protocol):
    """Anything with an id and a role (the User model)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def role(self) -> UserRole: ...


def admin_mfa_missing(role: UserRole | str, amr: Iterable[str], *, required: bool) -> bool:
    """True for an admin whose session was not authenticated with a second factor while
    `MFA_REQUIRED_FOR_ADMINS` (`required`) is on."""
    return required and UserRole(role) == UserRole.ADMIN and AMR_OTP not in frozenset(amr)


@dataclass(frozen=True)
class Actor:
    """The caller of a service: a principal plus how their session was authenticated (the
    access token's `amr`) and whether admins must use MFA (the setting, read at the edge)."""

    id: uuid.UUID
    role: UserRole
    amr: frozenset[str] = frozenset()
    mfa_required_for_admins: bool = False
    # The scopes of the API key the caller authenticated with (None: not a key). A key acts for
    # its owner with the owner's permissions ∩ these scopes (`has_permission`).
    scopes: frozenset[str] | None = None

    @classmethod
    def of(
        cls,
        user: Principal,
        *,
        amr: Iterable[str] = (),
        mfa_required_for_admins: bool = False,
        scopes: Iterable[str] | None = None,
    ) -> Actor:
        return cls(
            user.id,
            UserRole(user.role),
            frozenset(amr),
            mfa_required_for_admins,
            frozenset(scopes) if scopes is not None else None,
        )

    @property
    def via_api_key(self) -> bool:
        return self.scopes is not None

    @property
    def admin_mfa_missing(self) -> bool:
        return admin_mfa_missing(self.role, self.amr, required=self.mfa_required_for_admins)


def permissions_of(role: UserRole | str, extra: Iterable[str] = ()) -> frozenset[str]:
    return frozenset(ROLE_PERMISSIONS[UserRole(role)]) | frozenset(extra)


def _locked_by_mfa(user: Principal | None, perm: Permission | str) -> bool:
    return isinstance(user, Actor) and user.admin_mfa_missing and perm in ADMIN_ONLY_PERMISSIONS


def _outside_key_scopes(user: Principal | None, perm: Permission | str) -> bool:
    return isinstance(user, Actor) and user.scopes is not None and str(perm) not in user.scopes


def _forbidden(user: Principal | None, perm: Permission | str, extra: Iterable[str]) -> Forbidden:
    if _outside_key_scopes(user, perm):
        return Forbidden(f"The API key does not have the `{perm}` scope")
    if user is not None and str(perm) in permissions_of(user.role, extra):
        return Forbidden(MFA_REQUIRED_FOR_ADMINS_MESSAGE)  # held, but locked until MFA is used
    return Forbidden()


def scope_allows(user: Principal | None, perm: Permission | str) -> bool:
    """Whether an API key the caller may be using covers `perm` (always true without a key):
    for rights that come from a resource (a course's teaching assistant) rather than a role."""
    return user is not None and not _outside_key_scopes(user, perm)


def has_permission(
    user: Principal | None, perm: Permission | str, extra: Iterable[str] = frozenset()
) -> bool:
    return (
        user is not None
        and str(perm) in permissions_of(user.role, extra)
        and not _locked_by_mfa(user, perm)
        and not _outside_key_scopes(user, perm)
    )


def require_permission(
    user: Principal | None, perm: Permission | str, extra: Iterable[str] = frozenset()
) -> None:
    if not has_permission(user, perm, extra):
        raise _forbidden(user, perm, extra)


def require_role(user: Principal | None, *roles: UserRole) -> None:
    """One of `roles`; an admin-only check (`roles == (ADMIN,)`) also needs the admin's MFA."""
    if user is None or UserRole(user.role) not in roles:
        raise Forbidden()
    if set(roles) == {UserRole.ADMIN} and isinstance(user, Actor) and user.admin_mfa_missing:
        raise Forbidden(MFA_REQUIRED_FOR_ADMINS_MESSAGE)


def is_owner_or_permitted(
    user: Principal | None,
    owner_id: uuid.UUID | None,
    perm: Permission | str,
    extra: Iterable[str] = frozenset(),
) -> bool:
    if user is None:
        return False
    return (owner_id is not None and user.id == owner_id) or has_permission(user, perm, extra)


def require_owner_or_permission(
    user: Principal | None,
    owner_id: uuid.UUID | None,
    perm: Permission | str,
    extra: Iterable[str] = frozenset(),
) -> None:
    if not is_owner_or_permitted(user, owner_id, perm, extra):
        raise _forbidden(user, perm, extra)
