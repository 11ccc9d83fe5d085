"""Codes of the expected failures of the partners domain: API keys and trusted documents (see
app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class PartnersCode(Code):
    UNKNOWN_SCOPE = (
        "UNKNOWN_SCOPE",
        "Not a scope: use `read`, `write` or a permission name such as `courses.manage`.",
    )
    API_KEY_LIMIT = "API_KEY_LIMIT", "You have as many live API keys as allowed: revoke one first."
    API_KEY_REVOKED = "API_KEY_REVOKED", "The API key is revoked (or expired): create a new one."
    MANIFEST_REQUIRED = (
        "MANIFEST_REQUIRED",
        "A trusted-only API key needs the name of the manifest of documents it may run.",
    )
    INVALID_MANIFEST_NAME = (
        "INVALID_MANIFEST_NAME",
        "Manifest names are 1-100 letters, digits, `.`, `_` or `-`, starting with a letter or "
        "digit.",
    )
    INVALID_DOCUMENT_ID = (
        "INVALID_DOCUMENT_ID",
        "A document id is `sha256:` followed by 64 lower-case hexadecimal characters.",
    )
    DOCUMENT_HASH_MISMATCH = (
        "DOCUMENT_HASH_MISMATCH",
        "The SHA-256 of the document (its UTF-8 bytes, as sent) is not the one in its id.",
    )
    INVALID_DOCUMENT = (
        "INVALID_DOCUMENT",
        "The document does not parse or does not validate against the schema (or its limits).",
    )
