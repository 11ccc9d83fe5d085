"""GraphQL object types of accounts: User (a relay node), its profile and its sessions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.accounts import models
from app.media import attached_url
from app.security.permissions import Permission, has_permission
from schema.core.auth import actor_of, current_user
from schema.core.context import Info
from schema.core.relay import ModelNode

strawberry.enum(models.UserRole, name="Role", description="What a user may do.")
Role = models.UserRole
strawberry.enum(
    models.UserStatus,
    name="UserStatus",
    description="Where an account stands: ACTIVE, DEACTIVATED by an admin, or DELETED.",
)
UserStatus = models.UserStatus

PRIVATE = "Only for the user themself or an admin; null for anyone else."


async def sees_private_fields(info: Info, user: models.User) -> bool:
    """The user themself or an admin (whose MFA is in use when it is required)."""
    viewer = await current_user(info)
    return viewer is not None and (
        viewer.id == user.id
        or has_permission(actor_of(info.context, viewer), Permission.USERS_MANAGE)
    )


@strawberry.type(name="UserProfile", description="What a user tells about themself.")
class UserProfile:
    model: strawberry.Private[models.UserProfile]
    owner_visible: strawberry.Private[bool]

    @strawberry.field(description="A one-line introduction (at most 160 characters).")
    def headline(self) -> str | None:
        return self.model.headline

    @strawberry.field
    def bio(self) -> str | None:
        return self.model.bio

    @strawberry.field(
        description="The avatar's stable public URL (cacheable); null without an avatar."
    )
    async def avatar_url(self, info: Info) -> str | None:
        asset_id = self.model.avatar_asset_id
        if asset_id is None:
            return None
        asset = await info.context.loaders.media.assets.load(asset_id)
        return attached_url(info.context.storage, asset)

    @strawberry.field(description="An IANA time zone, e.g. Europe/Lisbon.")
    def timezone(self) -> str:
        return self.model.timezone

    @strawberry.field(description="A language tag, e.g. en or pt-BR.")
    def language(self) -> str:
        return self.model.language

    @strawberry.field
    def website_url(self) -> str | None:
        return self.model.website_url

    @strawberry.field
    def linkedin_url(self) -> str | None:
        return self.model.linkedin_url

    @strawberry.field
    def github_url(self) -> str | None:
        return self.model.github_url

    @strawberry.field
    def twitter_url(self) -> str | None:
        return self.model.twitter_url

    @strawberry.field(
        description="The client's own settings for this user (a JSON object of at most 16 KiB "
        "that the server stores and never reads: its shape is the client's). " + PRIVATE
    )
    def preferences(self) -> JSON | None:
        return cast(JSON, self.model.preferences) if self.owner_visible else None


@strawberry.type(name="UserSession", description="A signed-in device (a refresh-token family).")
class Session:
    model: strawberry.Private[models.AuthSession]

    @strawberry.field(description="Pass it to revokeSession.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field(description='A label such as "Chrome on Windows".')
    def device(self) -> str | None:
        return self.model.device

    @strawberry.field
    def ip_address(self) -> str | None:
        return str(self.model.ip_address) if self.model.ip_address is not None else None

    @strawberry.field
    def user_agent(self) -> str | None:
        return self.model.user_agent

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    def last_used_at(self) -> datetime:
        return self.model.last_used_at

    @strawberry.field
    def expires_at(self) -> datetime:
        return self.model.expires_at

    @strawberry.field(description="True for the session of the access token making this request.")
    def current(self, info: Info) -> bool:
        claims = info.context.claims
        return claims is not None and claims.sid == self.model.id


@strawberry.type(
    name="User",
    description="A person with an account. Anyone sees the names, role and profile; the private "
    "fields are null unless you are that user or an admin.",
)
class User(ModelNode):
    id: relay.NodeID[str]
    model: strawberry.Private[models.User]

    @classmethod
    async def load(cls, info: Info, ids: list[uuid.UUID]) -> Sequence[Any]:
        return await info.context.loaders.accounts.users.load_many(ids)

    @classmethod
    async def visible(cls, info: Info, rows: Sequence[Any]) -> Sequence[Any]:
        return [row if row is not None and row.deleted_at is None else None for row in rows]

    @classmethod
    def from_model(cls, row: models.User) -> User:
        return cls(id=str(row.id), model=row)

    @strawberry.field
    def first_name(self) -> str:
        return self.model.first_name

    @strawberry.field
    def last_name(self) -> str:
        return self.model.last_name

    @strawberry.field
    def full_name(self) -> str:
        return self.model.full_name

    @strawberry.field
    def role(self) -> Role:
        return models.UserRole(self.model.role)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.model.created_at

    @strawberry.field
    async def profile(self, info: Info) -> UserProfile | None:
        profile = await info.context.loaders.accounts.profiles.load(self.model.id)
        if profile is None:
            return None
        return UserProfile(model=profile, owner_visible=await self._private(info))

    async def _private(self, info: Info) -> bool:
        return await sees_private_fields(info, self.model)

    @strawberry.field(description=PRIVATE)
    async def email(self, info: Info) -> str | None:
        return self.model.email if await self._private(info) else None

    @strawberry.field(description=PRIVATE)
    async def email_verified(self, info: Info) -> bool | None:
        return self.model.email_verified if await self._private(info) else None

    @strawberry.field(description=PRIVATE)
    async def phone(self, info: Info) -> str | None:
        return self.model.phone if await self._private(info) else None

    @strawberry.field(description=PRIVATE)
    async def age(self, info: Info) -> int | None:
        return self.model.age if await self._private(info) else None

    @strawberry.field(description=PRIVATE)
    async def last_login_at(self, info: Info) -> datetime | None:
        return self.model.last_login_at if await self._private(info) else None

    @strawberry.field(description="Whether the account is active. " + PRIVATE)
    async def status(self, info: Info) -> UserStatus | None:
        return self.model.status if await self._private(info) else None

    @strawberry.field(description="Whether two-factor authentication is on. " + PRIVATE)
    async def mfa_enabled(self, info: Info) -> bool | None:
        if not await self._private(info):
            return None
        return await info.context.loaders.accounts.totp_enabled.load(self.model.id)

    @strawberry.field(description="The signed-in devices. " + PRIVATE)
    async def sessions(self, info: Info) -> list[Session] | None:
        if not await self._private(info):
            return None
        rows = await info.context.loaders.accounts.active_sessions.load(self.model.id)
        return [Session(model=s) for s in rows]
