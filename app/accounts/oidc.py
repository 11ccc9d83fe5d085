"""Sign-in with OpenID Connect (and GitHub's OAuth2): start, complete, link, second factor.

1. `start_sign_in` checks the redirect URI against OIDC_REDIRECT_URIS and returns the provider's
   authorization URL (state, nonce, PKCE S256); the state is kept server-side (oidc_pending).
2. `complete_sign_in` takes the state once, exchanges the code and validates the ID token, then:
   - a linked identity signs its account in;
   - an unknown identity whose verified e-mail no account has creates a student account
     (verified address, no password) and signs it in;
   - an unknown identity whose verified e-mail an account has answers LINK_REQUIRED with a
     pending token: app.accounts.oidc_link links it once the user proves the account is theirs
     (its password or an e-mailed link, and its second factor);
   - an unverified (or missing) e-mail neither creates nor links anything.
   What the caller learns: LINK_REQUIRED tells whoever holds the provider's verified address
   that an account exists for that address, and nothing to anyone else.
3. An account with TOTP on needs its second factor after a provider sign-in as after a
   password one: the answer is MFA_REQUIRED with a pending token for `confirm_mfa`.

A session opened here carries `amr` ["fed"] (+ "pwd" after a link, + "otp" after the code).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import webhooks
from app.accounts import identities_repo, mfa, oidc_client, oidc_pending, repo, validation
from app.accounts.errors import AccountsCode
from app.accounts.identities import UNUSABLE_PASSWORD
from app.accounts.models import User, UserProfile, UserRole
from app.accounts.oidc_config import OidcProviderConfig
from app.accounts.oidc_errors import OidcCode, invalid_pending, invalid_state
from app.accounts.sessions import AuthResult, open_sign_in, usable
from app.clock import utcnow
from app.errors import Invalid
from app.security.tokens import AMR_OTP, KeyRing
from app.settings import Settings

AMR_FEDERATED = "fed"  # signed in through a provider (no RFC 8176 value names it)
LINK = "link"
MFA = "mfa"


class OidcStep(StrEnum):
    SIGNED_IN = "signed_in"
    LINK_REQUIRED = "link_required"
    MFA_REQUIRED = "mfa_required"
    LINKED = "linked"


@dataclass(frozen=True)
class OidcOutcome:
    step: OidcStep
    auth: AuthResult | None = None
    pending_token: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Client:
    """Where the request came from (for the session it may open)."""

    ip: str | None = None
    user_agent: str | None = None


def provider_named(settings: Settings, name: str) -> OidcProviderConfig:
    for provider in settings.oidc_providers:
        if provider.name == name:
            return provider
    raise Invalid("provider", "No such sign-in provider", OidcCode.UNKNOWN_PROVIDER)


async def start_sign_in(
    *,
    redis: Redis,
    settings: Settings,
    provider: str,
    redirect_uri: str,
    link_user_id: uuid.UUID | None = None,
) -> str:
    """The provider's authorization URL to send the browser to; with `link_user_id` (the
    signed-in caller) the sign-in links the identity to that user instead."""
    config = provider_named(settings, provider)
    if redirect_uri not in settings.oidc_redirect_uri_list:
        raise Invalid(
            "redirect_uri",
            "This redirect URI is not allowed for sign-in",
            OidcCode.REDIRECT_URI_NOT_ALLOWED,
        )
    started = await oidc_client.authorization(
        config, redirect_uri, settings.oidc_http_timeout_seconds
    )
    await oidc_pending.save_state(
        redis,
        settings,
        started.state,
        {
            "provider": config.name,
            "redirect_uri": redirect_uri,
            "nonce": started.nonce,
            "code_verifier": started.code_verifier,
            "link_user_id": str(link_user_id) if link_user_id else None,
        },
    )
    return started.url


async def complete_sign_in(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    keyring: KeyRing,
    provider: str,
    code: str,
    state: str,
    client: Client,
    caller_id: uuid.UUID | None = None,
) -> OidcOutcome:
    """Finish the sign-in the provider redirected back from (see the module's docstring). The
    provider is asked before any SQL runs, so no database connection waits on it."""
    config = provider_named(settings, provider)
    started = await oidc_pending.peek_state(redis, state)
    if started is None or started["provider"] != config.name:
        raise invalid_state()
    link_to = started.get("link_user_id")
    if link_to is not None and (caller_id is None or str(caller_id) != link_to):
        # a linking sign-in completes only for the user who started it (who may still do so,
        # e.g. after refreshing an access token that expired at the provider)
        raise invalid_state()
    if not await oidc_pending.consume_state(redis, state):
        raise invalid_state()
    if not 0 < len(code) <= oidc_pending.MAX_TOKEN_LENGTH * 8:
        raise Invalid("code", "The authorization code is missing", OidcCode.PROVIDER_ERROR)
    identity = await oidc_client.fetch_identity(
        config,
        code=code,
        redirect_uri=started["redirect_uri"],
        code_verifier=started["code_verifier"],
        nonce=started["nonce"],
        http_timeout=settings.oidc_http_timeout_seconds,
    )
    if caller_id is not None and link_to is not None:
        await _link_to_caller(session, caller_id, config.name, identity)
        return OidcOutcome(OidcStep.LINKED)
    return await _sign_in_as(session, redis, settings, keyring, config.name, identity, client)


async def _sign_in_as(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    keyring: KeyRing,
    provider: str,
    identity: oidc_client.ProviderIdentity,
    client: Client,
) -> OidcOutcome:
    linked = await identities_repo.find(session, provider, identity.subject)
    if linked is not None:
        user = await repo.get_user(session, linked.user_id)
        linked.last_used_at = utcnow()
        return await _sign_in(session, redis, settings, keyring, usable_user(user), client)
    email = _verified_email(identity)
    owner = await repo.get_user_by_email(session, email)
    if owner is None:
        created = await _create_account(session, provider, identity, email)
        if created is not None:
            return await _sign_in(session, redis, settings, keyring, created, client)
        # a concurrent sign-in won the race: with this identity, or another with the address
        linked = await identities_repo.find(session, provider, identity.subject)
        if linked is not None:
            user = await repo.get_user(session, linked.user_id)
            return await _sign_in(session, redis, settings, keyring, usable_user(user), client)
        owner = await repo.get_user_by_email(session, email)
    pending = {
        "kind": LINK,
        "user_id": str(usable_user(owner).id),
        "provider": provider,
        "subject": identity.subject,
        "email": email,
    }
    token = await oidc_pending.save_pending(redis, settings, pending)
    return OidcOutcome(OidcStep.LINK_REQUIRED, pending_token=token, email=email)


def identity_in_use() -> Invalid:
    return Invalid(None, "This identity is linked to another account", OidcCode.IDENTITY_IN_USE)


async def _link_to_caller(
    session: AsyncSession,
    user_id: uuid.UUID,
    provider: str,
    identity: oidc_client.ProviderIdentity,
) -> None:
    """A signed-in user links an identity of theirs: their session proves the account, the
    provider proves the identity (its e-mail address plays no part)."""
    now = utcnow()
    linked = await identities_repo.find(session, provider, identity.subject)
    if linked is None:
        email = validation.normalize_email(identity.email or "")[:254]
        linked = await identities_repo.add(
            session,
            user_id=user_id,
            provider=provider,
            subject=identity.subject,
            email=email,
            now=now,
        )
    if linked is None or linked.user_id != user_id:
        raise identity_in_use()
    linked.last_used_at = now


def usable_user(user: User | None) -> User:
    if user is None or not usable(user):
        raise Invalid(None, "This account cannot sign in", OidcCode.SIGN_IN_REFUSED)
    return user


def _verified_email(identity: oidc_client.ProviderIdentity) -> str:
    email = validation.normalize_email(identity.email or "")
    if not identity.email_verified or validation.email_errors(email):
        raise Invalid(
            None,
            "The provider has no verified e-mail address for you",
            OidcCode.EMAIL_NOT_VERIFIED,
        )
    return email


class _Taken(Exception):
    """The identity was linked by a concurrent sign-in."""


def _name(value: str) -> str:
    return validation.clean_name(value) if not validation.name_errors(value, "name") else ""


async def _create_account(
    session: AsyncSession, provider: str, identity: oidc_client.ProviderIdentity, email: str
) -> User | None:
    """A verified student account without a password, linked to the identity; None when a
    concurrent sign-in took the address or the identity first."""
    now = utcnow()
    user = User(
        email=email,
        first_name=_name(identity.first_name),
        last_name=_name(identity.last_name),
        password_hash=UNUSABLE_PASSWORD,
        role=UserRole.STUDENT,
        email_verified_at=now,
    )
    try:
        async with session.begin_nested():
            await repo.add_user(session, user, UserProfile())
            linked = await identities_repo.add(
                session,
                user_id=user.id,
                provider=provider,
                subject=identity.subject,
                email=email,
                now=now,
            )
            if linked is None:
                raise _Taken()
    except (IntegrityError, _Taken):
        return None
    await webhooks.user_registered(session, user_id=user.id)
    return user


async def _sign_in(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    keyring: KeyRing,
    user: User,
    client: Client,
    amr: tuple[str, ...] = (AMR_FEDERATED,),
) -> OidcOutcome:
    if await mfa.is_enabled(session, user.id):
        pending = {"kind": MFA, "user_id": str(user.id), "amr": list(amr)}
        token = await oidc_pending.save_pending(redis, settings, pending)
        return OidcOutcome(OidcStep.MFA_REQUIRED, pending_token=token)
    return OidcOutcome(
        OidcStep.SIGNED_IN, auth=await open_for(session, settings, keyring, user, client, amr)
    )


async def open_for(
    session: AsyncSession,
    settings: Settings,
    keyring: KeyRing,
    user: User,
    client: Client,
    amr: tuple[str, ...],
) -> AuthResult:
    return await open_sign_in(
        session,
        settings=settings,
        keyring=keyring,
        user=user,
        ip=client.ip,
        user_agent=client.user_agent,
        amr=amr,
        method="oidc",
    )


async def pending_user(
    session: AsyncSession, redis: Redis, token: str, kind: str, field: str = "pending_token"
) -> tuple[dict[str, Any], User]:
    pending = await oidc_pending.peek_pending(redis, token, kind)
    if pending is None:
        raise invalid_pending(field)
    user = await repo.get_user(session, uuid.UUID(pending["user_id"]), for_update=True)
    return pending, usable_user(user)


async def second_factor(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    *,
    user: User,
    token: str,
    totp_code: str | None,
    now: datetime | None,
) -> tuple[str, ...]:
    """() without TOTP on, (otp,) after a right code; a wrong one counts as a failed attempt."""
    if not await mfa.is_enabled(session, user.id):
        return ()
    if not totp_code:
        raise Invalid(
            "totp_code", "Enter the code from your authenticator app", AccountsCode.MFA_REQUIRED
        )
    if not await mfa.verify_second_factor(
        session, settings, user_id=user.id, code=totp_code, now=now
    ):
        await oidc_pending.fail_pending(redis, settings, token)
        raise mfa.invalid_code("totp_code")
    return (AMR_OTP,)


async def confirm_mfa(
    session: AsyncSession,
    *,
    redis: Redis,
    settings: Settings,
    keyring: KeyRing,
    pending_token: str,
    totp_code: str,
    client: Client,
    now: datetime | None = None,
) -> AuthResult:
    """Finish an MFA_REQUIRED provider sign-in with the authenticator's (or a recovery) code."""
    pending, user = await pending_user(session, redis, pending_token, MFA)
    otp = await second_factor(
        session, redis, settings, user=user, token=pending_token, totp_code=totp_code, now=now
    )
    if not await oidc_pending.finish_pending(redis, pending_token):
        raise invalid_pending()
    amr = (*(str(m) for m in pending.get("amr", [AMR_FEDERATED])), *otp)
    return await open_for(session, settings, keyring, user, client, amr)
