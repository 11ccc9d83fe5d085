"""`exportLearningEvents` (admins only): a worker writes the matching events as xAPI statements,
one per line, to storage; `learningEventExport` follows its state and hands out a signed,
expiring download URL once it succeeded. Re-running a finished export changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from sqlalchemy import select

from app.accounts.models import UserRole
from app.analytics import EventType, record_event
from app.analytics.event_export import EXPORT_TOPIC, run_event_export
from app.analytics.export_models import AnalyticsExport, ExportStatus
from app.analytics.xapi import statement_id
from app.db import Database
from app.integrations.storage import LocalStorage
from app.main import create_app
from app.outbox import OutboxEvent, relay_once
from app.settings import Settings
from tests.support.api import serve
from tests.support.catalog import gid, person, token_for
from tests.support.events import flush
from tests.support.graphql import GraphQLClient

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
EXPORT_STATE = """query($id: ID!) {
  learningEventExport(id: $id) {
    id status statementCount byteSize error downloadUrl downloadExpiresAt completedAt
  }
}"""


async def request_export(
    client: GraphQLClient, token: str, filter: dict[str, Any] | None = None
) -> Any:
    return await client.mutate(
        "exportLearningEvents",
        {"filter": filter} if filter is not None else {},
        "export { id status downloadUrl }",
        token=token,
    )


async def export_state(client: GraphQLClient, token: str, export_id: str) -> dict[str, Any]:
    outcome = await client.execute(EXPORT_STATE, {"id": export_id}, token=token)
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    return outcome.data["learningEventExport"]


def events_of(learner_id: uuid.UUID, course_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    return [
        record_event(
            EventType.LESSON_COMPLETED,
            user_id=learner_id,
            course_id=course_id,
            entity_type="lesson",
            entity_id=uuid.uuid4(),
            occurred_at=T0 + timedelta(minutes=i),
        )
        for i in range(count)
    ]


async def test_an_admins_export_is_pending_until_the_worker_builds_it(
    client: GraphQLClient, database: Database
) -> None:
    token = token_for(client, await person(database, UserRole.ADMIN))

    payload = (await request_export(client, token)).payload("exportLearningEvents")

    assert payload["export"]["status"] == "PENDING"
    assert payload["export"]["downloadUrl"] is None
    state = await export_state(client, token, payload["export"]["id"])
    assert (state["status"], state["downloadUrl"]) == ("PENDING", None)
    async with database.session() as session:
        topics = list(await session.scalars(select(OutboxEvent.topic)))
    assert topics.count(EXPORT_TOPIC) == 1


async def test_the_worker_writes_the_matching_statements_behind_a_signed_url(
    client: GraphQLClient, database: Database, worker: Any, service_urls: tuple[str, str]
) -> None:
    from workers.broker import broker
    from workers.relay import dispatch

    broker.flush_all()
    learner = await person(database)
    course_id = uuid.uuid4()
    wanted = events_of(learner.id, course_id, 3)
    events_of(learner.id, uuid.uuid4(), 2)  # another course: not exported
    await flush(database)
    token = token_for(client, await person(database, UserRole.ADMIN))
    payload = (await request_export(client, token, {"courseId": gid("Course", course_id)})).payload(
        "exportLearningEvents"
    )

    assert await relay_once(database, dispatch) >= 1
    await asyncio.to_thread(broker.join, "default", timeout=20_000)

    state = await export_state(client, token, payload["export"]["id"])
    assert (state["status"], state["statementCount"], state["error"]) == ("SUCCEEDED", 3, None)
    assert state["downloadExpiresAt"] is not None
    body = await download(state["downloadUrl"])
    assert len(body) == state["byteSize"]
    lines = [orjson.loads(line) for line in body.splitlines()]
    assert [line["id"] for line in lines] == [str(statement_id(e)) for e in wanted]
    assert {line["verb"]["id"] for line in lines} == {"http://adlnet.gov/expapi/verbs/completed"}


async def download(url: str) -> bytes:
    """GET the signed URL from the API's own file route (local storage)."""
    async with serve(create_app(Settings())) as http:
        response = await http.get(urlsplit(url).path)
    assert response.status_code == 200, response.text
    return response.content


async def test_running_a_finished_export_again_changes_nothing(
    client: GraphQLClient, database: Database
) -> None:
    from workers.analytics_events import build_export
    from workers.runtime import close_runtime

    events_of(uuid.uuid4(), uuid.uuid4(), 2)
    await flush(database)
    token = token_for(client, await person(database, UserRole.ADMIN))
    export_id = (await request_export(client, token)).payload("exportLearningEvents")["export"][
        "id"
    ]
    try:
        assert await build_export(export_id) == ExportStatus.SUCCEEDED
        first = await export_row(database, export_id)
        events_of(uuid.uuid4(), uuid.uuid4(), 4)  # recorded after the export was built
        await flush(database)

        assert await build_export(export_id) == ExportStatus.SUCCEEDED
    finally:
        await close_runtime()

    again = await export_row(database, export_id)
    assert first.row_count == 2
    assert (again.row_count, again.completed_at) == (first.row_count, first.completed_at)


async def export_row(database: Database, export_id: str) -> AnalyticsExport:
    async with database.session() as session:
        row = await session.get(AnalyticsExport, uuid.UUID(export_id))
    assert row is not None
    return row


@pytest.mark.parametrize("role", [UserRole.STUDENT, UserRole.INSTRUCTOR])
async def test_only_admins_export_learning_events(
    client: GraphQLClient, database: Database, role: UserRole
) -> None:
    token = token_for(client, await person(database, role))

    outcome = await request_export(client, token)

    assert outcome.codes == ["FORBIDDEN"]
    async with database.session() as session:
        assert list(await session.scalars(select(AnalyticsExport.id))) == []


async def test_only_admins_follow_an_export(client: GraphQLClient, database: Database) -> None:
    admin = token_for(client, await person(database, UserRole.ADMIN))
    export_id = (await request_export(client, admin)).payload("exportLearningEvents")["export"][
        "id"
    ]
    student = token_for(client, await person(database))

    outcome = await client.execute(EXPORT_STATE, {"id": export_id}, token=student)

    assert outcome.codes == ["FORBIDDEN"]


@pytest.mark.parametrize("export_id", [str(uuid.uuid4()), "not-an-id"])
async def test_an_unknown_export_is_not_found(
    client: GraphQLClient, database: Database, export_id: str
) -> None:
    admin = token_for(client, await person(database, UserRole.ADMIN))

    outcome = await client.execute(EXPORT_STATE, {"id": export_id}, token=admin)

    assert outcome.codes == ["NOT_FOUND"]


async def test_a_storage_failure_marks_the_export_failed_and_is_retried(
    client: GraphQLClient, database: Database, tmp_path: Path
) -> None:
    events_of(uuid.uuid4(), uuid.uuid4(), 1)
    await flush(database)
    token = token_for(client, await person(database, UserRole.ADMIN))
    export_id = (await request_export(client, token)).payload("exportLearningEvents")["export"][
        "id"
    ]
    (tmp_path / "storage").write_text("a file where the storage directory should be")
    broken = LocalStorage(tmp_path / "storage", secret_key="k" * 32, public_url="http://api")

    with pytest.raises(NotADirectoryError):  # the actor's retry takes it from here
        await run_event_export(
            database, broken, export_id=uuid.UUID(export_id), base_url="https://learn.example"
        )

    state = await export_state(client, token, export_id)
    assert state["status"] == "FAILED"
    assert state["error"]
    assert state["downloadUrl"] is None


EXPORTS = """query($first: Int, $after: String) {
  learningEventExports(first: $first, after: $after) {
    totalCount edges { node { id status } } pageInfo { hasNextPage endCursor }
  }
}"""


async def test_admins_list_the_exports_newest_first(
    client: GraphQLClient, database: Database
) -> None:
    admins = [token_for(client, await person(database, UserRole.ADMIN)) for _ in range(2)]
    ids = [
        (await request_export(client, admins[i % 2])).payload("exportLearningEvents")["export"][
            "id"
        ]
        for i in range(3)
    ]

    outcome = await client.execute(EXPORTS, {"first": 2}, token=admins[0])
    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    page = outcome.data["learningEventExports"]
    rest = await client.execute(EXPORTS, {"after": page["pageInfo"]["endCursor"]}, token=admins[0])
    assert rest.data is not None

    seen = [e["node"]["id"] for e in page["edges"] + rest.data["learningEventExports"]["edges"]]
    assert seen == list(reversed(ids))
    assert page["totalCount"] == 3


async def test_only_admins_list_exports(client: GraphQLClient, database: Database) -> None:
    outcome = await client.execute(EXPORTS, {}, token=token_for(client, await person(database)))

    assert outcome.codes == ["FORBIDDEN"]
