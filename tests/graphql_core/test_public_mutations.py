"""A public mutation (signing in, following an e-mailed link) still runs for a caller whose
session has ended (logout everywhere, a password change): that caller counts as anonymous there,
and stays UNAUTHENTICATED everywhere else."""

from __future__ import annotations

import dataclasses

import strawberry
from sqlalchemy import update

from app.accounts.models import User
from schema.core.context import Info
from schema.core.mutation import Payload, Tx, mutation
from schema.root import build_schema
from tests.support.accounts import login, make_user
from tests.support.graphql import GraphQLClient


@strawberry.type
class WhoPayload(Payload):
    caller: str | None = None


@strawberry.type
class WhoMutation:
    @mutation(public=True)
    async def who_public(self, info: Info, tx: Tx) -> WhoPayload:
        return WhoPayload(caller="anonymous" if tx.caller is None else str(tx.caller.id))

    @mutation()
    async def who_private(self, info: Info, tx: Tx) -> WhoPayload:
        return WhoPayload(caller=str(tx.actor.id))


SCHEMA = build_schema(mutations=[WhoMutation])


async def test_a_caller_whose_session_ended_is_anonymous_to_public_mutations_only(
    client: GraphQLClient,
) -> None:
    user = await make_user(client.database)
    token = (await login(client, user.email))["accessToken"]
    async with client.database.transaction() as session:  # e.g. "sign out everywhere"
        await session.execute(
            update(User).where(User.id == user.id).values(token_version=User.token_version + 1)
        )
    on_schema = dataclasses.replace(client, schema=SCHEMA)

    public = await on_schema.execute("mutation { whoPublic { caller } }", token=token)
    private = await on_schema.execute("mutation { whoPrivate { caller } }", token=token)

    assert public.payload("whoPublic") == {"caller": "anonymous"}
    assert private.codes == ["UNAUTHENTICATED"]
