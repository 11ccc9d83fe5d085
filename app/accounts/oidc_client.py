"""Talking to a sign-in provider with Authlib's OAuth2 client: the authorization URL (state,
nonce, PKCE S256), the code exchange, the ID token's validation (signature against the
provider's JWKS, iss, aud, exp, iat, nonce, azp, at_hash) and, for GitHub, its user API.

Discovery documents and key sets are cached per process for an hour; a token signed by a key
the cache does not know makes one fresh fetch of the key set (the provider rotated its keys).
No secret and no token is ever logged.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.accounts.oidc_config import OidcProviderConfig
from app.accounts.oidc_errors import OidcCode
from app.clock import utcnow
from app.errors import Invalid

with warnings.catch_warnings():
    # Authlib 1.9 would rather run on httpx2; it runs on httpx, the project's HTTP client.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

log = structlog.get_logger(__name__)

CACHE_SECONDS = 3600.0
LEEWAY_SECONDS = 60
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")

_cache: dict[str, tuple[float, dict[str, Any]]] = {}


@dataclass(frozen=True)
class Authorization:
    """A started sign-in: the URL to send the browser to and what the callback must match."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class ProviderIdentity:
    subject: str
    email: str | None
    email_verified: bool
    first_name: str
    last_name: str


def provider_error(message: str = "The provider could not complete the sign-in") -> Invalid:
    return Invalid("code", message, OidcCode.PROVIDER_ERROR)


def invalid_id_token() -> Invalid:
    return Invalid("code", "The provider's ID token is not valid", OidcCode.INVALID_ID_TOKEN)


def _client(
    provider: OidcProviderConfig, redirect_uri: str, http_timeout: float
) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret.get_secret_value() or None,
        scope=" ".join(provider.scope_list),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=http_timeout,
    )


async def _get_json(url: str, http_timeout: float, *, fresh: bool = False) -> dict[str, Any]:
    cached = _cache.get(url)
    if cached and not fresh and cached[0] > time.monotonic():
        return cached[1]
    try:
        async with httpx.AsyncClient(timeout=http_timeout) as http:
            response = await http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("oidc provider unreachable", url=url, error=type(exc).__name__)
        raise provider_error("The sign-in provider could not be reached") from exc
    if not isinstance(document, dict):
        raise provider_error("The sign-in provider answered something unexpected")
    _cache[url] = (time.monotonic() + CACHE_SECONDS, document)
    return document


async def metadata_of(provider: OidcProviderConfig, http_timeout: float) -> dict[str, Any]:
    """The provider's discovery document; its issuer must be the configured one."""
    document = await _get_json(provider.discovery_document_url, http_timeout)
    issuer = provider.issuer.rstrip("/")
    if issuer and str(document.get("issuer", "")).rstrip("/") != issuer:
        raise provider_error("The provider's discovery document names another issuer")
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(key), str):
            raise provider_error("The provider's discovery document is incomplete")
    return document


async def authorization(
    provider: OidcProviderConfig, redirect_uri: str, http_timeout: float
) -> Authorization:
    endpoint = (
        provider.authorize_url
        if provider.kind == "github"
        else str((await metadata_of(provider, http_timeout))["authorization_endpoint"])
    )
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    extra = {"nonce": nonce} if provider.kind == "oidc" else {}
    async with _client(provider, redirect_uri, http_timeout) as client:
        url, _ = client.create_authorization_url(
            endpoint, state=state, code_verifier=verifier, **extra
        )
    return Authorization(url=url, state=state, nonce=nonce, code_verifier=verifier)


async def fetch_identity(
    provider: OidcProviderConfig,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    nonce: str,
    http_timeout: float,
) -> ProviderIdentity:
    """Exchange the code (with the PKCE verifier) and say who signed in at the provider."""
    if provider.kind == "github":
        return await _github_identity(provider, code, redirect_uri, code_verifier, http_timeout)
    metadata = await metadata_of(provider, http_timeout)
    async with _client(provider, redirect_uri, http_timeout) as client:
        token = await _exchange(client, str(metadata["token_endpoint"]), code, code_verifier)
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise invalid_id_token()
        claims = await _validated_claims(
            provider, metadata, id_token, nonce, str(token.get("access_token", "")), http_timeout
        )
        if "email" not in claims and isinstance(metadata.get("userinfo_endpoint"), str):
            claims = {**await _userinfo(client, metadata["userinfo_endpoint"], claims), **claims}
    return _identity(claims)


async def _exchange(
    client: AsyncOAuth2Client, url: str, code: str, code_verifier: str
) -> dict[str, Any]:
    try:
        token: dict[str, Any] = await client.fetch_token(
            url, grant_type="authorization_code", code=code, code_verifier=code_verifier
        )
    except OAuthError as exc:
        log.info("oidc code refused", error=exc.error)
        raise provider_error("The provider refused the authorization code") from exc
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("oidc token endpoint unreachable", error=type(exc).__name__)
        raise provider_error() from exc
    return token


async def _keys(url: str, http_timeout: float, *, fresh: bool) -> KeySet:
    try:
        return KeySet.import_key_set(await _get_json(url, http_timeout, fresh=fresh))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError) as exc:
        raise provider_error("The provider's key set is not usable") from exc


async def _validated_claims(
    provider: OidcProviderConfig,
    metadata: dict[str, Any],
    id_token: str,
    nonce: str,
    access_token: str,
    http_timeout: float,
) -> dict[str, Any]:
    jwks_uri = str(metadata["jwks_uri"])
    for fresh in (False, True):
        try:
            token = jwt.decode(
                id_token, await _keys(jwks_uri, http_timeout, fresh=fresh), ALGORITHMS
            )
            break
        except (JoseError, ValueError) as exc:
            if fresh:
                log.info("oidc id token refused", reason=type(exc).__name__)
                raise invalid_id_token() from exc
    claims = CodeIDToken(
        token.claims,
        token.header,
        options={
            "iss": {"essential": True, "value": str(metadata["issuer"])},
            "aud": {"essential": True, "value": provider.client_id},
            "sub": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        },
        params={"nonce": nonce, "client_id": provider.client_id, "access_token": access_token},
    )
    try:
        claims.validate(now=int(utcnow().timestamp()), leeway=LEEWAY_SECONDS)
    except JoseError as exc:
        log.info("oidc id token refused", reason=type(exc).__name__, claim=str(exc))
        raise invalid_id_token() from exc
    return dict(claims)


async def _userinfo(client: AsyncOAuth2Client, url: str, claims: dict[str, Any]) -> dict[str, Any]:
    try:
        response = await client.get(url)
        response.raise_for_status()
        info = response.json()
    except (httpx.HTTPError, ValueError, OAuthError) as exc:
        raise provider_error() from exc
    if not isinstance(info, dict) or info.get("sub") != claims["sub"]:
        raise invalid_id_token()
    return info


def _verified(value: object) -> bool:
    return value is True or value == "true"


def _names(claims: dict[str, Any]) -> tuple[str, str]:
    first, last = claims.get("given_name"), claims.get("family_name")
    if isinstance(first, str) and isinstance(last, str):
        return first, last
    full = claims.get("name")
    parts = full.split(" ", 1) if isinstance(full, str) else []
    return (parts[0] if parts else ""), (parts[1] if len(parts) > 1 else "")


def _identity(claims: dict[str, Any]) -> ProviderIdentity:
    email = claims.get("email")
    first, last = _names(claims)
    return ProviderIdentity(
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) else None,
        email_verified=_verified(claims.get("email_verified")),
        first_name=first,
        last_name=last,
    )


async def _github_identity(
    provider: OidcProviderConfig,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    http_timeout: float,
) -> ProviderIdentity:
    api = provider.api_url.rstrip("/")
    async with _client(provider, redirect_uri, http_timeout) as client:
        await _exchange(client, provider.token_url, code, code_verifier)
        try:
            user = (await client.get(f"{api}/user")).raise_for_status().json()
            emails = (await client.get(f"{api}/user/emails")).raise_for_status().json()
        except (httpx.HTTPError, ValueError, OAuthError) as exc:
            log.warning("github api unreachable", error=type(exc).__name__)
            raise provider_error() from exc
    if not isinstance(user, dict) or "id" not in user or not isinstance(emails, list):
        raise provider_error("GitHub answered something unexpected")
    primary = next((e for e in emails if isinstance(e, dict) and e.get("primary")), {})
    first, last = _names({"name": user.get("name") or user.get("login")})
    return ProviderIdentity(
        subject=str(user["id"]),
        email=primary.get("email") if isinstance(primary.get("email"), str) else None,
        email_verified=primary.get("verified") is True,
        first_name=first,
        last_name=last,
    )
