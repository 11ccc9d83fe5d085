"""The audit log: every privileged mutation and every change an admin makes is recorded with its
actor, target, filtered arguments, IP address, user agent and request id, in the same transaction
as the change; `auditLog` lists it newest first for admins only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import strawberry
from sqlalchemy import event, select

from app.accounts.models import User, UserRole
from app.admin.audit import FILTERED, filter_secrets
from app.admin.models import AuditLogEntry
from app.clock import frozen
from app.db import Database, count_statements
from app.security.tokens import issue_access_token
from schema.core.admin_only import is_admin_only
from schema.core.context import Info
from schema.core.inputs import Input, node_id
from schema.core.mutation import MutationPipeline, Payload, Tx, mutation
from schema.root import build_schema
from tests.support import accounts
from tests.support.catalog import gid, person, token_for
from tests.support.graphql import GraphQLClient

AUDIT_LOG = """query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node {
      id createdAt action entityType entityId targetId changes ipAddress userAgent requestId
      apiKeyId actor { id fullName }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
DEACTIVATE = """mutation($input: DeactivateUserInput!) {
  deactivateUser(input: $input) { user { id } errors { code } }
}"""


async def entries(database: Database) -> list[AuditLogEntry]:
    async with database.session() as session:
        rows = await session.scalars(
            select(AuditLogEntry).order_by(AuditLogEntry.created_at, AuditLogEntry.id)
        )
        return list(rows)


async def deactivate(client: GraphQLClient, user: User, token: str) -> dict[str, Any]:
    outcome = await client.mutate(
        "deactivateUser", {"userId": gid("User", user.id)}, "user { id }", token=token
    )
    return outcome.payload("deactivateUser")


async def audit_log(client: GraphQLClient, token: str, **variables: Any) -> dict[str, Any]:
    outcome = await client.execute(AUDIT_LOG, variables, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data["auditLog"]


def actions(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["action"] for edge in page["edges"]]


# --- what is recorded -------------------------------------------------------------------------


async def test_a_privileged_mutation_over_http_records_who_what_and_where_from(
    http: httpx.AsyncClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    target = await person(database)
    state = http._transport.app.state  # type: ignore[attr-defined]
    token, _ = issue_access_token(state.keyring, state.settings, user=admin, session_id=None)

    response = await http.post(
        "/graphql",
        json={"query": DEACTIVATE, "variables": {"input": {"userId": gid("User", target.id)}}},
        headers={
            "Authorization": f"Bearer {token}",
            "X-Request-ID": "audit-request-1",
            "User-Agent": "AdminConsole/2.0",
        },
    )

    assert response.json()["data"]["deactivateUser"]["errors"] == []
    [entry] = await entries(database)
    assert entry.actor_id == admin.id
    assert entry.api_key_id is None
    assert (entry.action, entry.entity_type, entry.entity_id) == (
        "deactivateUser",
        "User",
        str(target.id),
    )
    assert entry.changes == {"input": {"userId": gid("User", target.id)}}
    assert str(entry.ip_address) == "127.0.0.1"  # the ASGI test transport's client address
    assert entry.user_agent == "AdminConsole/2.0"
    assert entry.request_id == "audit-request-1"


async def test_a_privileged_mutation_that_fails_records_nothing(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    student = await person(database)

    refused = await deactivate(client, admin, token_for(client, admin))  # CANNOT_DEACTIVATE_SELF
    forbidden = await client.mutate(
        "deactivateUser",
        {"userId": gid("User", admin.id)},
        "user { id }",
        token=token_for(client, student),
    )

    assert refused["errors"] != []
    assert forbidden.codes == ["FORBIDDEN"]
    assert await entries(database) == []


async def test_everything_an_admin_changes_is_recorded_and_a_students_change_is_not(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    student = await person(database)
    for caller in (admin, student):
        outcome = await client.mutate(
            "updateProfile", {"headline": "Hello"}, "user { id }", token=token_for(client, caller)
        )
        assert outcome.payload("updateProfile")["errors"] == []

    [entry] = await entries(database)
    assert (entry.actor_id, entry.action) == (admin.id, "updateProfile")
    assert (entry.entity_type, entry.entity_id) == ("User", str(admin.id))  # from the payload
    assert entry.changes == {"input": {"headline": "Hello"}}


async def test_secrets_in_the_arguments_are_filtered(
    client: GraphQLClient, database: Database
) -> None:
    admin = await accounts.make_user(database, role=UserRole.ADMIN)
    signed_in = await accounts.login(client, admin.email)

    outcome = await client.mutate(
        "changePassword",
        {"currentPassword": accounts.PASSWORD, "newPassword": "Another-Horse-43"},
        "accessToken",
        token=signed_in["accessToken"],
    )

    assert outcome.payload("changePassword")["errors"] == []
    [entry] = [e for e in await entries(database) if e.action == "changePassword"]
    assert entry.changes == {"input": {"currentPassword": FILTERED, "newPassword": FILTERED}}
    assert accounts.PASSWORD not in str(entry.changes)


def test_every_key_naming_a_secret_is_filtered_at_any_depth() -> None:
    changes = {
        "input": {
            "title": "kept",
            "apiKey": "k",
            "refreshToken": "t",
            "totpCode": "123456",
            "clientSecret": "s",
            "OTP": "1",
            "nested": [{"newPassword": "p", "name": "kept too"}],
        }
    }

    assert filter_secrets(changes) == {
        "input": {
            "title": "kept",
            "apiKey": FILTERED,
            "refreshToken": FILTERED,
            "totpCode": FILTERED,
            "clientSecret": FILTERED,
            "OTP": FILTERED,
            "nested": [{"newPassword": FILTERED, "name": "kept too"}],
        }
    }


# --- the same transaction ---------------------------------------------------------------------


@strawberry.input
class RenameThenFailCommitInput(Input):
    user_id: strawberry.ID = node_id("User")


@strawberry.type
class RenameThenFailCommitPayload(Payload):
    ok: bool | None = None


@strawberry.type
class FailingCommitMutation:
    @mutation(privileged=True, description="Test only: renames a user, then the commit fails.")
    async def rename_then_fail_commit(
        self, info: Info, input: RenameThenFailCommitInput, tx: Tx
    ) -> RenameThenFailCommitPayload:
        user = await tx.session.get(User, input.arguments()["user_id"])
        assert user is not None
        user.first_name = "Renamed"

        def fail(session: Any) -> None:
            raise RuntimeError("the commit fails")

        event.listen(tx.session.sync_session, "before_commit", fail)
        return RenameThenFailCommitPayload(ok=True)


async def test_an_audit_row_is_rolled_back_with_its_change(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN)
    target = await person(database, first_name="Kept")
    failing = GraphQLClient(
        database,
        client.redis,
        client.keyring,
        client.settings,
        schema=build_schema(client.settings, mutations=[FailingCommitMutation]),
    )

    outcome = await failing.mutate(
        "renameThenFailCommit",
        {"userId": gid("User", target.id)},
        "ok",
        token=token_for(client, admin),
    )

    assert outcome.codes == ["INTERNAL_SERVER_ERROR"]
    assert await entries(database) == []
    async with database.session() as session:
        assert (await session.get(User, target.id)).first_name == "Kept"  # type: ignore[union-attr]


def test_every_privileged_mutation_takes_the_transaction_and_is_marked_admin_only() -> None:
    from schema.root import schema

    mutation_type = schema.schema_converter.type_map["Mutation"].definition
    privileged = []
    for field in mutation_type.fields:
        pipeline = next((e for e in field.extensions if isinstance(e, MutationPipeline)), None)
        if pipeline is not None and pipeline.privileged:
            privileged.append(field.name)
            assert pipeline.wants_tx, field.name
            assert is_admin_only(field), field.name
    assert {"deactivate_user", "publish_course", "refund_order", "revoke_certificate"} <= set(
        privileged
    )


# --- the auditLog query -----------------------------------------------------------------------


async def test_the_audit_log_lists_entries_newest_first_with_their_actor(
    client: GraphQLClient, database: Database
) -> None:
    admin = await person(database, UserRole.ADMIN, first_name="Root")
    token = token_for(client, admin)
    first, second = await person(database), await person(database)
    await deactivate(client, first, token)
    await deactivate(client, second, token)

    page = await audit_log(client, token)

    assert page["totalCount"] == 2
    nodes = [edge["node"] for edge in page["edges"]]
    assert [n["entityId"] for n in nodes] == [str(second.id), str(first.id)]
    assert nodes[0]["targetId"] == gid("User", second.id)
    assert nodes[0]["actor"] == {"id": gid("User", admin.id), "fullName": "Root Hopper"}
    assert nodes[0]["changes"] == {"input": {"userId": gid("User", second.id)}}
    assert nodes[0]["requestId"] == "test"
    assert nodes[0]["ipAddress"] == client.ip


async def test_the_audit_log_filters_by_actor_action_target_and_time(
    client: GraphQLClient, database: Database
) -> None:
    admins = [await person(database, UserRole.ADMIN) for _ in range(2)]
    users = [await person(database) for _ in range(2)]
    start = datetime(2030, 1, 1, tzinfo=UTC)
    with frozen(start):
        await deactivate(client, users[0], token_for(client, admins[0]))
    with frozen(start + timedelta(hours=1)):
        await deactivate(client, users[1], token_for(client, admins[1]))
    with frozen(start + timedelta(hours=2)):
        outcome = await client.mutate(
            "reactivateUser",
            {"userId": gid("User", users[1].id)},
            "user { id }",
            token=token_for(client, admins[0]),
        )
        assert outcome.payload("reactivateUser")["errors"] == []
    token = token_for(client, admins[0])

    by_actor = await audit_log(client, token, filter={"actorId": gid("User", admins[0].id)})
    by_action = await audit_log(client, token, filter={"action": "deactivateUser"})
    by_target = await audit_log(client, token, filter={"entityId": gid("User", users[1].id)})
    by_raw_target = await audit_log(
        client, token, filter={"entityType": "User", "entityId": str(users[0].id)}
    )
    in_window = await audit_log(
        client,
        token,
        filter={
            "since": (start + timedelta(hours=1)).isoformat(),
            "until": (start + timedelta(hours=2)).isoformat(),
        },
    )

    assert actions(by_actor) == ["reactivateUser", "deactivateUser"]
    assert actions(by_action) == ["deactivateUser", "deactivateUser"]
    assert actions(by_target) == ["reactivateUser", "deactivateUser"]
    assert [e["node"]["entityId"] for e in by_raw_target["edges"]] == [str(users[0].id)]
    assert [e["node"]["entityId"] for e in in_window["edges"]] == [str(users[1].id)]


async def test_the_audit_log_pages_with_cursors(client: GraphQLClient, database: Database) -> None:
    admin = await person(database, UserRole.ADMIN)
    token = token_for(client, admin)
    for _ in range(5):
        await deactivate(client, await person(database), token)
    everything = [e["node"]["id"] for e in (await audit_log(client, token))["edges"]]

    seen: list[str] = []
    after = None
    while True:
        page = await audit_log(client, token, first=2, after=after)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == everything
    assert len(seen) == 5


async def _statements(client: GraphQLClient, token: str) -> tuple[int, int]:
    with count_statements(client.database.engine) as counter:
        page = await audit_log(client, token, first=100)
    return len(page["edges"]), counter.count


async def test_a_page_of_the_audit_log_costs_the_same_statements_for_1_and_many_entries(
    client: GraphQLClient, database: Database
) -> None:
    admins = [await person(database, UserRole.ADMIN) for _ in range(3)]
    token = token_for(client, admins[0])
    await deactivate(client, await person(database), token_for(client, admins[1]))
    one = await _statements(client, token)
    for i in range(12):
        await deactivate(client, await person(database), token_for(client, admins[i % 3]))

    many = await _statements(client, token)

    assert (one[0], many[0]) == (1, 13)
    assert many[1] == one[1]


async def test_only_admins_read_the_audit_log(client: GraphQLClient, database: Database) -> None:
    for role in (UserRole.STUDENT, UserRole.INSTRUCTOR):
        caller = await person(database, role)
        outcome = await client.execute(AUDIT_LOG, {}, token=token_for(client, caller))
        assert outcome.codes == ["FORBIDDEN"]
        assert outcome.data is None
