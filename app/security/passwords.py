"""Password hashing with Argon2id (OWASP parameters) and the password policy.

The policy: 8-128 characters, at least one upper-case letter, one lower-case letter and one digit,
not one of the 20,000 most common passwords (compared case-insensitively), and not the user's
e-mail address or name. Every broken rule is reported at once.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.accounts.errors import AccountsCode
from app.errors import Common, FieldError

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)

_DUMMY_HASH = hasher.hash("dummy-password-for-equal-timing")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; a malformed hash never matches."""
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def dummy_verify(password: str) -> None:
    """Spend the same time as a real check (unknown accounts must not answer faster)."""
    verify_password(_DUMMY_HASH, password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_PASSWORDS, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


def is_common(password: str) -> bool:
    return password.lower() in common_passwords()


def password_errors(
    password: str, *, field: str = "password", personal: Iterable[str] = ()
) -> list[FieldError]:
    """Every rule `password` breaks; `personal` holds the e-mail and names it must not equal."""
    if len(password) > MAX_LENGTH:
        return [
            FieldError(field, f"Password must be at most {MAX_LENGTH} characters", Common.TOO_LONG)
        ]
    errors: list[FieldError] = []
    if len(password) < MIN_LENGTH:
        errors.append(
            FieldError(
                field, f"Password must be at least {MIN_LENGTH} characters", Common.TOO_SHORT
            )
        )
    missing = [
        label
        for label, present in (
            ("an upper-case letter", any(c.isupper() for c in password)),
            ("a lower-case letter", any(c.islower() for c in password)),
            ("a digit", any(c.isdigit() for c in password)),
        )
        if not present
    ]
    if missing:
        errors.append(
            FieldError(
                field, "Password must contain " + ", ".join(missing), AccountsCode.WEAK_PASSWORD
            )
        )
    if is_common(password):
        errors.append(
            FieldError(field, "This password is too common", AccountsCode.COMMON_PASSWORD)
        )
    lowered = password.casefold()
    if any(p and lowered == p.casefold() for p in personal) or _is_email_local_part(
        lowered, personal
    ):
        errors.append(
            FieldError(
                field,
                "Password must not be your e-mail address or name",
                AccountsCode.PASSWORD_PERSONAL,
            )
        )
    return errors


def _is_email_local_part(lowered: str, personal: Iterable[str]) -> bool:
    return any("@" in p and lowered == p.split("@", 1)[0].casefold() for p in personal)
