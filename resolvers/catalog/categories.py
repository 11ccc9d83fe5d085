"""Categories: the list, one category, and their administration (admins)."""

from __future__ import annotations

import strawberry

from app.catalog import categories, reads
from resolvers.catalog.changes import catalog_changed
from schema.catalog.inputs import CreateCategoryInput, UpdateCategoryInput
from schema.catalog.payloads import CreateCategoryPayload, UpdateCategoryPayload
from schema.catalog.types import Category
from schema.core.auth import viewer_of
from schema.core.context import Info
from schema.core.mutation import Tx, mutation
from schema.core.relay import BadUserInput

CHANGES = [catalog_changed]


@strawberry.type
class Query:
    @strawberry.field(description="Categories by position then name; inactive ones for admins.")
    async def categories(self, info: Info, include_inactive: bool = False) -> list[Category]:
        viewer = await viewer_of(info)
        async with info.context.db.session() as session:
            rows = await reads.list_categories(
                session, viewer=viewer, include_inactive=include_inactive
            )
        return [Category.from_model(row) for row in rows]

    @strawberry.field(
        description="A category by id or by slug (exactly one); null with a NOT_FOUND error "
        "when it does not exist or is inactive (admins see inactive ones)."
    )
    async def category(
        self, info: Info, id: strawberry.ID | None = None, slug: str | None = None
    ) -> Category | None:
        if id is not None and slug is None:
            return await Category.lookup(info, id)
        if slug is not None and id is None:
            return await Category.lookup_slug(info, slug)
        raise BadUserInput("Pass exactly one of `id` and `slug`")


@strawberry.type
class Mutation:
    @mutation(description="Admins only.", after_commit=CHANGES, privileged=True)
    async def create_category(
        self, info: Info, input: CreateCategoryInput, tx: Tx
    ) -> CreateCategoryPayload:
        row = await categories.create_category(tx.session, actor=tx.actor, **input.arguments())
        return CreateCategoryPayload(category=Category.from_model(row))

    @mutation(description="Admins only.", after_commit=CHANGES, privileged=True)
    async def update_category(
        self, info: Info, input: UpdateCategoryInput, tx: Tx
    ) -> UpdateCategoryPayload:
        row = await categories.update_category(tx.session, actor=tx.actor, **input.arguments())
        return UpdateCategoryPayload(category=Category.from_model(row))
