"""GraphQL inputs of accounts (each gives its service's arguments through `Input.arguments()`)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from schema.accounts.types import Role
from schema.core.inputs import Input, node_id, raw_id, update

POLICY = "8-128 characters with an upper-case letter, a lower-case letter and a digit."


@strawberry.input
class RegisterInput(Input):
    first_name: str
    last_name: str
    email: str
    password: str = strawberry.field(description=POLICY)
    phone: str | None = strawberry.field(default=None, description="e.g. +14155550100")
    age: int | None = strawberry.field(default=None, description="13 to 120.")


@strawberry.input
class LoginInput(Input):
    email: str
    password: str
    totp_code: str | None = strawberry.field(
        default=None,
        description="With two-factor authentication on: the authenticator's code or a recovery "
        "code.",
    )


@strawberry.input
class RefreshTokenInput(Input):
    refresh_token: str | None = strawberry.field(
        default=None,
        description="Mobile clients; absent: the httpOnly cookie (send the X-CSRF-Token header "
        "with the CSRF cookie's value).",
    )


@strawberry.input
class LogoutInput(Input):
    all_devices: bool = strawberry.field(
        default=False, description="Sign out of every device (every session and access token)."
    )
    refresh_token: str | None = strawberry.field(
        default=None, description="Mobile clients; absent: the httpOnly cookie."
    )


@strawberry.input
class VerifyEmailInput(Input):
    token: str = strawberry.field(description="The `token` parameter of the e-mailed link.")


@strawberry.input
class ResendVerificationInput(Input):
    email: str


@strawberry.input
class RequestPasswordResetInput(Input):
    email: str


@strawberry.input
class ResetPasswordInput(Input):
    token: str = strawberry.field(description="The `token` parameter of the e-mailed link.")
    new_password: str = strawberry.field(description=POLICY)


@strawberry.input
class ChangePasswordInput(Input):
    current_password: str
    new_password: str = strawberry.field(description=POLICY)


@strawberry.input
class ChangeEmailInput(Input):
    new_email: str
    current_password: str


@strawberry.input(
    description="Only the given fields change; null clears an optional field (a required one "
    "answers REQUIRED)."
)
class UpdateProfileInput(Input):
    first_name: str | None = update(nullable=False)
    last_name: str | None = update(nullable=False)
    phone: str | None = update()
    headline: str | None = update()
    bio: str | None = update()
    avatar_upload_id: strawberry.ID | None = update(
        node="FileAsset",
        description="A finished AVATAR upload of yours (requestUpload, then finalizeUpload); "
        "null removes the avatar.",
    )
    timezone: str | None = update(nullable=False)
    language: str | None = update(nullable=False)
    website_url: str | None = update()
    linkedin_url: str | None = update()
    github_url: str | None = update()
    twitter_url: str | None = update()
    preferences: JSON | None = update(
        nullable=False,
        description="Replaces the whole object (at most 16 KiB); the server never reads it.",
    )


@strawberry.input
class SetupTotpInput(Input):
    current_password: str


@strawberry.input
class RegenerateRecoveryCodesInput(Input):
    current_password: str


@strawberry.input
class ConfirmTotpInput(Input):
    code: str = strawberry.field(description="A current code of the authenticator app.")


@strawberry.input
class DisableTotpInput(Input):
    current_password: str
    code: str = strawberry.field(description="A current code or a recovery code.")


@strawberry.input
class RevokeSessionInput(Input):
    session_id: strawberry.ID = raw_id(description="A UserSession's id.")


@strawberry.input
class SetUserRoleInput(Input):
    user_id: strawberry.ID = node_id("User")
    role: Role
