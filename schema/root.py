"""Stitches the root Query / Mutation / Subscription types of every domain into one schema."""

from __future__ import annotations

import strawberry


@strawberry.type
class Query:
    @strawberry.field(description="Liveness of the GraphQL layer.")
    def ping(self) -> str:
        return "pong"


schema = strawberry.Schema(query=Query)
