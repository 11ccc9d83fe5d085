"""Search factories: users, categories and courses written straight to the tables (so a test can
set any status, price, rating or popularity), plus helpers that index and search."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.accounts.models import User, UserRole
from app.catalog.filters import CourseFilterArgs
from app.catalog.models import Category, Course, CourseLevel, CourseStatus, CourseTag, Tag
from app.catalog.slugs import slugify
from app.clock import utcnow
from app.db import Database
from app.pagination import PageRequest
from app.search import service
from app.search.interface import SearchResult, SearchSort
from app.settings import get_settings


async def person(
    database: Database,
    first: str = "Ada",
    last: str = "Lovelace",
    role: UserRole = UserRole.INSTRUCTOR,
) -> User:
    async with database.transaction() as session:
        user = User(
            email=f"u-{uuid.uuid4().hex[:12]}@example.com",
            first_name=first,
            last_name=last,
            password_hash="!",
            role=role,
        )
        session.add(user)
    return user


async def category(database: Database, name: str | None = None) -> Category:
    name = name or f"Cat {uuid.uuid4().hex[:8]}"
    async with database.transaction() as session:
        row = Category(name=name, slug=f"{slugify(name)}-{uuid.uuid4().hex[:6]}")
        session.add(row)
    return row


async def course(
    database: Database,
    owner: User,
    *,
    title: str = "A course",
    description: str = "",
    tags: Sequence[str] = (),
    status: CourseStatus = CourseStatus.PUBLISHED,
    published_at: datetime | None = None,
    **values: Any,
) -> Course:
    """A course row; `values` are any other Course columns (level, language, is_free,
    min_price_minor, average_rating, review_count, enrollment_count, trending_score, …)."""
    if "average_rating" in values and values["average_rating"] is not None:
        values["average_rating"] = Decimal(str(values["average_rating"]))
    if status == CourseStatus.PUBLISHED and published_at is None:
        published_at = utcnow()
    async with database.transaction() as session:
        row = Course(
            instructor_id=owner.id,
            title=title,
            slug=f"{slugify(title, fallback='course')}-{uuid.uuid4().hex[:8]}",
            description=description,
            status=status,
            published_at=published_at,
            **values,
        )
        session.add(row)
        await session.flush()
        for name in tags:
            tag = await session.scalar(select(Tag).where(Tag.name == name))
            if tag is None:
                tag = Tag(name=name, slug=f"{slugify(name, fallback='tag')}-{uuid.uuid4().hex[:6]}")
                session.add(tag)
                await session.flush()
            session.add(CourseTag(course_id=row.id, tag_id=tag.id))
    return row


async def reindex(database: Database) -> int:
    return await service.reindex_all(database)


async def search(
    database: Database,
    query: str,
    filter_args: CourseFilterArgs | None = None,
    *,
    sort: SearchSort = SearchSort.RELEVANCE,
    first: int = 100,
    after: str | None = None,
    with_total: bool = True,
) -> SearchResult:
    return await service.search_courses(
        database,
        get_settings(),
        query=query,
        filter_args=filter_args or CourseFilterArgs(),
        request=PageRequest.create(first=first, after=after),
        sort=sort,
        with_total=with_total,
    )


async def found_ids(database: Database, query: str, **kwargs: Any) -> list[uuid.UUID]:
    return [c.id for c in (await search(database, query, **kwargs)).page.items]


def ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


async def haskell_courses(database: Database) -> list[Course]:
    """Twelve published "Haskell" courses whose sort keys vary (seeded: the same every run),
    for the sort tests of every backend; not indexed yet."""
    rng = random.Random(41)
    owner = await person(database)
    made = []
    for n in range(12):
        made.append(
            await course(
                database,
                owner,
                title=f"Haskell {'haskell ' * rng.randint(0, 2)}part {n}",
                description="haskell " * rng.randint(0, 3),
                tags=["haskell"] if rng.random() < 0.5 else [],
                enrollment_count=rng.choice([0, 5, 5, 40]),
                average_rating=rng.choice([None, 3.5, 4.5, 4.5]),
                review_count=rng.randint(0, 3),
                min_price_minor=rng.choice([0, 1999, 1999, 5000]),
                trending_score=rng.choice([0.0, 1.5, 7.25]),
                published_at=ago(rng.choice([1, 2, 2, 30])),
                level=rng.choice(list(CourseLevel)),
                language=rng.choice(["en", "de"]),
            )
        )
    return made
