"""The caller of a GraphQL operation: the signed-in user, as a model and as a service `Actor`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import structlog
from redis.exceptions import RedisError

from app.accounts import revocation
from app.accounts.models import User
from app.accounts.sessions import usable
from app.errors import Unauthenticated
from app.security.permissions import Actor

if TYPE_CHECKING:
    from loaders import Loaders
    from schema.core.context import Context, Info

logger = structlog.get_logger("easyways.auth")
RevokedCheck = Callable[[uuid.UUID], Awaitable[bool]]


async def current_user(info: Info) -> User | None:
    """The signed-in user (checked once per request), None when anonymous. A token whose session
    was revoked (logout, revokeSession, refresh-token reuse), whose version is stale (logout
    everywhere, password change) or whose user is gone is UNAUTHENTICATED."""
    return await user_of(info.context)


async def user_of(ctx: Context) -> User | None:
    """`current_user` from the request context (for extensions, which have no `info`)."""
    if ctx._user_loaded:
        return ctx._user
    if ctx._user_check is None:
        ctx._user_check = asyncio.ensure_future(check_caller(ctx, ctx.loaders))
    user = await asyncio.shield(ctx._user_check)
    ctx._user, ctx._user_loaded = user, True
    return user


async def check_caller(
    ctx: Context, loaders: Loaders, revoked: RevokedCheck | None = None
) -> User | None:
    """The caller's user checked now, through `loaders` (a live subscription checks again for
    every event it delivers, with a `revoked` check batched over its subscribers);
    UNAUTHENTICATED once the session has ended."""
    claims = ctx.claims
    if claims is None:
        return None
    if revoked is not None and claims.sid is not None:
        # a live event: both reads are loader futures batched over the event's subscribers,
        # asked for together (one dispatch), no task needed
        user_future, revoked_future = loaders.accounts.users.load(claims.sub), revoked(claims.sid)
        user, revoked_now = await user_future, await revoked_future
    else:
        user, revoked_now = await asyncio.gather(
            loaders.accounts.users.load(claims.sub), _session_revoked(ctx, loaders, claims.sid)
        )
    if revoked_now or user is None or not usable(user) or user.token_version != claims.ver:
        raise Unauthenticated("Your session has ended, please sign in again")
    return user


async def _session_revoked(ctx: Context, loaders: Loaders, session_id: uuid.UUID | None) -> bool:
    """Asks Redis (one EXISTS, unless the rate-limit charge already read it); when Redis cannot
    answer, the database (the session's row)."""
    if session_id is None:
        return False
    read, ctx.session_revoked = ctx.session_revoked, None  # good for one check: a live
    # subscription's later checks ask Redis again
    if read is not None and ctx.claims is not None and ctx.claims.sid == session_id:
        return read  # read with this request's rate-limit charge
    try:
        return await revocation.is_revoked(ctx.redis, session_id)
    except (RedisError, OSError) as exc:
        logger.warning("revocation check fell back to the database", error=repr(exc))
    row = await loaders.accounts.sessions.load(session_id)
    return row is None or row.revoked_at is not None


def row_check_only(ctx: Context) -> bool:
    """Whether all that is left of the caller check (`check_caller`) is their user's row: a
    caller with an access token, not checked yet, whose session Redis said (with the rate-limit
    charge) is not revoked, or whose token names no session. A statement that reads the user's
    row anyway may finish the check itself (app.catalog.documents checks active, not deleted and
    the token's version, as `check_caller` does)."""
    claims = ctx.claims
    return (
        claims is not None
        and ctx.api_key is None
        and (claims.sid is None or ctx.session_revoked is False)
        and not ctx._user_loaded
        and ctx._user_check is None
    )


async def require_user(info: Info) -> User:
    user = await current_user(info)
    if user is None:
        raise Unauthenticated()
    return user


def session_amr(ctx: Context, user: User) -> tuple[str, ...]:
    """How the caller's session was authenticated (the access token's `amr`); nothing when the
    token is not `user`'s own."""
    claims = ctx.claims
    if claims is None or claims.sub != user.id:
        return ()
    return claims.amr


def actor_of(ctx: Context, user: User) -> Actor:
    """`user` as the actor of a service call: with the session's `amr` and the MFA policy."""
    key = ctx.api_key
    return Actor.of(
        user,
        amr=session_amr(ctx, user),
        mfa_required_for_admins=ctx.settings.mfa_required_for_admins,
        scopes=key.scopes if key is not None and key.owner_id == user.id else None,
    )


async def viewer_of(info: Info) -> Actor | None:
    """The signed-in caller as an Actor, None when anonymous (the user is loaded once)."""
    user = await current_user(info)
    return actor_of(info.context, user) if user is not None else None


async def require_actor(info: Info) -> Actor:
    """The signed-in caller as an `Actor` (UNAUTHENTICATED when anonymous)."""
    return actor_of(info.context, await require_user(info))


def client_ip(ctx: Context) -> str | None:
    if ctx.client_ip:
        return ctx.client_ip
    client = getattr(ctx.request, "client", None)
    return client.host if client else None


def user_agent(ctx: Context) -> str | None:
    return ctx.user_agent or ctx.request.headers.get("user-agent")
