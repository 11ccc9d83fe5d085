"""Partner API keys: created by a signed-in user for themselves, shown once, stored as a hash.

A key reads `ews_<prefix>_<secret>`: `ews_` tells it apart from a JWT access token without trying
to verify it, the 12-character prefix (lower-case letters and digits) finds its row, the SHA-256
of the whole key is stored (`key_hash`) and compared in constant time; the secret itself is never
stored. The secret has 256 bits of entropy, so a plain hash is as good as a slow one here.

A request authenticated by a key acts as the key's owner with the owner's permissions ∩ the
key's scopes (`Actor.scopes`, app/security/permissions.py); `read` lets it run queries and
`write` mutations (schema/core/extensions.py). Keys are managed with a real session only: a key
cannot create, rotate or revoke keys. Rotating issues a new secret (and prefix) on the same key
and the old secret stops working at once; revoking is final. An unknown, malformed, revoked or
expired key — or one whose owner can no longer sign in — is TOKEN_INVALID (HTTP 401).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.models import ApiKey
from app.clock import utcnow
from app.errors import Common, Conflict, FieldError, Forbidden, NotFound, TokenRejected, collect
from app.pagination import Page, PageRequest
from app.partners import repo
from app.partners.errors import PartnersCode
from app.partners.trusted import manifest_name_errors
from app.security.permissions import Actor, Permission, has_permission
from app.settings import Settings

KEY_START = "ews_"
PREFIX_LENGTH = 12
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_KEY = re.compile(r"ews_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
SCOPE_READ = "read"
SCOPE_WRITE = "write"
SCOPES = frozenset({SCOPE_READ, SCOPE_WRITE, *(str(p) for p in Permission)})
MAX_NAME_LENGTH = 120


@dataclass(frozen=True)
class IssuedKey:
    """A key just created or rotated, with its secret: the only time the secret is seen."""

    row: ApiKey
    secret: str


@dataclass(frozen=True)
class KeyCaller:
    """What a request authenticated by an API key needs of the key."""

    id: uuid.UUID
    owner_id: uuid.UUID
    scopes: frozenset[str]
    trusted_only: bool
    manifest: str | None
    rate_limit_per_minute: int
    expires_at: datetime | None


def looks_like_key(value: str) -> bool:
    return value.startswith(KEY_START)


def hash_key(raw: str) -> bytes:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).digest()


def _new_secret() -> tuple[str, str]:
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    return prefix, f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"


def _require_session(actor: Actor) -> None:
    if actor.via_api_key:
        raise Forbidden("API keys are managed from a signed-in session, not with an API key")


def may_read(actor: Actor | None, row: ApiKey) -> bool:
    """A key is seen by its owner, and by admins (users.manage)."""
    if actor is None:
        return False
    return row.owner_id == actor.id or has_permission(actor, Permission.USERS_MANAGE)


def is_live(row: ApiKey, now: datetime) -> bool:
    return row.revoked_at is None and (row.expires_at is None or row.expires_at > now)


def _input_errors(
    settings: Settings,
    *,
    name: str,
    scopes: Sequence[str],
    trusted_only: bool,
    manifest: str | None,
    expires_at: datetime | None,
    rate_limit_per_minute: int | None,
    now: datetime,
) -> list[FieldError]:
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError("name", "Name the key (the partner or app)", Common.REQUIRED))
    elif len(name.strip()) > MAX_NAME_LENGTH:
        errors.append(FieldError("name", f"At most {MAX_NAME_LENGTH} characters", Common.TOO_LONG))
    if not scopes:
        errors.append(FieldError("scopes", "Give the key at least one scope", Common.REQUIRED))
    for i, scope in enumerate(scopes):
        if scope not in SCOPES:
            errors.append(
                FieldError(f"scopes[{i}]", f"Unknown scope {scope!r}", PartnersCode.UNKNOWN_SCOPE)
            )
    if manifest is not None:
        errors.extend(manifest_name_errors(manifest, "manifest"))
    elif trusted_only:
        errors.append(
            FieldError(
                "manifest",
                "A trusted-only key needs the manifest it may run",
                PartnersCode.MANIFEST_REQUIRED,
            )
        )
    if expires_at is not None and expires_at <= now:
        errors.append(FieldError("expires_at", "Must be in the future", Common.OUT_OF_RANGE))
    ceiling = settings.rate_limit_user_per_minute
    if rate_limit_per_minute is not None and not 1 <= rate_limit_per_minute <= ceiling:
        errors.append(
            FieldError("rate_limit_per_minute", f"Between 1 and {ceiling}", Common.OUT_OF_RANGE)
        )
    return errors


async def create_api_key(
    session: AsyncSession,
    *,
    actor: Actor,
    settings: Settings,
    name: str,
    scopes: Sequence[str],
    trusted_only: bool = False,
    manifest: str | None = None,
    expires_at: datetime | None = None,
    rate_limit_per_minute: int | None = None,
) -> IssuedKey:
    """A new key of the caller's; its secret is in the result and nowhere else."""
    _require_session(actor)
    now = utcnow()
    collect(
        _input_errors(
            settings,
            name=name,
            scopes=scopes,
            trusted_only=trusted_only,
            manifest=manifest,
            expires_at=expires_at,
            rate_limit_per_minute=rate_limit_per_minute,
            now=now,
        )
    )
    if await repo.count_live_keys(session, actor.id, now) >= settings.api_keys_per_user:
        raise Conflict(
            None,
            f"You already have {settings.api_keys_per_user} live API keys; revoke one first",
            PartnersCode.API_KEY_LIMIT,
        )
    prefix, secret = _new_secret()
    row = await repo.insert_key(
        session,
        id=uuid.uuid4(),
        name=name.strip(),
        key_prefix=prefix,
        key_hash=hash_key(secret),
        owner_id=actor.id,
        scopes=sorted(set(scopes)),
        manifest=manifest,
        trusted_only=trusted_only,
        rate_limit_per_minute=rate_limit_per_minute or settings.api_key_rate_limit_per_minute,
        expires_at=expires_at,
    )
    return IssuedKey(row, secret)


async def _own_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    row = await repo.lock_key(session, key_id)
    if row is None or not may_read(actor, row):
        raise NotFound("ApiKey")
    return row


async def rotate_api_key(session: AsyncSession, *, actor: Actor, key_id: uuid.UUID) -> IssuedKey:
    """A new secret (and prefix) for one of the caller's own live keys; the old one stops
    working at once. Scopes, limits and usage counters stay."""
    _require_session(actor)
    row = await _own_key(session, actor, key_id)
    if row.owner_id != actor.id:
        raise NotFound("ApiKey")  # admins may see and revoke a key, never learn its secret
    if not is_live(row, utcnow()):
        raise Conflict("id", "The key is revoked or expired", PartnersCode.API_KEY_REVOKED)
    prefix, secret = _new_secret()
    row.key_prefix, row.key_hash = prefix, hash_key(secret)
    await session.flush()
    return IssuedKey(row, secret)


async def revoke_api_key(session: AsyncSession, *, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    """Revoke one of the caller's keys (admins: anyone's); at once and for good. Revoking a
    revoked key again changes nothing."""
    _require_session(actor)
    row = await _own_key(session, actor, key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.flush()
    return row


async def list_api_keys(
    session: AsyncSession,
    *,
    actor: Actor,
    everyone: bool = False,
    request: PageRequest,
    with_total: bool = False,
) -> Page[ApiKey]:
    """The caller's keys, newest first; `everyone` (admins only) lists every user's."""
    if everyone and not has_permission(actor, Permission.USERS_MANAGE):
        raise Forbidden()
    owner_id = None if everyone else actor.id
    return await repo.page_of_keys(
        session, owner_id=owner_id, request=request, with_total=with_total
    )


async def authenticate(session: AsyncSession, raw: str, *, now: datetime) -> KeyCaller:
    """The key `raw` names, if it is live; TokenRejected (TOKEN_INVALID) otherwise. The owner's
    own state (active, not deleted) is the caller's to check."""
    match = _KEY.fullmatch(raw)
    if match is None:
        raise TokenRejected("The API key is malformed")
    row = await repo.key_by_prefix(session, match.group(1))
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(raw)):
        raise TokenRejected("The API key is not valid")
    if row.revoked_at is not None:
        raise TokenRejected("The API key was revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenRejected("The API key has expired")
    if row.owner_id is None:
        raise TokenRejected("The API key's owner no longer exists")
    return KeyCaller(
        id=row.id,
        owner_id=row.owner_id,
        scopes=frozenset(str(s) for s in row.scopes),
        trusted_only=row.trusted_only,
        manifest=row.manifest,
        rate_limit_per_minute=row.rate_limit_per_minute,
        expires_at=row.expires_at,
    )


async def api_keys_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[ApiKey | None]:
    return await repo.keys_by_ids(session, ids)
