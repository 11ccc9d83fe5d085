"""The refresh-token and CSRF cookies of the auth mutations (double-submit CSRF on refresh)."""

from __future__ import annotations

import secrets

from app.accounts.sessions import AuthResult
from app.clock import utcnow
from app.errors import Forbidden
from schema.core.context import Context

CSRF_HEADER = "X-CSRF-Token"
REFRESH_COOKIE_PATH = "/graphql"


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
            raise Forbidden("CSRF check failed: send the X-CSRF-Token header")
        return None
    return cookie
