"""Every admin-only root field (marked `@adminOnly`: `admin_field` queries and privileged
mutations) refuses students and instructors and lets admins through; and no unmarked field
behaves as admin-only. The walk discovers the fields from the schema, so fields added later are
covered without listing them here.

Each field is called once per role with well-typed required arguments; an argument or input
field named `<type>Id` gets a fresh real object of that type where the walk can make one (a
course in review owned by the instructor caller, another user, a category), else an id that
matches nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)

from app.accounts.models import User, UserRole
from app.catalog.models import CourseStatus
from app.clock import utcnow
from app.db import Database
from schema.core.admin_only import is_admin_only
from tests.support import catalog as f
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient, Outcome, with_settings

SCALARS: dict[str, Any] = {
    "String": "x",
    "ID": "00000000-0000-0000-0000-000000000000",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2030-01-01T00:00:00+00:00",
    "Date": "2030-01-01",
    "JSON": {},
    "Decimal": "1",
}
REFUSED = {"FORBIDDEN", "NOT_FOUND"}  # NOT_FOUND where FORBIDDEN would reveal the object
NOT_LET_THROUGH = {"FORBIDDEN", "UNAUTHENTICATED", "INTERNAL_SERVER_ERROR"}
# Mutations every signed-in user may call that end the caller's own session.
SKIPPED = frozenset({"logout", "refreshToken"})
# Admin-only with the walk's input (platform-wide: no course), yet open to a course's instructors
# for their own courses: not admin-only fields.
SHARED = frozenset({"createCoupon", "createAnnouncement"})
Ids = dict[str, str]


def _one_of(type_: GraphQLInputObjectType) -> bool:
    definition = (type_.extensions or {}).get("strawberry-definition")
    directives = getattr(definition, "directives", ())
    return type_.is_one_of or any(type(d).__name__ == "OneOf" for d in directives)


def _value(type_: GraphQLInputType, name: str, ids: Ids) -> Any:
    """A well-typed value for a required argument or input field named `name`."""
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, name, ids)
    if isinstance(type_, GraphQLList):
        return []
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType) and _one_of(type_):
        member, field = next(iter(type_.fields.items()))
        return {member: _value(field.type, member, ids)}
    if isinstance(type_, GraphQLInputObjectType):
        return {
            n: _value(field.type, n, ids)
            for n, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "ID" and name.endswith("Id"):
        return ids.get(name[0].upper() + name[1:-2], SCALARS["ID"])
    return SCALARS[type_.name]


def _document(kind: str, name: str, field: GraphQLField, ids: Ids) -> tuple[str, dict[str, Any]]:
    arguments = {
        arg: _value(spec.type, arg, ids)
        for arg, spec in field.args.items()
        if isinstance(spec.type, GraphQLNonNull)
    }
    declared = ", ".join(f"${a}: {field.args[a].type}" for a in arguments)
    passed = ", ".join(f"{a}: ${a}" for a in arguments)
    named = get_named_type(field.type)
    selection = "{ __typename }" if isinstance(named, GraphQLObjectType) else ""
    if isinstance(named, GraphQLObjectType) and "errors" in named.fields:
        selection = "{ __typename errors { code } }"
    query = (
        f"{kind}{f'({declared})' if declared else ''} "
        f"{{ {name}{f'({passed})' if passed else ''} {selection} }}"
    )
    return query, arguments


def _payload_errors(outcome: Outcome, name: str) -> list[Any]:
    value = (outcome.data or {}).get(name)
    return list(value.get("errors") or []) if isinstance(value, dict) else []


@dataclass
class Walk:
    client: GraphQLClient
    database: Database
    tokens: dict[UserRole, str]
    instructor: User
    category_id: str

    async def fresh_ids(self) -> Ids:
        """New objects for one call: what a call changes never leaks into the next."""
        course = await f.course(
            self.database,
            self.instructor.id,
            status=CourseStatus.PENDING_REVIEW,
            submitted_at=utcnow() - timedelta(hours=1),
            modules=1,
            lessons=1,
        )
        target = await person(self.database)
        return {
            "Course": gid("Course", course.id),
            "User": gid("User", target.id),
            "Category": self.category_id,
        }

    async def call(self, kind: str, name: str, field: GraphQLField, role: UserRole) -> Outcome:
        query, variables = _document(kind, name, field, await self.fresh_ids())
        return await self.client.execute(query, variables, token=self.tokens[role])


async def _walk(client: GraphQLClient, database: Database) -> Walk:
    instructor = await f.instructor(database)
    [category] = await f.categories(database, "Walk")
    tokens = {
        UserRole.STUDENT: token_for(client, await person(database)),
        UserRole.INSTRUCTOR: token_for(client, instructor),
        UserRole.ADMIN: token_for(client, await person(database, UserRole.ADMIN)),
    }
    unlimited = with_settings(
        client, rate_limit_user_per_minute=10**9, rate_limit_anonymous_per_minute=10**9
    )
    return Walk(unlimited, database, tokens, instructor, gid("Category", category.id))


def _root_fields() -> list[tuple[str, str, GraphQLField, bool]]:
    from schema.root import schema

    found = []
    for kind, root in (
        ("query", schema._schema.query_type),
        ("mutation", schema._schema.mutation_type),
    ):
        assert root is not None
        for name, field in root.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            if name in SKIPPED or definition is None:
                continue
            found.append((kind, name, field, is_admin_only(definition)))
    return found


Check = Callable[[str, Outcome], Awaitable[None]]


async def test_every_admin_only_field_refuses_students_and_instructors_and_serves_admins(
    client: GraphQLClient, database: Database
) -> None:
    walk = await _walk(client, database)
    marked = [(kind, name, field) for kind, name, field, admin_only in _root_fields() if admin_only]

    for kind, name, field in marked:
        for role in (UserRole.STUDENT, UserRole.INSTRUCTOR):
            outcome = await walk.call(kind, name, field, role)
            assert outcome.codes, (name, role, outcome.data)
            assert set(outcome.codes) <= REFUSED, (name, role, outcome.errors)
            assert not (outcome.data or {}).get(name), (name, role, outcome.data)
        admin = await walk.call(kind, name, field, UserRole.ADMIN)
        assert not set(admin.codes) & NOT_LET_THROUGH, (name, admin.errors)

    names = {name for _, name, _ in marked}
    assert {"users", "auditLog", "coursesPendingReview", "deactivateUser", "forceLogout"} <= names
    assert {"publishCourse", "rejectCourse", "refundOrder", "revokeCertificate"} <= names


async def test_no_unmarked_field_refuses_both_students_and_instructors_but_not_admins(
    client: GraphQLClient, database: Database
) -> None:
    walk = await _walk(client, database)
    unmarked = [
        (k, n, fld)
        for k, n, fld, admin_only in _root_fields()
        if not admin_only and n not in SHARED
    ]

    behaves_admin_only = []
    for kind, name, field in unmarked:
        student = await walk.call(kind, name, field, UserRole.STUDENT)
        if "FORBIDDEN" not in student.codes:
            continue
        instructor = await walk.call(kind, name, field, UserRole.INSTRUCTOR)
        if "FORBIDDEN" not in instructor.codes:
            continue
        admin = await walk.call(kind, name, field, UserRole.ADMIN)
        if "FORBIDDEN" not in admin.codes:
            behaves_admin_only.append(name)

    assert behaves_admin_only == [], "mark these admin_field / privileged=True"
    assert len(unmarked) > 150  # the walk really covered the schema
