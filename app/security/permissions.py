"""Roles, fine-grained permissions and resource ownership.

A user holds the permissions of their role plus any extra grants recorded in `user_permissions`.
Services call `require_*` where the rule lives; each raises `Forbidden`.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from typing import Protocol

from app.accounts.models import UserRole
from app.errors import Forbidden


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


class Principal(Protocol):
    """Anything with an id and a role (the User model)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def role(self) -> UserRole: ...


def permissions_of(role: UserRole | str, extra: Iterable[str] = ()) -> frozenset[str]:
    return frozenset(ROLE_PERMISSIONS[UserRole(role)]) | frozenset(extra)


def has_permission(
    user: Principal | None, perm: Permission | str, extra: Iterable[str] = frozenset()
) -> bool:
    return user is not None and str(perm) in permissions_of(user.role, extra)


def require_permission(
    user: Principal | None, perm: Permission | str, extra: Iterable[str] = frozenset()
) -> None:
    if not has_permission(user, perm, extra):
        raise Forbidden()


def require_role(user: Principal | None, *roles: UserRole) -> None:
    if user is None or UserRole(user.role) not in roles:
        raise Forbidden()


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
        raise Forbidden()
