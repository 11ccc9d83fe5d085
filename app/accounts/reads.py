"""Reads of the accounts domain straight through the driver (`Database.fetch`), for planned reads.

`CALLER` is the signed-in caller's own user row with their profile, read only while the account
may still sign in and the access token's version is current — the row part of the caller check
(`schema.core.auth.check_caller`), so the read that answers `me` is also the check.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Integer, bindparam, text
from sqlalchemy.dialects.postgresql import UUID

from app.db import Database, DriverStatement

CALLER = DriverStatement.of(
    text(
        "SELECT u.id, u.email, u.first_name, u.last_name, u.phone, u.age, u.role, "
        "u.email_verified_at, u.last_login_at, u.is_active, u.deleted_at, u.created_at, "
        "p.user_id AS profile_id, p.headline, p.bio, p.timezone, p.language, p.website_url, "
        "p.linkedin_url, p.github_url, p.twitter_url, p.preferences::text AS preferences "
        "FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id "
        "WHERE u.id = :id AND u.is_active AND u.deleted_at IS NULL "
        "AND u.token_version = :version"
    ).bindparams(bindparam("id", type_=UUID(as_uuid=True)), bindparam("version", type_=Integer()))
)


async def caller_row(db: Database, user_id: uuid.UUID, token_version: int) -> Any | None:
    """The caller's user and profile columns (`CALLER`); None when the account can no longer
    sign in or the token's version is not the account's."""
    rows = await db.fetch(CALLER, {"id": user_id, "version": token_version})
    return rows[0] if rows else None
