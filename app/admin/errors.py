"""Codes of the expected failures of the admin domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class AdminCode(Code):
    ACCOUNT_DEACTIVATED = (
        "ACCOUNT_DEACTIVATED",
        "The account is deactivated: reactivate it first.",
    )
    ALREADY_DEACTIVATED = "ALREADY_DEACTIVATED", "The account is already deactivated."
    ALREADY_VERIFIED = "ALREADY_VERIFIED", "The account's e-mail address is already verified."
    CANNOT_DEACTIVATE_SELF = (
        "CANNOT_DEACTIVATE_SELF",
        "Administrators cannot deactivate their own account (another administrator must).",
    )
    CANNOT_FORCE_LOGOUT_SELF = (
        "CANNOT_FORCE_LOGOUT_SELF",
        "Use logout with allDevices to sign yourself out everywhere.",
    )
    NOT_DEACTIVATED = "NOT_DEACTIVATED", "The account is active: there is nothing to reactivate."
