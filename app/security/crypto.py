"""Small cryptographic helpers: random opaque tokens, their hashes, and encryption at rest."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "decrypt", "encrypt", "new_token", "token_hash"]


def new_token() -> str:
    """32 random bytes, URL-safe base64 (opaque refresh and one-time tokens)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """SHA-256 of a high-entropy token: what we store and look up (never the token)."""
    return hashlib.sha256(token.encode()).digest()


def _fernet(secret_key: str, purpose: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, purpose: bytes, plaintext: bytes) -> bytes:
    """Fernet (AES-CBC + HMAC) with a key derived from SECRET_KEY for `purpose` via HKDF."""
    return _fernet(secret_key, purpose).encrypt(plaintext)


def decrypt(secret_key: str, purpose: bytes, ciphertext: bytes) -> bytes:
    return _fernet(secret_key, purpose).decrypt(ciphertext)
