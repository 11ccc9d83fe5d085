"""Root fields of the notifications domain."""

from __future__ import annotations

from strawberry.tools import merge_types

from resolvers.notifications import newsletter, notifications, preferences, push

Query = merge_types(
    "NotificationsQuery", (notifications.Query, preferences.Query, push.Query, newsletter.Query)
)
Mutation = merge_types(
    "NotificationsMutation",
    (notifications.Mutation, preferences.Mutation, push.Mutation, newsletter.Mutation),
)
Subscription = merge_types(
    "NotificationsSubscription",
    (
        notifications.Subscription,
        preferences.Subscription,
        push.Subscription,
        newsletter.Subscription,
    ),
)

__all__ = ["Mutation", "Query", "Subscription"]
