"""GraphQL payloads of the accounts mutations (each a `Payload`: its result and `errors`)."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from app.accounts.sessions import AuthResult
from app.clock import utcnow
from schema.accounts.types import User
from schema.core.mutation import Payload


@strawberry.type(description="The tokens of a signed-in session and its user.")
class AuthPayload(Payload):
    access_token: str | None = strawberry.field(
        default=None, description="A short-lived JWT: send it as `Authorization: Bearer …`."
    )
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

    @classmethod
    def of(cls, result: AuthResult) -> Self:
        return cls(
            mfa_setup_required=result.mfa_setup_required,
            access_token=result.access_token,
            refresh_token=result.refresh_token,
            access_token_expires_at=result.access_token_expires_at,
            expires_in=int((result.access_token_expires_at - utcnow()).total_seconds()),
            user=User.from_model(result.user),
        )


@strawberry.type
class LoginPayload(AuthPayload):
    pass


@strawberry.type
class RefreshTokenPayload(AuthPayload):
    pass


@strawberry.type
class ChangePasswordPayload(AuthPayload):
    pass


@strawberry.type(description="Whether the mutation did its work.")
class OkPayload(Payload):
    ok: bool = strawberry.field(default=False, description="True when it succeeded.")


@strawberry.type(
    description="The same answer whether or not the address is already in use, so that nobody "
    "learns which addresses have accounts: check your e-mail. A new account gets a verification "
    "link and signs in (login) once its address is verified; the owner of an address in use is "
    "told that someone tried to register with it, and nothing is created."
)
class RegisterPayload(OkPayload):
    email: str | None = strawberry.field(
        default=None, description="The address the e-mail went to, as the account would keep it."
    )


@strawberry.type
class LogoutPayload(OkPayload):
    pass


@strawberry.type
class ResendVerificationPayload(OkPayload):
    pass


@strawberry.type
class RequestPasswordResetPayload(OkPayload):
    pass


@strawberry.type
class ResetPasswordPayload(OkPayload):
    pass


@strawberry.type
class ChangeEmailPayload(OkPayload):
    pass


@strawberry.type
class DisableTotpPayload(OkPayload):
    pass


@strawberry.type
class RevokeSessionPayload(OkPayload):
    pass


@strawberry.type(
    description="What the holder of a verification link may learn: whether the address is now "
    "verified and which address it is (the link proves its holder owns it). The account itself "
    "only when the caller is signed in as its user."
)
class VerifyEmailPayload(Payload):
    verified: bool = strawberry.field(
        default=False, description="True when the address is now verified."
    )
    email: str | None = strawberry.field(
        default=None, description="The address just verified (the new one after a change)."
    )
    user: User | None = strawberry.field(
        default=None, description="The account, when you are signed in as its user; else null."
    )


@strawberry.type
class UpdateProfilePayload(Payload):
    user: User | None = None


@strawberry.type
class SetUserRolePayload(Payload):
    user: User | None = None


@strawberry.type
class SetupTotpPayload(Payload):
    secret: str | None = strawberry.field(
        default=None, description="The base32 secret, for typing it into the app."
    )
    otpauth_uri: str | None = strawberry.field(
        default=None, description="The otpauth:// URI, for a QR code."
    )


@strawberry.type
class RecoveryCodesPayload(Payload):
    recovery_codes: list[str] | None = strawberry.field(
        default=None, description="Shown once: store them somewhere safe; each works once."
    )


@strawberry.type
class ConfirmTotpPayload(RecoveryCodesPayload):
    pass


@strawberry.type
class RegenerateRecoveryCodesPayload(RecoveryCodesPayload):
    pass
