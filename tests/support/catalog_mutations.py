"""Helpers of the catalog mutation tests: signed-in callers, global ids, authoring over GraphQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from strawberry import relay

from app.accounts.models import User, UserRole
from app.integrations.cache import catalog_version
from tests.support.accounts import login, make_user
from tests.support.graphql import GraphQLClient, Outcome

COURSE_FIELDS = "course { id title slug status isFree price { amount currency } }"


@dataclass
class Caller:
    user: User
    token: str


async def signed_in(client: GraphQLClient, role: UserRole = UserRole.INSTRUCTOR) -> Caller:
    person = await make_user(client.database, role=role)
    return Caller(person, (await login(client, person.email))["accessToken"])


def gid(type_name: str, value: uuid.UUID | str) -> str:
    return str(relay.GlobalID(type_name, str(value)))


def raw_id(global_id: str) -> uuid.UUID:
    return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)


async def mutate(
    client: GraphQLClient, caller: Caller | None, name: str, input_: dict[str, Any], fields: str
) -> dict[str, Any]:
    """The payload of a mutation that must not raise a GraphQL error."""
    outcome = await client.mutate(name, input_, fields, token=caller.token if caller else None)
    return outcome.payload(name)


async def attempt(
    client: GraphQLClient, caller: Caller | None, name: str, input_: dict[str, Any], fields: str
) -> Outcome:
    return await client.mutate(name, input_, fields, token=caller.token if caller else None)


async def create_course(client: GraphQLClient, caller: Caller, **input_: Any) -> dict[str, Any]:
    values = {"title": "Intro to Python", "description": "Learn Python.", **input_}
    payload = await mutate(client, caller, "createCourse", values, COURSE_FIELDS)
    assert payload["errors"] == [], payload["errors"]
    return dict(payload["course"])


async def add_module(
    client: GraphQLClient, caller: Caller, course_id: str, title: str = "Basics"
) -> dict[str, Any]:
    payload = await mutate(
        client,
        caller,
        "addModule",
        {"courseId": course_id, "title": title},
        "module { id title orderNumber }",
    )
    assert payload["errors"] == [], payload["errors"]
    return dict(payload["module"])


async def add_text_lesson(
    client: GraphQLClient, caller: Caller, module_id: str, title: str = "Hello", **extra: Any
) -> dict[str, Any]:
    input_ = {"moduleId": module_id, "type": "TEXT", "title": title, "contentText": "Words."}
    payload = await mutate(
        client, caller, "addLesson", {**input_, **extra}, "lesson { id title orderNumber }"
    )
    assert payload["errors"] == [], payload["errors"]
    return dict(payload["lesson"])


async def version(client: GraphQLClient) -> int:
    return await catalog_version(client.redis)
