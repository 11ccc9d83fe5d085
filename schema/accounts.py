"""GraphQL types of accounts: User (a relay Node), profile, sessions, inputs, payloads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.accounts import models
from app.accounts.sessions import AuthResult
from app.clock import utcnow
from app.security.permissions import Permission, has_permission
from schema.core.auth import actor_of, current_user
from schema.core.context import Info
from schema.core.mutation import UserError
from schema.core.relay import NOWHERE, decode_uuid

strawberry.enum(models.UserRole, name="Role", description="What a user may do.")
Role = models.UserRole


async def sees_private_fields(info: Info, user: models.User) -> bool:
    """The user themself or an admin (whose MFA is in use when it is required)."""
    viewer = await current_user(info)
    return viewer is not None and (
        viewer.id == user.id
        or has_permission(actor_of(info.context, viewer), Permission.USERS_MANAGE)
    )


@strawberry.type(name="UserProfile")
class UserProfile:
    model: strawberry.Private[models.UserProfile]
    owner_visible: strawberry.Private[bool]

    @strawberry.field
    def headline(self) -> str | None:
        return self.model.headline

    @strawberry.field
    def bio(self) -> str | None:
        return self.model.bio

    @strawberry.field
    def avatar_url(self) -> str | None:
        return self.model.avatar_url

    @strawberry.field
    def timezone(self) -> str:
        return self.model.timezone

    @strawberry.field
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

    @strawberry.field(description="Only for the user themself or an admin.")
    def preferences(self) -> JSON | None:
        return cast(JSON, self.model.preferences) if self.owner_visible else None


@strawberry.type(name="UserSession", description="A signed-in device (a refresh-token family).")
class Session:
    model: strawberry.Private[models.AuthSession]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.id))

    @strawberry.field
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


@strawberry.type(name="User")
class User(relay.Node):
    id: relay.NodeID[str]
    model: strawberry.Private[models.User]

    @classmethod
    def from_model(cls, user: models.User) -> User:
        return cls(id=str(user.id), model=user)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[User | None]:
        ids = [decode_uuid(i) for i in node_ids]
        found = await info.context.loaders.accounts.users.load_many([i or NOWHERE for i in ids])
        return [
            cls.from_model(u) if u is not None and u.deleted_at is None else None for u in found
        ]

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

    @strawberry.field(description="Only for the user themself or an admin.")
    async def email(self, info: Info) -> str | None:
        return self.model.email if await self._private(info) else None

    @strawberry.field(description="Only for the user themself or an admin.")
    async def email_verified(self, info: Info) -> bool | None:
        return self.model.email_verified if await self._private(info) else None

    @strawberry.field(description="Only for the user themself or an admin.")
    async def phone(self, info: Info) -> str | None:
        return self.model.phone if await self._private(info) else None

    @strawberry.field(description="Only for the user themself or an admin.")
    async def age(self, info: Info) -> int | None:
        return self.model.age if await self._private(info) else None

    @strawberry.field(description="Only for the user themself or an admin.")
    async def last_login_at(self, info: Info) -> datetime | None:
        return self.model.last_login_at if await self._private(info) else None

    @strawberry.field(description="Only for the user themself or an admin.")
    async def mfa_enabled(self, info: Info) -> bool | None:
        if not await self._private(info):
            return None
        return await info.context.loaders.accounts.totp_enabled.load(self.model.id)

    @strawberry.field(description="Active sessions; only for the user themself or an admin.")
    async def sessions(self, info: Info) -> list[Session] | None:
        if not await self._private(info):
            return None
        rows = await info.context.loaders.accounts.active_sessions.load(self.model.id)
        return [Session(model=s) for s in rows]


# --- inputs -------------------------------------------------------------------------------------


@strawberry.input
class RegisterInput:
    first_name: str
    last_name: str
    email: str
    password: str
    phone: str | None = None
    age: int | None = None


@strawberry.input
class LoginInput:
    email: str
    password: str
    totp_code: str | None = None


@strawberry.input
class RefreshTokenInput:
    refresh_token: str | None = strawberry.field(
        default=None, description="Mobile clients; absent: the httpOnly cookie (needs CSRF)."
    )


@strawberry.input
class LogoutInput:
    all_devices: bool = False
    refresh_token: str | None = None


@strawberry.input
class VerifyEmailInput:
    token: str


@strawberry.input
class ResendVerificationInput:
    email: str


@strawberry.input
class RequestPasswordResetInput:
    email: str


@strawberry.input
class ResetPasswordInput:
    token: str
    new_password: str


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.input
class ChangeEmailInput:
    new_email: str
    current_password: str


@strawberry.input(description="Only the given fields change; null clears an optional field.")
class UpdateProfileInput:
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    headline: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    avatar_url: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    website_url: str | None = strawberry.UNSET
    linkedin_url: str | None = strawberry.UNSET
    github_url: str | None = strawberry.UNSET
    twitter_url: str | None = strawberry.UNSET
    preferences: JSON | None = strawberry.UNSET

    def changes(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if value is not strawberry.UNSET}


@strawberry.input
class SetupTotpInput:
    current_password: str


@strawberry.input
class RegenerateRecoveryCodesInput:
    current_password: str


@strawberry.input
class ConfirmTotpInput:
    code: str


@strawberry.input
class DisableTotpInput:
    current_password: str
    code: str


@strawberry.input
class RevokeSessionInput:
    session_id: strawberry.ID


@strawberry.input
class SetUserRoleInput:
    user_id: strawberry.ID
    role: Role


# --- payloads -----------------------------------------------------------------------------------


@strawberry.type
class AuthFields:
    access_token: str | None = None
    refresh_token: str | None = strawberry.field(
        default=None, description="Also set as an httpOnly cookie; mobile clients keep this one."
    )
    access_token_expires_at: datetime | None = None
    expires_in: int | None = strawberry.field(
        default=None, description="Seconds until the access token expires."
    )
    user: User | None = None
    mfa_setup_required: bool = strawberry.field(
        default=False,
        description=(
            "True when two-factor authentication is required for this account (administrators, "
            "when the server requires it) but this session was not signed in with it: admin "
            "capabilities stay FORBIDDEN until TOTP is set up (setupTotp, confirmTotp) and used "
            "to sign in."
        ),
    )
    errors: list[UserError]

    @classmethod
    def fields_of(cls, result: AuthResult) -> dict[str, Any]:
        return {
            "mfa_setup_required": result.mfa_setup_required,
            "access_token": result.access_token,
            "refresh_token": result.refresh_token,
            "access_token_expires_at": result.access_token_expires_at,
            "expires_in": int((result.access_token_expires_at - utcnow()).total_seconds()),
            "user": User.from_model(result.user),
        }


@strawberry.type
class RegisterPayload(AuthFields):
    pass


@strawberry.type
class LoginPayload(AuthFields):
    pass


@strawberry.type
class RefreshTokenPayload(AuthFields):
    pass


@strawberry.type
class ChangePasswordPayload(AuthFields):
    pass


@strawberry.type
class OkFields:
    ok: bool = False
    errors: list[UserError]


@strawberry.type
class LogoutPayload(OkFields):
    pass


@strawberry.type
class ResendVerificationPayload(OkFields):
    pass


@strawberry.type
class RequestPasswordResetPayload(OkFields):
    pass


@strawberry.type
class ResetPasswordPayload(OkFields):
    pass


@strawberry.type
class ChangeEmailPayload(OkFields):
    pass


@strawberry.type
class DisableTotpPayload(OkFields):
    pass


@strawberry.type
class RevokeSessionPayload(OkFields):
    pass


@strawberry.type
class UserFields:
    user: User | None = None
    errors: list[UserError]


@strawberry.type
class VerifyEmailPayload(UserFields):
    pass


@strawberry.type
class UpdateProfilePayload(UserFields):
    pass


@strawberry.type
class SetUserRolePayload(UserFields):
    pass


@strawberry.type
class SetupTotpPayload:
    secret: str | None = None
    otpauth_uri: str | None = None
    errors: list[UserError]


@strawberry.type
class RecoveryCodesFields:
    recovery_codes: list[str] | None = strawberry.field(
        default=None, description="Shown once: store them somewhere safe."
    )
    errors: list[UserError]


@strawberry.type
class ConfirmTotpPayload(RecoveryCodesFields):
    pass


@strawberry.type
class RegenerateRecoveryCodesPayload(RecoveryCodesFields):
    pass
