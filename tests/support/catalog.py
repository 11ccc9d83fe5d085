"""Fast catalog fixtures: whole courses (modules, lessons, tiers, tags) as plain ORM inserts.

Unlike `tests/support/authoring.py` (which goes through the authoring services and their rules),
these write rows directly, so a test can build a hundred published courses in one transaction.

    owner = await instructor(database)
    async with database.transaction() as session:
        course = build_course(session, owner.id, title="Go", modules=3, lessons=2, tags=[tag.id])
    token = token_for(client, student)
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import to_base64

from app.accounts.models import User, UserRole
from app.catalog.filters import CourseFilterArgs
from app.catalog.models import (
    Category,
    Course,
    CourseLevel,
    CourseModule,
    CourseObjective,
    CoursePricingTier,
    CourseRequirement,
    CourseStatus,
    CourseTag,
    InstructorProfile,
    Lesson,
    LessonResource,
    LessonType,
    PricingTier,
    Tag,
)
from app.clock import utcnow
from app.db import Database
from app.ids import new_id
from app.learning.models import Enrollment, EnrollmentSource, EnrollmentStatus
from app.security.tokens import issue_access_token
from tests.support.graphql import GraphQLClient


def gid(type_name: str, id_: uuid.UUID) -> str:
    """The relay global id of a row."""
    return to_base64(type_name, str(id_))


def token_for(client: GraphQLClient, user: User) -> str:
    """An access token for `user` without the (slow, rate-limited) login mutation."""
    token, _ = issue_access_token(client.keyring, client.settings, user=user, session_id=None)
    return token


async def person(
    database: Database,
    role: UserRole = UserRole.STUDENT,
    *,
    first_name: str = "Grace",
    last_name: str = "Hopper",
    profile: bool = False,
) -> User:
    """A user without password hashing; `profile` adds an instructor profile."""
    async with database.transaction() as session:
        user = User(
            id=new_id(),
            email=f"u-{uuid.uuid4().hex[:12]}@example.com",
            first_name=first_name,
            last_name=last_name,
            password_hash="!",
            role=role,
        )
        session.add(user)
        if profile:
            await session.flush()
            session.add(InstructorProfile(user_id=user.id, title="Engineer", bio="Teaches."))
    return user


async def instructor(database: Database, **kwargs: Any) -> User:
    return await person(database, UserRole.INSTRUCTOR, profile=True, **kwargs)


async def categories(database: Database, *names: str, active: bool = True) -> list[Category]:
    async with database.transaction() as session:
        rows = [
            Category(
                id=new_id(),
                name=f"{name} {uuid.uuid4().hex[:6]}",
                slug=f"{name.lower()}-{uuid.uuid4().hex[:6]}",
                sort_order=i,
                is_active=active,
            )
            for i, name in enumerate(names)
        ]
        session.add_all(rows)
    return rows


async def tags(database: Database, *names: str) -> list[Tag]:
    async with database.transaction() as session:
        rows = [Tag(id=new_id(), name=name, slug=name.lower().replace(" ", "-")) for name in names]
        session.add_all(rows)
    return rows


@dataclass(frozen=True)
class Tier:
    tier: PricingTier
    price_minor: int
    original_price_minor: int | None = None


def build_course(
    session: AsyncSession,
    owner_id: uuid.UUID,
    *,
    title: str | None = None,
    status: CourseStatus = CourseStatus.PUBLISHED,
    category_id: uuid.UUID | None = None,
    modules: int = 3,
    lessons: int = 2,
    tiers: Sequence[Tier] = (Tier(PricingTier.BASIC, 1999),),
    tag_ids: Iterable[uuid.UUID] = (),
    preview_first: bool = True,
    age_days: float = 0,
    currency: str = "USD",
    **fields: Any,
) -> Course:
    """Add a course and everything beneath it to `session` (no flush; the caller commits).
    Without tiers the course is free. The first lesson of each course is a preview."""
    course_id = new_id()
    title = title or f"Course {course_id.hex[-8:]}"
    published = status in (CourseStatus.PUBLISHED, CourseStatus.ARCHIVED)
    values: dict[str, Any] = {
        "id": course_id,
        "instructor_id": owner_id,
        "category_id": category_id,
        "title": title,
        "slug": f"course-{course_id.hex}",
        "description": f"All about {title}.",
        "status": status,
        "published_at": utcnow() - timedelta(days=age_days) if published else None,
        "is_free": not tiers,
        "min_price_minor": min((t.price_minor for t in tiers), default=0),
        "currency": currency,
    }
    values.update(fields)
    course = Course(**values)
    session.add(course)
    session.add_all(
        [
            CourseRequirement(course_id=course_id, sort_order=0, content="A computer"),
            CourseObjective(course_id=course_id, sort_order=0, content="Ship it"),
            *(
                CoursePricingTier(
                    course_id=course_id,
                    tier=t.tier,
                    price_minor=t.price_minor,
                    original_price_minor=t.original_price_minor,
                    currency=currency,
                    features=["Lifetime access"],
                )
                for t in tiers
            ),
            *(CourseTag(course_id=course_id, tag_id=tag_id) for tag_id in tag_ids),
        ]
    )
    for m in range(1, modules + 1):
        module_id = new_id()
        session.add(CourseModule(id=module_id, course_id=course_id, title=f"M{m}", order_number=m))
        for n in range(1, lessons + 1):
            session.add(
                Lesson(
                    id=new_id(),
                    module_id=module_id,
                    course_id=course_id,
                    type=LessonType.TEXT,
                    title=f"L{m}.{n}",
                    content_text=f"Secret words {m}.{n}",
                    duration_minutes=10,
                    order_number=n,
                    is_preview=preview_first and m == 1 and n == 1,
                )
            )
    return course


async def courses(
    database: Database, owner_id: uuid.UUID, count: int, **kwargs: Any
) -> list[Course]:
    """`count` courses in one transaction."""
    async with database.transaction() as session:
        made = [build_course(session, owner_id, **kwargs) for _ in range(count)]
    return made


async def course(database: Database, owner_id: uuid.UUID, **kwargs: Any) -> Course:
    return (await courses(database, owner_id, 1, **kwargs))[0]


async def shelf(
    database: Database,
    count: int,
    *,
    category: str = "Code",
    tag_names: Sequence[str] = ("Python", "SQL"),
    title: str | None = None,
    **kwargs: Any,
) -> list[Course]:
    """`count` published courses of one instructor in one category, newest first, tagged with
    none, one or both of two tags in turn; `title` numbers their titles ("Swift apps 3")."""
    owner = await instructor(database)
    [row] = await categories(database, category)
    tag_rows = await tags(database, *tag_names)
    async with database.transaction() as session:
        return [
            build_course(
                session,
                owner.id,
                title=f"{title} {i}" if title is not None else None,
                category_id=row.id,
                tag_ids=[t.id for t in tag_rows[: i % 3]],
                age_days=i,
                **kwargs,
            )
            for i in range(count)
        ]


async def add_lesson_resource(database: Database, lesson_id: uuid.UUID, url: str) -> None:
    async with database.transaction() as session:
        session.add(LessonResource(lesson_id=lesson_id, title="Slides", url=url))


def enrollment(
    student_id: uuid.UUID,
    course_id: uuid.UUID,
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
) -> Enrollment:
    return Enrollment(
        student_id=student_id, course_id=course_id, status=status, source=EnrollmentSource.FREE
    )


async def enroll(
    database: Database,
    student_id: uuid.UUID,
    course_id: uuid.UUID,
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
) -> None:
    async with database.transaction() as session:
        session.add(enrollment(student_id, course_id, status))


# --- a random catalog and the filter/sort oracle (Properties 39 and 41) ----------------------

LANGUAGES = ("en", "pt", "de")
PRICES = (999, 1999, 4999, 9999)
CURRENCIES = ("USD", "USD", "EUR")


@dataclass
class RandomCatalog:
    courses: list[Course]
    tag_slugs: dict[uuid.UUID, set[str]]
    categories: list[Category]
    tags: list[Tag]
    instructors: list[User]

    @property
    def published(self) -> list[Course]:
        return [c for c in self.courses if c.status == CourseStatus.PUBLISHED]


async def random_catalog(database: Database, seed: int, size: int = 20) -> RandomCatalog:
    """`size` courses with random category, level, language, price (mostly USD, some EUR),
    rating, counts and tags; a fifth of them unpublished. Small value ranges make ties, so
    tie-breaking is exercised."""
    rng = random.Random(seed)
    currencies = random.Random(-seed)  # its own draws: the rest of the catalog stays as it was
    cats = await categories(database, "Code", "Design", "Data")
    tag_rows = await tags(database, "Python", "Web Dev", "SQL")
    owners = [await instructor(database), await instructor(database, first_name="Alan")]
    tag_slugs: dict[uuid.UUID, set[str]] = {}
    made: list[Course] = []
    async with database.transaction() as session:
        for i in range(size):
            price = rng.choice((None, *PRICES))
            chosen = rng.sample(tag_rows, rng.randint(0, 2))
            rating = rng.choice((None, Decimal(rng.randint(100, 500)) / 100, Decimal("4.50")))
            course = build_course(
                session,
                rng.choice(owners).id,
                status=CourseStatus.PUBLISHED if i % 5 else rng.choice(list(CourseStatus)),
                category_id=rng.choice([None, *(c.id for c in cats)]),
                modules=0,
                tiers=() if price is None else (Tier(PricingTier.BASIC, price),),
                currency=currencies.choice(CURRENCIES),
                tag_ids=[t.id for t in chosen],
                level=rng.choice(list(CourseLevel)),
                language=rng.choice(LANGUAGES),
                average_rating=rating,
                review_count=rng.randint(0, 3) if rating is not None else 0,
                enrollment_count=rng.randint(0, 4),
                trending_score=float(rng.randint(0, 3)),
                age_days=rng.randint(0, 30) + i / 1000,
            )
            tag_slugs[course.id] = {t.slug for t in chosen}
            made.append(course)
    return RandomCatalog(made, tag_slugs, cats, tag_rows, owners)


def matches(course: Course, tag_slugs: set[str], args: CourseFilterArgs) -> bool:
    """The filter semantics, written independently of the SQL."""
    rating = course.average_rating
    checks = [
        args.category_id is None or course.category_id == args.category_id,
        args.level is None or course.level == args.level,
        args.language is None or course.language == args.language.lower(),
        args.price_currency is None or course.is_free or course.currency == args.price_currency,
        args.min_price_minor is None or course.min_price_minor >= args.min_price_minor,
        args.max_price_minor is None or course.min_price_minor <= args.max_price_minor,
        args.free is None or course.is_free == args.free,
        args.min_rating is None or (rating is not None and rating >= Decimal(str(args.min_rating))),
        args.tag is None or args.tag.lower().replace(" ", "-") in tag_slugs,
        args.instructor_id is None or course.instructor_id == args.instructor_id,
    ]
    return all(checks)


def sorted_like(sort: str, rows: Sequence[Course]) -> list[Course]:
    """The expected order of a sort (ties broken by id, in the first key's direction)."""
    keys = {
        "popularity": lambda c: (c.enrollment_count, c.id),
        "rating": lambda c: (c.average_rating or Decimal(0), c.review_count, c.id),
        "newest": lambda c: (c.published_at or c.created_at, c.id),
        "price_asc": lambda c: (c.min_price_minor, c.id),
        "price_desc": lambda c: (c.min_price_minor, c.id),
        "trending": lambda c: (c.trending_score, c.id),
    }
    return sorted(rows, key=keys[sort], reverse=sort != "price_asc")
