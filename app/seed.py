"""Idempotent demo data: running `easyways seed` twice creates everything once.

Each domain contributes one seeder `(session) -> number of rows created` to SEEDERS; each runs
in its own transaction, in order, so later seeders can look up what earlier ones created.

Demo rows are looked up by keys users rarely change — users by e-mail, categories by slug (then
name), courses by slug (a course renamed with a new slug counts as gone and is authored again) —
and whatever users did to the demo data since, seeding never fails: a demo row that cannot be
created any more (a slug or name now taken, a demoted demo admin or instructor) is skipped with a
warning, in its own savepoint, and so is a seeder that cannot run, so `make run` always starts.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import TypeVar

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import UserRole
from app.accounts.service import create_user, get_user_by_email
from app.analytics.demo_seed import roll_up_demo, seed_demo_analytics
from app.analytics.recorder import EventFlusher
from app.assessments.quiz_seed import seed_demo_quiz
from app.catalog import categories, reads, service, structure
from app.catalog.instructor_seed import seed_instructors
from app.catalog.models import CourseLevel, LessonType, PricingTier
from app.catalog.service import TierInput
from app.catalog.slugs import slugify
from app.catalog.video_seed import seed_demo_video
from app.cms.demo_seed import seed_demo_cms
from app.cms.review_seed import seed_demo_reviews
from app.commerce.coupon_seed import seed_demo_coupon
from app.commerce.subscriptions import seed_plan as seed_subscription_plan
from app.db import Database
from app.errors import DomainError
from app.search.service import rebuild_index
from app.security.permissions import Actor

# Demo passwords (also listed in the README). Strong enough for the password policy, and never
# valid in production, where nobody runs the seed.
ADMIN_PASSWORD = "Admin!Easyways2026"  # noqa: S105
INSTRUCTOR_PASSWORD = "Teach!Easyways2026"  # noqa: S105
STUDENT_PASSWORD = "Learn!Easyways2026"  # noqa: S105

# `.example` is reserved for examples (RFC 2606): valid addresses that can never receive mail.
DEMO_DOMAIN = "easyways.example"


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    role: UserRole
    password: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(f"admin@{DEMO_DOMAIN}", "Ada", "Admin", UserRole.ADMIN, ADMIN_PASSWORD),
    DemoUser(f"grace@{DEMO_DOMAIN}", "Grace", "Hopper", UserRole.INSTRUCTOR, INSTRUCTOR_PASSWORD),
    DemoUser(f"alan@{DEMO_DOMAIN}", "Alan", "Turing", UserRole.INSTRUCTOR, INSTRUCTOR_PASSWORD),
    DemoUser(f"maria@{DEMO_DOMAIN}", "Maria", "Lopez", UserRole.STUDENT, STUDENT_PASSWORD),
    DemoUser(f"kenji@{DEMO_DOMAIN}", "Kenji", "Sato", UserRole.STUDENT, STUDENT_PASSWORD),
    DemoUser(f"amara@{DEMO_DOMAIN}", "Amara", "Okafor", UserRole.STUDENT, STUDENT_PASSWORD),
    # alumni: enrolled in the published demo courses, they wrote its reviews and testimonials (the
    # three students above stay unenrolled, for the free and the paid journey)
    DemoUser(f"lena@{DEMO_DOMAIN}", "Lena", "Fischer", UserRole.STUDENT, STUDENT_PASSWORD),
    DemoUser(f"omar@{DEMO_DOMAIN}", "Omar", "Haddad", UserRole.STUDENT, STUDENT_PASSWORD),
    DemoUser(f"sofia@{DEMO_DOMAIN}", "Sofia", "Rossi", UserRole.STUDENT, STUDENT_PASSWORD),
)

Seeder = Callable[[AsyncSession], Awaitable[int]]
T = TypeVar("T")
# What user changes to the demo data can make a seeder or one demo row fail: skipped, logged.
SKIPPABLE = (DomainError, LookupError, IntegrityError)
logger = structlog.get_logger("easyways.seed")


async def seed_users(session: AsyncSession) -> int:
    """One admin, two instructors and three students, all verified; existing ones are skipped."""
    created = 0
    for demo in DEMO_USERS:
        if await get_user_by_email(session, demo.email) is not None:
            continue
        await create_user(
            session,
            email=demo.email,
            password=demo.password,
            first_name=demo.first_name,
            last_name=demo.last_name,
            role=demo.role,
            verified=True,
        )
        created += 1
    return created


# --- catalog -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCategory:
    name: str
    icon: str
    color: str
    description: str


DEMO_CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory("Programming", "code", "#3776AB", "Write software, from first steps to craft."),
    DemoCategory("Data Science", "chart", "#E8743B", "Analyse data and build models."),
    DemoCategory("Web Development", "globe", "#2E86AB", "Front ends, back ends and APIs."),
    DemoCategory("Design", "palette", "#A23B72", "Visual, interaction and product design."),
    DemoCategory("Business", "briefcase", "#3B8B5A", "Management, marketing and finance."),
)


@dataclass(frozen=True)
class DemoModule:
    title: str
    lessons: tuple[str, ...]  # text lessons; the first lesson of the course is a free preview


@dataclass(frozen=True)
class DemoCourse:
    instructor_email: str
    title: str
    subtitle: str
    description: str
    category: str  # a DemoCategory name
    level: CourseLevel
    tags: tuple[str, ...]
    requirements: tuple[str, ...]
    objectives: tuple[str, ...]
    modules: tuple[DemoModule, ...]
    tiers: tuple[TierInput, ...] = ()  # none: a free course
    publish: bool = True


DEMO_COURSES: tuple[DemoCourse, ...] = (
    DemoCourse(
        f"grace@{DEMO_DOMAIN}",
        "Python for Absolute Beginners",
        "Your first programs, one small step at a time",
        "Never programmed before? Install Python, write your first lines and learn the "
        "building blocks every program is made of: values, decisions, loops and functions.",
        "Programming",
        CourseLevel.BEGINNER,
        ("python", "programming", "beginners"),
        ("A computer with internet access", "No programming experience needed"),
        ("Write and run small Python programs", "Use variables, lists, loops and functions"),
        (
            DemoModule(
                "Getting Started", ("Welcome to the course", "Installing Python", "Hello, world")
            ),
            DemoModule("Values and Variables", ("Numbers and strings", "Lists and dictionaries")),
            DemoModule("Control Flow", ("Making decisions with if", "Repeating with loops")),
            DemoModule("Functions", ("Defining functions", "Your first small project")),
        ),
    ),
    DemoCourse(
        f"alan@{DEMO_DOMAIN}",
        "Data Analysis with pandas",
        "Clean, explore and summarise real data sets",
        "Load messy data, clean it, reshape it and answer questions with pandas, then present "
        "what you found with clear charts.",
        "Data Science",
        CourseLevel.INTERMEDIATE,
        ("python", "pandas", "data analysis"),
        ("Basic Python: variables, loops and functions",),
        ("Load and clean tabular data", "Group, join and reshape data frames"),
        (
            DemoModule("DataFrames", ("Series and DataFrames", "Reading CSV and Excel files")),
            DemoModule("Cleaning Data", ("Missing values", "Types, dates and categories")),
            DemoModule("Answering Questions", ("Grouping and aggregating", "Joining tables")),
        ),
        tiers=(
            TierInput(PricingTier.BASIC, Decimal("19.99"), None, ("All lessons",)),
            TierInput(
                PricingTier.PRO,
                Decimal("49.99"),
                Decimal("69.99"),
                ("All lessons", "Exercises with solutions"),
            ),
            TierInput(
                PricingTier.PREMIUM,
                Decimal("99.99"),
                None,
                ("All lessons", "Exercises with solutions", "Project review by the instructor"),
            ),
        ),
    ),
    DemoCourse(
        f"grace@{DEMO_DOMAIN}",
        "Modern Web APIs with GraphQL",
        "Design, build and secure a GraphQL API",
        "Schemas, resolvers, pagination, dataloaders and authorization for production APIs.",
        "Web Development",
        CourseLevel.ADVANCED,
        ("graphql", "api", "web"),
        ("Experience building a web back end",),
        ("Design a GraphQL schema", "Avoid N+1 queries with dataloaders"),
        (DemoModule("Schema Design", ("Types and fields", "Connections and pagination")),),
        publish=False,
    ),
)


def _lesson_text(title: str) -> str:
    return f"{title}\n\nRead along, try every example yourself, then move on to the next lesson."


async def _seed_categories(session: AsyncSession, admin: Actor, ids: dict[str, uuid.UUID]) -> int:
    """Fills `ids` with the demo categories (found by slug, then name), creating missing ones;
    returns how many were created."""
    created = 0
    for demo in DEMO_CATEGORIES:
        existing = await categories.find_category(
            session, slug=slugify(demo.name, max_length=150), name=demo.name
        )
        if existing is None:
            category = await _skipping(
                session,
                f"category {demo.name}",
                partial(
                    categories.create_category,
                    session,
                    actor=admin,
                    name=demo.name,
                    icon=demo.icon,
                    color=demo.color,
                    description=demo.description,
                ),
            )
            if category is None:
                continue
            existing, created = category.id, created + 1
        ids[demo.name] = existing
    return created


async def _skipping(session: AsyncSession, what: str, step: Callable[[], Awaitable[T]]) -> T | None:
    """`step()` in a savepoint; None (and a warning) when user changes to the demo data stop it."""
    try:
        async with session.begin_nested():
            return await step()
    except SKIPPABLE as exc:
        logger.warning("demo data skipped", item=what, reason=str(exc))
        return None


async def _seed_course(
    session: AsyncSession,
    demo: DemoCourse,
    owner: Actor,
    admin: Actor,
    category_id: uuid.UUID | None,
) -> uuid.UUID:
    """Authored through the services, exactly as over the API, so it is valid by construction;
    the new course's id."""
    course = await service.create_course(
        session,
        actor=owner,
        title=demo.title,
        subtitle=demo.subtitle,
        description=demo.description,
        level=demo.level,
        category_id=category_id,
        tags=demo.tags,
        requirements=demo.requirements,
        objectives=demo.objectives,
    )
    first = True
    for demo_module in demo.modules:
        module = await structure.add_module(
            session, actor=owner, course_id=course.id, title=demo_module.title
        )
        for title in demo_module.lessons:
            await structure.add_lesson(
                session,
                actor=owner,
                module_id=module.id,
                type=LessonType.TEXT,
                title=title,
                content_text=_lesson_text(title),
                duration_minutes=10,
                is_preview=first,
            )
            first = False
    await service.set_course_pricing(
        session, actor=owner, course_id=course.id, is_free=not demo.tiers, tiers=demo.tiers
    )
    if demo.publish:
        await service.submit_course_for_review(session, actor=owner, course_id=course.id)
        await service.publish_course(session, actor=admin, course_id=course.id)
    return course.id


async def _demo_actor(session: AsyncSession, email: str) -> Actor:
    user = await get_user_by_email(session, email)
    if user is None:
        raise LookupError(f"seed the users first: {email} is missing")
    return Actor.of(user)


async def seed_catalog(session: AsyncSession) -> int:
    """Five categories and three courses of the demo instructors: a free published one, a paid
    published one with basic/pro/premium tiers, a draft. Existing ones (see the module
    docstring) are skipped; returns how many categories and courses were created."""
    admin = await _demo_actor(session, DEMO_USERS[0].email)
    category_ids: dict[str, uuid.UUID] = {}
    created = await _seed_categories(session, admin, category_ids)
    for demo in DEMO_COURSES:
        instructor = await get_user_by_email(session, demo.instructor_email)
        if instructor is None:
            logger.warning("demo data skipped", item=f"course {demo.title}", reason="no author")
            continue
        owner = Actor.of(instructor)
        if (await reads.courses_by_slugs(session, [slugify(demo.title)]))[0] is not None:
            continue
        author = partial(_seed_course, session, demo, owner, admin, category_ids.get(demo.category))
        if await _skipping(session, f"course {demo.title}", author) is not None:
            created += 1
    return created


SEEDERS: list[tuple[str, Seeder]] = [
    ("users", seed_users),
    ("catalog", seed_catalog),
    ("demo quiz", seed_demo_quiz),
    ("instructors", seed_instructors),
    ("demo reviews", seed_demo_reviews),
    ("demo video", seed_demo_video),
    ("search index", rebuild_index),
    ("demo coupon", seed_demo_coupon),
    ("subscription plan", seed_subscription_plan),
    ("blog and testimonials", seed_demo_cms),
    ("demo learning history", seed_demo_analytics),
]


async def seed(db: Database) -> dict[str, int]:
    """Run every seeder in its own transaction; returns how many rows each one created. A seeder
    that user changes to the demo data stop is rolled back, logged and counted 0."""
    report: dict[str, int] = {}
    for name, seeder in SEEDERS:
        try:
            async with db.transaction() as session:
                report[name] = await seeder(session)
        except SKIPPABLE as exc:
            logger.warning("demo data step skipped", step=name, reason=str(exc))
            report[name] = 0
    # the learning events the seeders' services recorded, written and rolled up as the worker
    # would (the dashboards read the rollups)
    if await EventFlusher(db).flush():
        async with db.transaction() as session:
            await roll_up_demo(session)
    return report
