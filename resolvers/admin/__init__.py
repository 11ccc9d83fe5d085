"""Root fields of the admin API (admins only): users, the audit log, the course review queue and
the work queues."""

from strawberry.tools import merge_types

from resolvers.admin import audit, jobs, moderation, reviews, users

Query = merge_types(
    "AdminQuery", (users.Query, audit.Query, reviews.Query, moderation.Query, jobs.Query)
)
Mutation = merge_types("AdminMutation", (users.Mutation, moderation.Mutation, jobs.Mutation))

__all__ = ["Mutation", "Query"]
