"""The user's profile: names, phone, texts, links, time zone, language, preferences, avatar.

`update_profile` applies only the fields it is given (null clears an optional one). The avatar is
attached by reference: `avatar_upload_id` names a finished AVATAR upload of the user's own
(app.media), None removes it; the file itself stays with media.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import repo, validation
from app.accounts.models import User, UserProfile
from app.errors import Common, FieldError, Invalid, NotFound, UserFacingError, collect
from app.media import FilePurpose, claim_upload

_USER_FIELDS = frozenset({"first_name", "last_name", "phone"})
_TEXT_FIELDS = {"headline": validation.MAX_HEADLINE_LENGTH, "bio": validation.MAX_BIO_LENGTH}
_URL_FIELDS = frozenset({"website_url", "linkedin_url", "github_url", "twitter_url"})
_REQUIRED = frozenset({"first_name", "last_name", "timezone", "language", "preferences"})
AVATAR = "avatar_upload_id"
PROFILE_FIELDS = frozenset(
    {*_USER_FIELDS, *_TEXT_FIELDS, *_URL_FIELDS, "timezone", "language", "preferences", AVATAR}
)


def _field_errors(name: str, value: Any) -> list[FieldError]:
    if value is None:
        if name in _REQUIRED:
            return [FieldError(name, "This field cannot be empty", Common.REQUIRED)]
        return []
    if name in ("first_name", "last_name"):
        return validation.name_errors(value, name)
    if name == "phone":
        return validation.phone_errors(value, name)
    if name == "timezone":
        return validation.timezone_errors(value, name)
    if name == "language":
        return validation.language_errors(value, name)
    if name == "preferences":
        return validation.preferences_errors(value, name)
    if name in _TEXT_FIELDS:
        return validation.text_errors(value, name, _TEXT_FIELDS[name])
    if name in _URL_FIELDS:
        return validation.url_errors(value, name)
    return []  # the avatar: checked against the uploads


def _cleaned(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in ("first_name", "last_name"):
        return validation.clean_name(value)
    if name == "phone":
        return validation.clean_phone(value)
    return value.strip() or None if isinstance(value, str) else value


async def _avatar_id(
    session: AsyncSession, user_id: uuid.UUID, upload_id: uuid.UUID | None
) -> uuid.UUID | None:
    if upload_id is None:
        return None
    asset = await claim_upload(
        session, owner_id=user_id, file_id=upload_id, purpose=FilePurpose.AVATAR, field=AVATAR
    )
    return asset.id


async def update_profile(session: AsyncSession, *, user_id: uuid.UUID, **changes: Any) -> User:
    """Apply only the given fields (names from PROFILE_FIELDS); null clears an optional field.
    Every broken rule is reported at once and nothing changes."""
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise Invalid(None, f"Unknown profile fields: {', '.join(sorted(unknown))}")
    errors = [e for name, value in changes.items() for e in _field_errors(name, value)]
    avatar: uuid.UUID | None = None
    if AVATAR in changes:
        try:
            avatar = await _avatar_id(session, user_id, changes.pop(AVATAR))
        except UserFacingError as exc:
            errors += exc.errors
        changes["avatar_asset_id"] = avatar
    collect(errors)
    user = await repo.get_user(session, user_id, for_update=True)
    if user is None:
        raise NotFound("User")
    profile = await repo.get_profile(session, user_id)
    if profile is None:
        profile = UserProfile(user_id=user_id)
        session.add(profile)
    for name, value in changes.items():
        setattr(user if name in _USER_FIELDS else profile, name, _cleaned(name, value))
    await session.flush()
    return user
