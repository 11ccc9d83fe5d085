"""Codes of the expected failures of the accounts domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class AccountsCode(Code):
    CANNOT_CHANGE_OWN_ROLE = (
        "CANNOT_CHANGE_OWN_ROLE",
        "Administrators cannot change their own role (another administrator must).",
    )
    COMMON_PASSWORD = "COMMON_PASSWORD", "The password is one of the most common passwords."
    EMAIL_TAKEN = "EMAIL_TAKEN", "Another account already uses this e-mail address."
    INVALID_AGE = "INVALID_AGE", "The age must be between 13 and 120."
    INVALID_CREDENTIALS = (
        "INVALID_CREDENTIALS",
        "The e-mail address or the password is wrong (the same answer for an unknown account).",
    )
    INVALID_EMAIL = "INVALID_EMAIL", "Not a valid e-mail address."
    INVALID_LANGUAGE = "INVALID_LANGUAGE", "Not a language tag such as en or pt-BR."
    INVALID_MFA_CODE = (
        "INVALID_MFA_CODE",
        "The authentication code is wrong, expired or already used (or the recovery code is "
        "unknown or spent).",
    )
    INVALID_NAME = "INVALID_NAME", "Names use letters, spaces, hyphens and apostrophes only."
    INVALID_PASSWORD = "INVALID_PASSWORD", "The current password is not correct."
    INVALID_PHONE = (
        "INVALID_PHONE",
        "Not a phone number in international format (+, country code, 7-15 digits).",
    )
    INVALID_TIMEZONE = "INVALID_TIMEZONE", "Not an IANA time zone such as Europe/Lisbon."
    INVALID_TOKEN = "INVALID_TOKEN", "The link is unknown, already used or expired."
    MFA_ALREADY_ENABLED = "MFA_ALREADY_ENABLED", "Two-factor authentication is already on."
    MFA_NOT_ENABLED = "MFA_NOT_ENABLED", "Two-factor authentication is not on."
    MFA_NOT_PENDING = (
        "MFA_NOT_PENDING",
        "There is no two-factor setup to confirm: start the setup first.",
    )
    MFA_REQUIRED = (
        "MFA_REQUIRED",
        "This account uses two-factor authentication: send the authenticator or a recovery code.",
    )
    PASSWORD_PERSONAL = (
        "PASSWORD_PERSONAL",
        "The password is the account's e-mail address or name.",
    )
    PASSWORD_UNCHANGED = "PASSWORD_UNCHANGED", "The new password is the current one."
    SAME_EMAIL = "SAME_EMAIL", "The new e-mail address is the current one."
    WEAK_PASSWORD = (
        "WEAK_PASSWORD",
        "The password lacks an upper-case letter, a lower-case letter or a digit.",
    )
