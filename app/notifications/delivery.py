"""The pure rules of delivering a notification: its burst key, a folded burst's title, and the
context of its e-mail. `service.notify` applies them in the caller's transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.notifications.models import NotificationType
from app.notifications.preferences import policy_of

# similar unread notifications within this window of the last one fold into it (Property 51)
FOLD_WINDOW = timedelta(minutes=10)
COUNT_KEY = "count"  # metadata: how many notifications a folded one stands for


def group_key_of(
    type: NotificationType, metadata: dict[str, Any], given: str | None = None
) -> str | None:
    """The caller's key, else `<type>:<metadata[group_by]>` for types that fold, else None."""
    if given:
        return given[:200]
    key = policy_of(type).group_by
    value = metadata.get(key) if key else None
    return f"{type.value}:{value}"[:200] if value else None


def burst_title(type: NotificationType, count: int, latest_title: str) -> str:
    """ "3 new messages from Ada" from the type's burst title and the latest item's "… from Ada"."""
    title = policy_of(type).burst_title.format(count=count)
    _, sep, sender = latest_title.rpartition(" from ")
    if sep and type == NotificationType.NEW_MESSAGE:
        title = f"{title} from {sender}"
    return title[:255]


def absolute_url(frontend_url: str, url: str | None) -> str | None:
    """An e-mail needs absolute links: a path is joined to the frontend's address."""
    if url is None or not url.startswith("/"):
        return url
    return frontend_url.rstrip("/") + url


def email_context(
    *,
    first_name: str,
    title: str,
    body: str,
    action_url: str | None,
    count: int,
) -> dict[str, Any]:
    """What every notification template uses."""
    return {
        "first_name": first_name,
        "title": title,
        "body": body,
        "action_url": action_url,
        "count": count,
    }
