"""Planned reads in tests: selections over the covered course fields, and running a query
through the planned path and through the executor alone to compare them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import update

from app.accounts import revocation
from app.accounts.models import User
from app.clock import utcnow
from app.db import Database
from app.metrics import GRAPHQL_PLANNED
from tests.support.catalog import token_for
from tests.support.graphql import GraphQLClient, Outcome, unlimited, with_settings

T = TypeVar("T")

# what a selection may hold: the covered fields of each type
SCALARS: dict[str, list[str]] = {
    "Course": [
        "id", "title", "slug", "subtitle", "description", "level", "language", "status",
        "trailerUrl", "isFree", "isCertified", "enrollmentLimit", "enrollmentCount",
        "averageRating", "reviewCount", "publishedAt", "createdAt", "updatedAt",
        "durationMinutes", "lessonCount", "imageUrl", "requirements", "objectives",
    ],
    "CourseModule": ["id", "title", "description", "orderNumber", "durationMinutes"],
    "Lesson": [
        "id", "type", "title", "description", "durationMinutes", "orderNumber", "isPreview",
        "locked",
    ],
    "LessonContent": ["text", "url"],
    "Category": [
        "id", "name", "slug", "description", "icon", "color", "sortOrder", "isActive",
    ],
    "Instructor": [
        "id", "slug", "fullName", "headline", "title", "bio", "expertise", "experienceYears",
        "totalStudents", "totalCourses", "rating", "reviewCount",
    ],
    "Tag": ["name", "slug"],
    "PricingTier": ["tier", "features"],
    "Money": ["amount", "amountMinor", "currency", "formatted"],
    "Enrollment": [
        "id", "status", "source", "pricingTier", "enrolledAt", "completedAt", "withdrawnAt",
        "lastAccessedAt", "finalExamPassedAt", "progressPercentage",
    ],
}  # fmt: skip
OBJECTS: dict[str, dict[str, str]] = {
    "Course": {
        "price": "Money", "category": "Category", "instructor": "Instructor", "tags": "Tag",
        "pricingTiers": "PricingTier", "modules": "CourseModule",
        "viewerEnrollment": "Enrollment",
    },
    "CourseModule": {"lessons": "Lesson"},
    "Lesson": {"content": "LessonContent"},
    "PricingTier": {"price": "Money", "originalPrice": "Money"},
}  # fmt: skip


@st.composite
def selections(draw: st.DrawFn, type_name: str, depth: int = 0) -> str:
    """A selection set on `type_name`: some of its fields, some aliased, some repeated, some in
    an inline fragment or under @skip/@include, objects recursively."""
    scalars = draw(st.lists(st.sampled_from(SCALARS[type_name]), min_size=1, max_size=5))
    objects = OBJECTS.get(type_name, {}) if depth < 3 else {}
    chosen = draw(st.lists(st.sampled_from(sorted(objects)), max_size=2)) if objects else []
    parts = []
    for name in scalars:
        alias = draw(st.sampled_from(["", "", f"a_{name}: "]))
        parts.append(f"{alias}{name}")
    for name in chosen:
        inner = draw(selections(objects[name], depth + 1))
        parts.append(f"{name} {{ {inner} }}")
    if draw(st.booleans()):
        parts.append("__typename")
    if draw(st.integers(0, 4)) == 0:
        parts.append(f"... on {type_name} {{ {draw(st.sampled_from(SCALARS[type_name]))} }}")
    if draw(st.integers(0, 4)) == 0:
        directive = draw(
            st.sampled_from(["@skip(if: true)", "@include(if: false)", "@skip(if: false)"])
        )
        parts.append(f"{draw(st.sampled_from(SCALARS[type_name]))} {directive}")
    return " ".join(draw(st.permutations(parts)))


def examples(count: int) -> settings:
    """Hypothesis settings of the planned-read suites: `count` examples against a database
    built once per test (`once_per_test`), no deadline (each example runs SQL twice)."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


_BUILT: dict[tuple[str, int], Any] = {}


async def once_per_test(
    request: pytest.FixtureRequest, database: Database, build: Callable[[], Awaitable[T]]
) -> T:
    """`build()` once per test: hypothesis runs every example against the same database."""
    key = (request.node.nodeid, id(database))
    if key not in _BUILT:
        _BUILT.clear()
        _BUILT[key] = await build()
    value: T = _BUILT[key]
    return value


def viewer_tokens(client: GraphQLClient, **users: User) -> dict[str, str | None]:
    """Access tokens of `users` by name, and `anonymous`: None."""
    return {"anonymous": None, **{name: token_for(client, user) for name, user in users.items()}}


REFUSED = ("deactivated", "deleted", "stale token version", "revoked session")


async def end_session(
    client: GraphQLClient, database: Database, user: User, refused: str, session_id: Any
) -> None:
    """End `user`'s session the way `refused` (one of REFUSED) says: the account deactivated or
    deleted, the token's version moved on, or the session (`session_id`) revoked."""
    async with database.transaction() as session:
        change = {
            "deactivated": {"is_active": False},
            "deleted": {"deleted_at": utcnow()},
            "stale token version": {"token_version": User.token_version + 1},
        }.get(refused)
        if change is not None:
            await session.execute(update(User).where(User.id == user.id).values(**change))
    if session_id is not None:
        await revocation.revoke(client.redis, client.settings, [session_id])


def planned_count(outcome: str) -> float:
    return float(GRAPHQL_PLANNED.labels(outcome=outcome)._value.get())


async def both(
    client: GraphQLClient, query: str, variables: dict[str, Any], token: str | None
) -> tuple[Outcome, Outcome, bool]:
    """The query through the planned path and through the executor alone; whether the planned
    path answered it."""
    client = unlimited(client)
    before = planned_count("planned")
    planned = await client.execute(query, variables, token=token)
    answered = planned_count("planned") > before
    general = await with_settings(client, graphql_planned_reads=False).execute(
        query, variables, token=token
    )
    return planned, general, answered


def same(planned: Outcome, general: Outcome) -> None:
    assert orjson.dumps(planned.data) == orjson.dumps(general.data)
    assert [e.formatted for e in planned.errors] == [e.formatted for e in general.errors]
