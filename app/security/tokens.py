"""Access tokens: short-lived JWTs signed with rotating asymmetric keys (ES256 / RS256), plus JWKS.

Keys come from `settings.jwt_private_keys` (JSON `{kid: PEM}`): the first one signs, all of them
verify, so a new key can be put first while tokens signed by the old one stay valid until they
expire. In development and test, when no keys are configured, a P-256 key is generated once and
kept at `{data_dir}/keys/jwt-signing.pem` (mode 0600) so restarts keep issued tokens valid.

Verification never trusts the token's header beyond choosing a key by `kid`: the algorithm is the
one that belongs to that key (no `alg` confusion, no `none`), and every failure — bad signature,
unknown kid, not yet valid, wrong issuer or audience, malformed claims — is a `TokenRejected` with
the code TOKEN_INVALID; a genuine token whose `exp` has passed is TOKEN_EXPIRED (so a client knows
to refresh).
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import ECKey, RSAKey

from app.accounts.models import UserRole
from app.clock import utcnow
from app.errors import TokenRejected
from app.ids import new_id

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.settings import Settings

SigningKey = ECKey | RSAKey

DEV_KEY_PATH = Path("keys") / "jwt-signing.pem"
CLOCK_LEEWAY_SECONDS = 5
_MAX_TOKEN_LENGTH = 4096
VERIFIED_TOKENS = 4096  # access tokens whose verified claims a key ring keeps


# Authentication method references (RFC 8176) carried in the `amr` claim.
AMR_PASSWORD = "pwd"  # noqa: S105 - a method name (RFC 8176), not a secret
AMR_OTP = "otp"  # a TOTP or a recovery code was verified at sign-in


class KeyRingError(RuntimeError):
    """The configured signing keys cannot be used."""


@dataclass(frozen=True)
class AccessClaims:
    """The verified claims of an access token."""

    sub: uuid.UUID
    email: str
    role: UserRole
    ver: int
    sid: uuid.UUID | None
    exp: int
    jti: str
    # How the session was authenticated (RFC 8176), e.g. ("pwd",) or ("pwd", "otp").
    amr: tuple[str, ...] = ()


def _algorithm_of(key: SigningKey) -> str:
    if isinstance(key, RSAKey):
        return "RS256"
    if key.curve_name != "P-256":
        raise KeyRingError(f"EC signing keys must use P-256 (got {key.curve_name})")
    return "ES256"


def _import_pem(pem: str | bytes) -> SigningKey:
    data = pem.encode() if isinstance(pem, str) else pem
    for key_cls in (ECKey, RSAKey):
        try:
            key = key_cls.import_key(data)
        except (JoseError, ValueError, TypeError):
            continue
        if not key.is_private:
            raise KeyRingError("JWT signing keys must be private keys")
        return key
    raise KeyRingError("JWT signing key is not an EC (P-256) or RSA private key in PEM format")


class KeyRing:
    """Ordered signing keys: the first signs, every key verifies (key rotation)."""

    def __init__(self, keys: Mapping[str, SigningKey]) -> None:
        if not keys:
            raise KeyRingError("a key ring needs at least one key")
        self._keys: dict[str, tuple[SigningKey, str]] = {
            kid: (key, _algorithm_of(key)) for kid, key in keys.items()
        }
        self.signing_kid = next(iter(self._keys))
        # token → its claims, for tokens whose signature verified: a client sends the same
        # access token with every request for its lifetime, and an ECDSA verification is the
        # largest CPU cost of a signed-in request. A key ring's keys never change, so a token
        # verified once verifies again; its claims (expiry, audience…) are still checked every time.
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()
        # (issuer, audience, token) → the claims of a token whose every claim passed, with the
        # times that may still refuse it: when it starts (`iat`, `nbf`) and when it expires
        self._valid: OrderedDict[tuple[str, str, str], tuple[AccessClaims, float, int]] = (
            OrderedDict()
        )

    @classmethod
    def from_pems(cls, pems: Mapping[str, str | bytes]) -> KeyRing:
        return cls({kid: _import_pem(pem) for kid, pem in pems.items()})

    @classmethod
    def generate(cls, algorithm: str = "ES256", kid: str | None = None) -> KeyRing:
        """An in-memory key ring with one fresh key (tests, throw-away processes)."""
        key = generate_key(algorithm)
        return cls({kid or key.thumbprint(): key})

    @property
    def signing_algorithm(self) -> str:
        return self._keys[self.signing_kid][1]

    @property
    def kids(self) -> list[str]:
        return list(self._keys)

    def sign(self, claims: dict[str, Any]) -> str:
        key, alg = self._keys[self.signing_kid]
        header = {"alg": alg, "kid": self.signing_kid, "typ": "JWT"}
        return jwt.encode(header, claims, key, algorithms=[alg])

    def decode(self, token: str) -> dict[str, Any]:
        """Check the signature with the key named by `kid`; raises TokenRejected. The claims of
        the last VERIFIED_TOKENS tokens that verified are kept (copies are handed out)."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            raise TokenRejected("Invalid access token")
        known = self._verified.get(token)
        if known is not None:
            self._verified.move_to_end(token)
            return dict(known)
        claims = self._decode(token)
        self._verified[token] = claims
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return dict(claims)

    def valid(
        self, token: str, issuer: str, audience: str
    ) -> tuple[AccessClaims, float, int] | None:
        """A token `verify_access_token` accepted for this issuer and audience: its claims,
        when it starts and when it expires (None when it has not)."""
        key = (issuer, audience, token)
        known = self._valid.get(key)
        if known is not None:
            self._valid.move_to_end(key)
        return known

    def remember_valid(
        self, token: str, issuer: str, audience: str, access: AccessClaims, starts: float
    ) -> None:
        self._valid[(issuer, audience, token)] = (access, starts, access.exp)
        if len(self._valid) > VERIFIED_TOKENS:
            self._valid.popitem(last=False)

    def _decode(self, token: str) -> dict[str, Any]:
        kid = _unverified_kid(token)
        entry = self._keys.get(kid) if kid is not None else None
        if entry is None:
            raise TokenRejected("Invalid access token")
        key, alg = entry
        try:
            decoded = jwt.decode(token, key, algorithms=[alg])
        except (JoseError, ValueError, TypeError) as exc:
            raise TokenRejected("Invalid access token") from exc
        if decoded.header.get("alg") != alg:
            raise TokenRejected("Invalid access token")
        return dict(decoded.claims)

    def jwks(self) -> dict[str, Any]:
        """The public JSON Web Key Set (never private parts)."""
        keys = []
        for kid, (key, alg) in self._keys.items():
            public = dict(key.as_dict(private=False))
            public.update(kid=kid, alg=alg, use="sig")
            keys.append(public)
        return {"keys": keys}


def generate_key(algorithm: str = "ES256") -> SigningKey:
    if algorithm == "ES256":
        return ECKey.generate_key("P-256", private=True)
    if algorithm == "RS256":
        return RSAKey.generate_key(2048, private=True)
    raise KeyRingError(f"unsupported JWT algorithm {algorithm!r}")


def _unverified_kid(token: str) -> str | None:
    try:
        segment = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, TypeError) as exc:
        raise TokenRejected("Invalid access token") from exc
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def _load_or_create_dev_key(path: Path, algorithm: str) -> SigningKey:
    if path.exists():
        return _import_pem(path.read_bytes())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key(algorithm)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.as_pem(private=True))
    os.replace(tmp, path)  # atomic: concurrent starters agree on one key file
    return _import_pem(path.read_bytes())


def load_keyring(settings: Settings) -> KeyRing:
    """Build the key ring from settings; in development/test generate and persist a key."""
    if settings.jwt_private_keys.strip():
        try:
            pems = json.loads(settings.jwt_private_keys)
        except ValueError as exc:
            raise KeyRingError("JWT_PRIVATE_KEYS must be a JSON object {kid: PEM}") from exc
        if not isinstance(pems, dict) or not pems:
            raise KeyRingError("JWT_PRIVATE_KEYS must be a non-empty JSON object {kid: PEM}")
        return KeyRing.from_pems(pems)
    if settings.is_production:
        raise KeyRingError("JWT_PRIVATE_KEYS is required in production")
    key = _load_or_create_dev_key(settings.data_dir / DEV_KEY_PATH, settings.jwt_algorithm)
    return KeyRing({key.thumbprint(): key})


def issue_access_token(
    keyring: KeyRing,
    settings: Settings,
    *,
    user: User,
    session_id: uuid.UUID | None,
    amr: Sequence[str] = (AMR_PASSWORD,),
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """Sign a short-lived access token for `user` in session `session_id`, authenticated by the
    methods `amr` (RFC 8176); returns (token, exp)."""
    issued = (now or utcnow()).replace(microsecond=0)
    expires_at = issued + timedelta(seconds=settings.access_token_ttl_seconds)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user.id),
        "email": user.email,
        "role": UserRole(user.role).value,
        "ver": user.token_version,
        "sid": str(session_id) if session_id else None,
        "amr": list(amr),
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": str(new_id()),
    }
    return keyring.sign(claims), expires_at


def _claims_registry(settings: Settings, now: datetime | None) -> jwt.JWTClaimsRegistry:
    essential: jwt.ClaimsOption = {"essential": True}
    return jwt.JWTClaimsRegistry(
        now=int((now or utcnow()).timestamp()),
        leeway=CLOCK_LEEWAY_SECONDS,
        iss={"essential": True, "value": settings.jwt_issuer},
        aud={"essential": True, "value": settings.jwt_audience},
        sub=essential,
        exp=essential,
        iat=essential,
        jti=essential,
    )


def verify_access_token(
    keyring: KeyRing, settings: Settings, token: str, *, now: datetime | None = None
) -> AccessClaims:
    """Verify signature and claims; any failure raises `TokenRejected` (TOKEN_EXPIRED once `exp`
    has passed, TOKEN_INVALID for anything else). A token that passed is remembered by the key
    ring with its claims and times (`KeyRing.valid`): checking it again is only checking those
    times against `now`, with the same leeway and in the same order as the full check."""
    at = int((now or utcnow()).timestamp())
    known = keyring.valid(token, settings.jwt_issuer, settings.jwt_audience)
    if known is not None:
        access, starts, expires = known
        if starts > at + CLOCK_LEEWAY_SECONDS:
            raise TokenRejected("Invalid access token")
        if expires <= at - CLOCK_LEEWAY_SECONDS:
            raise TokenRejected("The access token has expired", expired=True)
        return access
    claims = keyring.decode(token)
    try:
        _claims_registry(settings, now).validate(claims)
        sid = claims.get("sid")
        access = AccessClaims(
            sub=uuid.UUID(claims["sub"]),
            email=str(claims["email"]),
            role=UserRole(claims["role"]),
            ver=_strict_int(claims["ver"]),
            sid=uuid.UUID(sid) if sid is not None else None,
            exp=_strict_int(claims["exp"]),
            jti=str(claims["jti"]),
            amr=_amr(claims.get("amr", [])),
        )
    except ExpiredTokenError as exc:
        raise TokenRejected("The access token has expired", expired=True) from exc
    except (JoseError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise TokenRejected("Invalid access token") from exc
    # the latest of the times the token may not be used before (`iat` is essential, `nbf` not)
    starts = max(claims["iat"], claims.get("nbf", claims["iat"]))
    keyring.remember_valid(token, settings.jwt_issuer, settings.jwt_audience, access, starts)
    return access


def _amr(value: object) -> tuple[str, ...]:
    """A list of method names; absent means none is known (never more than was proven)."""
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise TypeError("expected a list of strings in amr")
    return tuple(value)


def _strict_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected an integer claim")
    return value
