"""The caller of a GraphQL operation, and the refresh/CSRF cookies of the auth mutations."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from app.accounts.models import User
from app.accounts.sessions import AuthResult, usable
from app.clock import utcnow
from app.errors import Forbidden, Unauthenticated
from app.security.permissions import Actor, Permission, has_permission
from schema.core.mutation import graphql_error

if TYPE_CHECKING:
    from schema.core.context import Context, Info

CSRF_HEADER = "X-CSRF-Token"
REFRESH_COOKIE_PATH = "/graphql"


async def current_user(info: Info) -> User | None:
    """The signed-in user (loaded once per request), None when anonymous. A token whose version
    is stale (logout everywhere, password change) or whose user is gone is UNAUTHENTICATED."""
    ctx = info.context
    if ctx._user_loaded:
        return ctx._user
    user = None
    if ctx.claims is not None:
        user = await ctx.loaders.accounts.users.load(ctx.claims.sub)
        if user is None or not usable(user) or user.token_version != ctx.claims.ver:
            raise graphql_error(Unauthenticated("Your session has ended, please sign in again"))
    ctx._user, ctx._user_loaded = user, True
    return user


async def require_user(info: Info) -> User:
    user = await current_user(info)
    if user is None:
        raise graphql_error(Unauthenticated())
    return user


def session_amr(ctx: Context, user: User) -> tuple[str, ...]:
    """How the caller's session was authenticated (the access token's `amr`); nothing when the
    token is not `user`'s own."""
    claims = ctx.claims
    if claims is None or getattr(claims, "sub", None) != user.id:
        return ()
    return tuple(getattr(claims, "amr", ()))


def actor_of(ctx: Context, user: User) -> Actor:
    """`user` as the actor of a service call: with the session's `amr` and the MFA policy."""
    return Actor.of(
        user,
        amr=session_amr(ctx, user),
        mfa_required_for_admins=ctx.settings.mfa_required_for_admins,
    )


async def require_actor(info: Info) -> Actor:
    """The signed-in caller as an `Actor` (UNAUTHENTICATED when anonymous)."""
    return actor_of(info.context, await require_user(info))


async def sees_private_fields(info: Info, user: User) -> bool:
    """The user themself or an admin (whose MFA is in use when it is required)."""
    viewer = await current_user(info)
    return viewer is not None and (
        viewer.id == user.id
        or has_permission(actor_of(info.context, viewer), Permission.USERS_MANAGE)
    )


def client_ip(ctx: Context) -> str | None:
    if ctx.client_ip:
        return ctx.client_ip
    client = getattr(ctx.request, "client", None)
    return client.host if client else None


def user_agent(ctx: Context) -> str | None:
    return ctx.user_agent or ctx.request.headers.get("user-agent")


def set_auth_cookies(ctx: Context, result: AuthResult) -> None:
    """httpOnly refresh cookie (path /graphql) + a readable CSRF cookie for double-submit."""
    if ctx.response is None:
        return
    settings = ctx.settings
    max_age = max(int((result.refresh_token_expires_at - utcnow()).total_seconds()), 0)
    ctx.response.set_cookie(
        settings.refresh_cookie_name,
        result.refresh_token,
        max_age=max_age,
        path=REFRESH_COOKIE_PATH,
        secure=settings.refresh_cookie_secure,
        httponly=True,
        samesite="lax",
    )
    ctx.response.set_cookie(
        settings.csrf_cookie_name,
        secrets.token_urlsafe(32),
        max_age=max_age,
        path="/",
        secure=settings.refresh_cookie_secure,
        httponly=False,
        samesite="lax",
    )


def clear_auth_cookies(ctx: Context) -> None:
    if ctx.response is None:
        return
    settings = ctx.settings
    ctx.response.delete_cookie(
        settings.refresh_cookie_name,
        path=REFRESH_COOKIE_PATH,
        secure=settings.refresh_cookie_secure,
        httponly=True,
        samesite="lax",
    )
    ctx.response.delete_cookie(
        settings.csrf_cookie_name,
        path="/",
        secure=settings.refresh_cookie_secure,
        httponly=False,
        samesite="lax",
    )


def csrf_ok(ctx: Context) -> bool:
    cookie = ctx.request.cookies.get(ctx.settings.csrf_cookie_name, "")
    header = ctx.request.headers.get(CSRF_HEADER, "")
    return bool(cookie) and secrets.compare_digest(cookie.encode(), header.encode())


def refresh_token_of(ctx: Context, explicit: str | None, *, strict: bool = True) -> str | None:
    """The refresh token given in the input (mobile; no CSRF needed) or the cookie, which needs
    the `X-CSRF-Token` header to equal the CSRF cookie: FORBIDDEN when `strict`, else ignored."""
    if explicit:
        return explicit
    cookie = ctx.request.cookies.get(ctx.settings.refresh_cookie_name)
    if not cookie:
        return None
    if not csrf_ok(ctx):
        if strict:
            raise graphql_error(Forbidden("CSRF check failed: send the X-CSRF-Token header"))
        return None
    return cookie
