"""A stand-in catalog schema: root fields with the cacheable names, reading the categories table
and counting their executions, so the response cache is tested on its own."""

from __future__ import annotations

from collections import Counter

import strawberry
from sqlalchemy import select

from app.catalog.models import Category
from app.errors import NotFound
from app.settings import Settings
from schema import root
from schema.core.context import Info
from schema.core.relay import NodeQuery
from schema.root import EasywaysSchema, build_schema

CALLS: Counter[str] = Counter()


async def _names(info: Info, slug: str | None = None) -> list[str]:
    stmt = select(Category.name).order_by(Category.sort_order, Category.name)
    if slug is not None:
        stmt = stmt.where(Category.slug == slug)
    async with info.context.db.session() as session:
        return list((await session.scalars(stmt)).all())


@strawberry.type
class StubCatalogQuery:
    @strawberry.field
    async def categories(self, info: Info) -> list[str]:
        CALLS["categories"] += 1
        return await _names(info)

    @strawberry.field
    async def course(self, info: Info, slug: str) -> str:
        CALLS["course"] += 1
        names = await _names(info, slug)
        if not names:
            raise NotFound("course")
        return names[0]

    @strawberry.field
    async def courses(self, info: Info, first: int = 20, cookie: bool = False) -> list[str]:
        CALLS["courses"] += 1
        if cookie:
            response = info.context.response
            assert response is not None
            response.set_cookie("seen", "yes")
        return (await _names(info))[:first]

    @strawberry.field
    def search_courses(self, query: str) -> list[str]:
        CALLS["searchCourses"] += 1
        return [query]

    @strawberry.field
    def autocomplete(self, prefix: str) -> list[str]:
        CALLS["autocomplete"] += 1
        return [prefix + "thon"]

    @strawberry.field
    def trending_searches(self) -> list[str]:
        CALLS["trendingSearches"] += 1
        return ["python"]

    @strawberry.field
    def viewer(self, info: Info) -> str:
        CALLS["viewer"] += 1
        claims = info.context.claims
        return str(claims.sub) if claims is not None else "anonymous"


@strawberry.type
class StubCatalogMutation:
    @strawberry.mutation
    async def rename_categories(self, info: Info) -> int:
        CALLS["renameCategories"] += 1
        return 0


def build_stub_schema(settings: Settings) -> EasywaysSchema:
    """Only the system fields plus the stand-ins (the product's catalog fields would clash)."""
    saved = root.QUERIES, root.MUTATIONS
    root.QUERIES, root.MUTATIONS = [root.SystemQuery, NodeQuery], []
    try:
        return build_schema(settings, queries=[StubCatalogQuery], mutations=[StubCatalogMutation])
    finally:
        root.QUERIES, root.MUTATIONS = saved
