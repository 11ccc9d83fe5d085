"""Root fields of newsletter (notifications domain)."""

from __future__ import annotations

import strawberry


@strawberry.type
class Query:
    pass


@strawberry.type
class Mutation:
    pass


@strawberry.type
class Subscription:
    pass
