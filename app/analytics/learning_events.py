"""Reading learning events (admins only): the filtered list behind `learningEvents` and the
xAPI settings every statement is built with."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import events_repo
from app.analytics.events_repo import EventFilter, StoredEvent
from app.pagination import Page, PageRequest
from app.security.permissions import Actor, Permission, require_permission
from app.settings import Settings


def require_event_reader(actor: Actor) -> None:
    """Raw learning events name learners: platform analysts (admins) only, else FORBIDDEN."""
    require_permission(actor, Permission.ANALYTICS_VIEW_PLATFORM)


def xapi_base_url(settings: Settings) -> str:
    """XAPI_BASE_URL, else FRONTEND_URL: the actors' homePage and the activities' base."""
    return (settings.xapi_base_url or settings.frontend_url).rstrip("/")


async def list_learning_events(
    session: AsyncSession,
    *,
    actor: Actor,
    where: EventFilter,
    request: PageRequest,
    with_total: bool = False,
) -> Page[StoredEvent]:
    """The matching events, newest first."""
    require_event_reader(actor)
    return await events_repo.list_events(
        session, where=where, request=request, with_total=with_total
    )
