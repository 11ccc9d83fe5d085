"""GraphQL types of presence (best-effort, see app/communication/presence.py)."""

from __future__ import annotations

import strawberry

from schema.accounts.types import User


@strawberry.type(description="Someone came online in the course, or went offline.")
class PresenceEvent:
    user: User
    online: bool = strawberry.field(description="True: joined; false: left or expired.")
    online_count: int = strawberry.field(description="How many are present after this change.")


@strawberry.type(
    description="Who is present in a course now (best-effort: a closed tab may linger for up to "
    "a minute)."
)
class OnlineUsers:
    count: int = strawberry.field(description="How many are present.")
    users: list[User] = strawberry.field(
        description="The most recently active of them, at most 100."
    )
