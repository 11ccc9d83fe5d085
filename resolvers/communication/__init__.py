"""Root fields of the communication domain."""

from __future__ import annotations

from strawberry.tools import merge_types

from resolvers.communication import announcements, discussions, messaging, presence

Query = merge_types(
    "CommunicationQuery", (messaging.Query, discussions.Query, announcements.Query, presence.Query)
)
Mutation = merge_types(
    "CommunicationMutation",
    (messaging.Mutation, discussions.Mutation, announcements.Mutation, presence.Mutation),
)
Subscription = merge_types(
    "CommunicationSubscription",
    (
        messaging.Subscription,
        discussions.Subscription,
        announcements.Subscription,
        presence.Subscription,
    ),
)

__all__ = ["Mutation", "Query", "Subscription"]
