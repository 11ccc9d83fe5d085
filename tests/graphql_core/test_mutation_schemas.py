"""One mutation type in several schemas (schema_for builds one per set of limits; tests build
their own): the pipeline keeps handing the resolver its transaction in every one of them."""

from __future__ import annotations

import dataclasses

import strawberry

from schema.core.context import Info
from schema.core.mutation import Payload, Tx, mutation
from schema.root import build_schema
from tests.support.graphql import GraphQLClient


@strawberry.type
class EchoPayload(Payload):
    in_transaction: bool | None = None


@strawberry.type
class EchoMutation:
    @mutation(public=True)
    async def echo(self, info: Info, tx: Tx) -> EchoPayload:
        return EchoPayload(in_transaction=tx.session.in_transaction())


FIRST = build_schema(mutations=[EchoMutation])
SECOND = build_schema(mutations=[EchoMutation])


async def test_every_schema_built_over_a_mutation_passes_it_the_transaction(
    client: GraphQLClient,
) -> None:
    for schema in (FIRST, SECOND, FIRST):
        outcome = await dataclasses.replace(client, schema=schema).execute(
            "mutation { echo { inTransaction errors { code } } }"
        )
        assert outcome.payload("echo") == {"inTransaction": True, "errors": []}
