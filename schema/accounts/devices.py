"""The known-device cookie (see app.accounts.known_devices): httpOnly, sent only to /graphql."""

from __future__ import annotations

import uuid

from app.accounts import known_devices
from schema.core.context import Context

DEVICE_COOKIE = "ews_device"
DEVICE_COOKIE_PATH = "/graphql"


def device_of(ctx: Context) -> str | None:
    return ctx.request.cookies.get(DEVICE_COOKIE)


def remember_device(ctx: Context, user_id: uuid.UUID) -> None:
    """This browser now knows the account (after a sign-in or a solved e-mailed link)."""
    if ctx.response is None:
        return
    ctx.response.set_cookie(
        DEVICE_COOKIE,
        known_devices.remember(ctx.settings, device_of(ctx), user_id),
        max_age=int(known_devices.LIFETIME.total_seconds()),
        path=DEVICE_COOKIE_PATH,
        secure=ctx.settings.refresh_cookie_secure,
        httponly=True,
        samesite="lax",
    )
