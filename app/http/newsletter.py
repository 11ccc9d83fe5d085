"""`/newsletter/unsubscribe?s=<subscriber id>&sig=<signature>`: the one-click unsubscribe link.

RFC 8058: a mail client sends `POST` with the form body `List-Unsubscribe=One-Click` to the
link of the `List-Unsubscribe` header; any POST with a valid signature unsubscribes (the body is
not required). A `GET` (a person following the link, or a mail scanner pre-fetching it) changes
nothing: it shows a tiny page whose button POSTs to the same URL. A bad or missing signature is
400 with a page saying the link is invalid. Unsubscribing twice is fine (200 both times).
"""

from __future__ import annotations

import html
import uuid

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from app.db import Database
from app.errors import UserFacingError
from app.notifications.newsletter import unsubscribe_newsletter, valid_signature
from app.settings import Settings

PATH = "/newsletter/unsubscribe"
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        '<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">'
        f"<h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
        headers=_HEADERS,
    )


def _invalid() -> HTMLResponse:
    return _page(
        "This link is not valid",
        "<p>Use the unsubscribe link of a newsletter e-mail you received.</p>",
        400,
    )


def _parse(request: Request) -> tuple[uuid.UUID, str] | None:
    try:
        subscriber = uuid.UUID(request.query_params.get("s", ""))
    except ValueError:
        return None
    signature = request.query_params.get("sig", "")
    return (subscriber, signature) if 0 < len(signature) <= 100 else None


async def unsubscribe(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    parsed = _parse(request)
    if parsed is None or not valid_signature(settings, *parsed):
        return _invalid()
    subscriber, signature = parsed
    if request.method == "GET":
        action = html.escape(f"{PATH}?{request.url.query}", quote=True)
        return _page(
            "Unsubscribe from the newsletter?",
            f'<form method=post action="{action}">'
            '<input type=hidden name="List-Unsubscribe" value="One-Click">'
            "<button type=submit>Unsubscribe</button></form>",
        )
    db: Database = request.app.state.db
    try:
        async with db.transaction() as session:
            await unsubscribe_newsletter(
                session, settings=settings, subscriber_id=subscriber, signature=signature
            )
    except UserFacingError:
        return _invalid()
    return _page("You are unsubscribed", "<p>You will not receive the newsletter any more.</p>")


def newsletter_routes() -> list[Route]:
    return [Route(PATH, unsubscribe, methods=["GET", "POST"])]
