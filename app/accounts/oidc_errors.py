"""Codes of the expected failures of sign-in with OpenID Connect (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code, Invalid


class OidcCode(Code):
    UNKNOWN_PROVIDER = "UNKNOWN_PROVIDER", "No sign-in provider of this name is configured."
    REDIRECT_URI_NOT_ALLOWED = (
        "REDIRECT_URI_NOT_ALLOWED",
        "The redirect URI is not one of the server's allowed sign-in callbacks.",
    )
    INVALID_STATE = (
        "INVALID_STATE",
        "The sign-in is unknown, already completed, expired or for another provider: start again.",
    )
    PROVIDER_ERROR = (
        "PROVIDER_ERROR",
        "The provider refused the authorization code or could not be reached: start again.",
    )
    INVALID_ID_TOKEN = (
        "INVALID_ID_TOKEN",
        "The provider's ID token failed validation (signature, issuer, audience, expiry, nonce).",
    )
    EMAIL_NOT_VERIFIED = (
        "EMAIL_NOT_VERIFIED",
        "The provider did not vouch for the e-mail address: verify it there first.",
    )
    SIGN_IN_REFUSED = (
        "SIGN_IN_REFUSED",
        "The account of this identity cannot sign in (deactivated or deleted).",
    )
    INVALID_PENDING_TOKEN = (
        "INVALID_PENDING_TOKEN",
        "The link or code step is unknown, already used, expired or out of attempts: sign in "
        "with the provider again.",
    )
    IDENTITY_IN_USE = (
        "IDENTITY_IN_USE",
        "This provider identity is already linked to another account.",
    )
    LAST_SIGN_IN_METHOD = (
        "LAST_SIGN_IN_METHOD",
        "This is the account's only way to sign in: set a password (password reset) first.",
    )


def invalid_state() -> Invalid:
    return Invalid("state", "This sign-in has expired or was already used", OidcCode.INVALID_STATE)


def invalid_pending(field: str = "pending_token") -> Invalid:
    return Invalid(
        field,
        "This step has expired or was already used: sign in again",
        OidcCode.INVALID_PENDING_TOKEN,
    )
