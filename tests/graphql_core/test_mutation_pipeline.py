"""The mutation pipeline (schema.core.mutation): caller, one transaction, after-commit hooks,
expected failures as the payload's `errors` in API names, other domain errors as GraphQL errors."""

from __future__ import annotations

import dataclasses
import uuid

import strawberry
from sqlalchemy import func, select

from app.accounts.models import UserRole
from app.catalog.models import Category
from app.db import Database
from app.errors import Common, FieldError, Forbidden, UserFacingError
from schema.core.context import Info
from schema.core.inputs import Input, node_id, update
from schema.core.mutation import Payload, Tx, mutation
from schema.root import build_schema
from tests.support.accounts import make_user
from tests.support.catalog import token_for
from tests.support.graphql import GraphQLClient

HOOKED: list[str] = []


async def remember_commit(info: Info) -> None:
    HOOKED.append(info.context.request_id)


@strawberry.input
class RenameInput(Input):
    name: str | None = update(nullable=False)
    category_id: strawberry.ID | None = node_id("Category", default=None)
    fail: bool = False
    forbid: bool = False


@strawberry.type
class RenamePayload(Payload):
    name: str | None = None
    arguments: str | None = None
    category: str | None = None


@strawberry.type
class PipelineMutation:
    @mutation(
        description="Writes a category, then fails when asked to.", after_commit=[remember_commit]
    )
    async def rename(self, info: Info, input: RenameInput, tx: Tx) -> RenamePayload:
        arguments = input.arguments()
        tx.session.add(Category(name=f"c-{uuid.uuid4().hex[:8]}", slug=f"c-{uuid.uuid4().hex[:8]}"))
        await tx.session.flush()
        if input.forbid:
            raise Forbidden()
        if input.fail:
            raise UserFacingError(
                [FieldError("pricing_tiers[1].original_price", "Too high", Common.INVALID)]
            )
        return RenamePayload(
            name=str(arguments.get("name")),
            arguments=repr(sorted(arguments)),
            category=str(arguments.get("category_id")),
        )

    @mutation(public=True)
    async def hello(self, info: Info, tx: Tx) -> RenamePayload:
        return RenamePayload(name="anonymous" if tx.caller is None else str(tx.caller.role))


SCHEMA = build_schema(mutations=[PipelineMutation])
RENAME = """mutation($input: RenameInput!) {
  rename(input: $input) { name arguments errors { field code message } }
}"""


def on_schema(client: GraphQLClient) -> GraphQLClient:
    return dataclasses.replace(client, schema=SCHEMA)


async def categories(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Category)) or 0)


async def test_a_mutation_commits_its_transaction_and_then_runs_its_hooks(
    client: GraphQLClient, database: Database
) -> None:
    token = token_for(client, await make_user(database, role=UserRole.INSTRUCTOR))
    HOOKED.clear()
    outcome = await on_schema(client).execute(RENAME, {"input": {"name": "x"}}, token=token)
    assert outcome.payload("rename") == {
        "name": "x",
        "arguments": "['category_id', 'fail', 'forbid', 'name']",
        "errors": [],
    }
    assert await categories(database) == 1
    assert HOOKED == ["test"]


async def test_an_expected_failure_rolls_back_and_comes_back_in_errors_with_api_names(
    client: GraphQLClient, database: Database
) -> None:
    token = token_for(client, await make_user(database))
    HOOKED.clear()
    outcome = await on_schema(client).execute(
        RENAME, {"input": {"name": "x", "fail": True}}, token=token
    )
    assert outcome.payload("rename") == {
        "name": None,
        "arguments": None,
        "errors": [
            {"field": "pricingTiers[1].originalPrice", "code": "INVALID", "message": "Too high"}
        ],
    }
    assert await categories(database) == 0
    assert HOOKED == []


async def test_other_domain_errors_are_graphql_errors_and_roll_back(
    client: GraphQLClient, database: Database
) -> None:
    token = token_for(client, await make_user(database))
    outcome = await on_schema(client).execute(
        RENAME, {"input": {"name": "x", "forbid": True}}, token=token
    )
    assert outcome.data is None  # the payload is non-null: the error ends the mutation
    assert outcome.codes == ["FORBIDDEN"]
    assert await categories(database) == 0


async def test_anonymous_callers_are_refused_before_anything_runs(
    client: GraphQLClient, database: Database
) -> None:
    outcome = await on_schema(client).execute(RENAME, {"input": {"name": "x"}})
    assert outcome.codes == ["UNAUTHENTICATED"]
    assert await categories(database) == 0


async def test_a_public_mutation_sees_an_anonymous_caller_as_none(
    client: GraphQLClient, database: Database
) -> None:
    anonymous = await on_schema(client).execute("mutation { hello { name } }")
    signed_in = await on_schema(client).execute(
        "mutation { hello { name } }",
        token=token_for(client, await make_user(database, role=UserRole.ADMIN)),
    )
    assert anonymous.payload("hello") == {"name": "anonymous"}
    assert signed_in.payload("hello") == {"name": "admin"}


async def test_input_rules_omitted_kept_null_refused_ids_decoded(
    client: GraphQLClient, database: Database
) -> None:
    token = token_for(client, await make_user(database))
    refused = await on_schema(client).execute(RENAME, {"input": {"name": None}}, token=token)
    assert refused.payload("rename")["errors"] == [
        {"field": "name", "code": "REQUIRED", "message": "This field cannot be empty"}
    ]
    omitted = await on_schema(client).execute(RENAME, {"input": {}}, token=token)
    assert omitted.payload("rename")["arguments"] == "['category_id', 'fail', 'forbid']"
    category = str(uuid.uuid4())
    wrong_type = strawberry.relay.GlobalID("Course", category)
    nowhere = "00000000-0000-0000-0000-000000000000"
    for given, decoded in (
        (strawberry.relay.GlobalID("Category", category), category),
        (wrong_type, nowhere),  # another type's id fails like an unknown one
        ("not-an-id", nowhere),
    ):
        seen = await on_schema(client).execute(
            "mutation($input: RenameInput!) { rename(input: $input) { category } }",
            {"input": {"categoryId": str(given)}},
            token=token,
        )
        assert seen.payload("rename") == {"category": decoded}
