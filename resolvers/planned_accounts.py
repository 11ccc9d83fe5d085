"""Planned reads of accounts: `me` answered by one statement that is also the caller check.

The executor answers `me` with two loader reads (the user, checked by `check_caller`, and the
profile). Here one statement (`app.accounts.reads.CALLER`) reads the caller's user row and profile
only while the account is active, not deleted and the token's version is current; the session's
revocation was read with the rate-limit charge (`row_check_only`). So the planner answers exactly
when `check_caller` would pass, and leaves everything else — a session that ended (the executor's
UNAUTHENTICATED), an API key, Redis that did not answer, a field it does not cover (`avatarUrl`,
`mfaEnabled`, `sessions`, …) — to the executor. The caller sees their own private fields
(`sees_private_fields`: the user themself), so every field reads its column.
"""

from __future__ import annotations

from typing import Any

import orjson
from graphql import FieldNode, GraphQLField
from strawberry import relay

from app.accounts.models import UserRole, UserStatus
from app.accounts.reads import caller_row
from schema.core.auth import row_check_only
from schema.core.context import Context
from schema.core.planned import FALLBACK, Plan, Readers, RootPlanner


def _status(row: Any) -> UserStatus:
    """`models.User.status` of a row the statement returned (active and not deleted)."""
    if row["deleted_at"] is not None:
        return UserStatus.DELETED
    return UserStatus.ACTIVE if row["is_active"] else UserStatus.DEACTIVATED


def _preferences(row: Any) -> Any:
    return orjson.loads(row["preferences"]) if row["preferences"] is not None else None


PROFILE: Readers = {
    "headline": lambda row: row["headline"],
    "bio": lambda row: row["bio"],
    "timezone": lambda row: row["timezone"],
    "language": lambda row: row["language"],
    "websiteUrl": lambda row: row["website_url"],
    "linkedinUrl": lambda row: row["linkedin_url"],
    "githubUrl": lambda row: row["github_url"],
    "twitterUrl": lambda row: row["twitter_url"],
    "preferences": _preferences,  # the owner's: `UserProfile.owner_visible`
}
USER: Readers = {
    "id": lambda row: str(relay.GlobalID("User", str(row["id"]))),
    "email": lambda row: row["email"],
    "firstName": lambda row: row["first_name"],
    "lastName": lambda row: row["last_name"],
    "fullName": lambda row: f"{row['first_name']} {row['last_name']}".strip(),
    "role": lambda row: UserRole(row["role"]),
    "createdAt": lambda row: row["created_at"],
    "emailVerified": lambda row: row["email_verified_at"] is not None,
    "phone": lambda row: row["phone"],
    "age": lambda row: row["age"],
    "lastLoginAt": lambda row: row["last_login_at"],
    "status": _status,
    "profile": (lambda row: row if row["profile_id"] is not None else None, PROFILE),
}


async def plan_me(plan: Plan, definition: GraphQLField, nodes: list[FieldNode]) -> Any:
    """`me`: null for an anonymous caller; the caller's row over a covered selection when all
    that is left of their check is the row (the statement makes it), else the executor's."""
    context: Context = plan.context
    claims = context.claims
    if claims is None:
        return None
    if not row_check_only(context):
        return FALLBACK
    writer = plan.reader(definition.type, nodes, USER)  # before any SQL: Unplannable falls back
    row = await caller_row(context.db, claims.sub, claims.ver)
    if row is None:  # the session has ended: the executor's UNAUTHENTICATED
        return FALLBACK
    return writer.write(row)


ROOTS: dict[str, RootPlanner] = {"me": plan_me}
