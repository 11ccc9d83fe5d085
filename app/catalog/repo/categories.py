"""SQL of categories."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.models import Category
from app.catalog.repo.keys import by_key
from app.db import rows_with


async def get_category(session: AsyncSession, category_id: uuid.UUID) -> Category | None:
    return await session.get(Category, category_id)


async def categories_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Category | None]:
    rows = await rows_with(session, Category.id, ids)
    return by_key(ids, [(c.id, c) for c in rows])


async def categories_by_slugs(session: AsyncSession, slugs: Sequence[str]) -> list[Category | None]:
    rows = await session.scalars(select(Category).where(Category.slug.in_(slugs)))
    return by_key(slugs, [(c.slug, c) for c in rows])


async def list_categories(session: AsyncSession, *, active_only: bool) -> list[Category]:
    stmt = select(Category).order_by(Category.sort_order, Category.name)
    if active_only:
        stmt = stmt.where(Category.is_active)
    return list(await session.scalars(stmt))


async def category_with(
    session: AsyncSession, *, name: str | None = None, slug: str | None = None
) -> uuid.UUID | None:
    clause = Category.name == name if name is not None else Category.slug == slug
    return await session.scalar(select(Category.id).where(clause))


async def next_category_sort_order(session: AsyncSession, *, ceiling: int) -> int:
    """The position after the last category, at most `ceiling` (computed in Python: the column's
    highest value plus one would overflow it)."""
    current = await session.scalar(select(func.max(Category.sort_order)))
    return 0 if current is None else min(current + 1, ceiling)


async def category_parents(session: AsyncSession) -> dict[uuid.UUID, uuid.UUID | None]:
    rows = await session.execute(select(Category.id, Category.parent_id))
    return {r[0]: r[1] for r in rows}
