"""Codes of the expected failures of GDPR exports and account deletion (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class PrivacyCode(Code):
    EXPORT_PENDING = (
        "EXPORT_PENDING",
        "An export of your data is already being prepared: wait for its e-mail.",
    )
    DELETION_SCHEDULED = (
        "DELETION_SCHEDULED",
        "This account is already scheduled for erasure.",
    )
    NO_DELETION_SCHEDULED = (
        "NO_DELETION_SCHEDULED",
        "This account is not scheduled for erasure.",
    )
    SUBSCRIPTION_ACTIVE = (
        "SUBSCRIPTION_ACTIVE",
        "Your subscription renews: cancel it (at the period's end is enough) before deleting the "
        "account.",
    )
    CANNOT_ERASE_SELF = (
        "CANNOT_ERASE_SELF",
        "Administrators erase their own account with deleteMyAccount, not eraseUser.",
    )
