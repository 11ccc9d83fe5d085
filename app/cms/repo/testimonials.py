"""SQL of testimonials: batch reads, pages, the pending one of a user."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cms.models import Testimonial
from app.db import rows_with
from app.pagination import Page, PageRequest, SortKey, paginate

PENDING_INDEX = "uq_testimonials_one_pending"


async def testimonials_by_ids(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> list[Testimonial | None]:
    by_id = {row.id: row for row in await rows_with(session, Testimonial.id, ids)}
    return [by_id.get(i) for i in ids]


async def exists_for_user(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Whether the user wrote any testimonial (whatever became of it)."""
    found = await session.scalar(
        select(Testimonial.id).where(Testimonial.user_id == user_id).limit(1)
    )
    return found is not None


async def lock(session: AsyncSession, testimonial_id: uuid.UUID) -> Testimonial | None:
    return await session.scalar(
        select(Testimonial).where(Testimonial.id == testimonial_id).with_for_update()
    )


async def page(
    session: AsyncSession,
    *,
    status: str,
    featured: bool | None,
    request: PageRequest,
    with_total: bool,
    user_id: uuid.UUID | None = None,
) -> Page[Testimonial]:
    """`status` approved (newest approval first), pending or rejected (newest first);
    `user_id` narrows to one author's."""
    stmt = select(Testimonial)
    if user_id is not None:
        stmt = stmt.where(Testimonial.user_id == user_id)
    instant: ColumnElement[datetime]
    if status == "approved":
        stmt = stmt.where(Testimonial.is_approved.is_(True))
        instant = func.coalesce(Testimonial.approved_at, Testimonial.created_at)
    elif status == "pending":
        stmt = stmt.where(Testimonial.is_approved.is_(False), Testimonial.rejected_at.is_(None))
        instant = Testimonial.created_at.expression
    else:
        stmt = stmt.where(Testimonial.rejected_at.is_not(None))
        instant = Testimonial.created_at.expression
    if featured is not None:
        stmt = stmt.where(Testimonial.is_featured.is_(featured))
    return await paginate(
        session,
        stmt,
        order_by=[SortKey(instant, descending=True)],
        tiebreaker=Testimonial.id.expression,
        request=request,
        with_total=with_total,
    )
