"""exportMyData (SPEC §3.1 "GDPR: export my data"): a worker assembles everything held about the
user into a zip of JSON files (one per area, with a README and a manifest), stores it and e-mails
a signed, expiring link; myDataExports shows the state and the link while it is valid."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from app.accounts import data_export
from app.accounts.privacy_models import DataExport, ExportState
from app.clock import frozen, utcnow
from app.db import Database
from app.errors import UserFacingError
from app.integrations.storage import Storage, make_storage
from app.outbox import OutboxEvent
from app.settings import get_settings
from tests.support.accounts import emails, make_user
from tests.support.catalog import token_for
from tests.support.graphql import GraphQLClient
from tests.support.media import app_http
from tests.support.privacy import EMAIL, FULL, footprint

# every area the registry's exporters produce, each of which the footprint fills
AREAS = {
    "profile", "sessions", "instructor", "enrollments", "progress", "certificates",
    "quiz_attempts", "exam_submissions", "assignment_submissions", "messages", "discussions",
    "reviews", "orders", "notifications", "devices", "emails", "files", "events", "api_keys",
    "reports", "webhooks", "learning_days", "linked_identities",
}  # fmt: skip
EMPTY_FOR_THE_FOOTPRINT = {"exam_submissions", "webhooks"}
LIST = "myDataExports { id state createdAt expiresAt downloadUrl }"


@pytest.fixture
def storage() -> Storage:
    return make_storage(get_settings())


async def requested(database: Database, user_id: uuid.UUID) -> uuid.UUID:
    async with database.transaction() as session:
        return (await data_export.request_export(session, user_id=user_id)).id


async def built(database: Database, storage: Storage, export_id: uuid.UUID) -> ExportState:
    return await data_export.build_export(database, storage, get_settings(), export_id=export_id)


async def archive(database: Database, storage: Storage, export_id: uuid.UUID) -> zipfile.ZipFile:
    async with database.session() as session:
        row = await session.get(DataExport, export_id)
    assert row is not None
    assert row.storage_key is not None
    return zipfile.ZipFile(io.BytesIO(await storage.read(row.storage_key)))


def non_empty(data: Any) -> bool:
    if isinstance(data, list):
        return bool(data)
    if isinstance(data, dict):
        return any(non_empty(v) for v in data.values())
    return data is not None


async def test_the_zip_holds_the_users_data_from_every_area_and_none_of_another_users(
    database: Database, redis_client: Redis, storage: Storage
) -> None:
    found = await footprint(database, redis_client, storage)
    export_id = await requested(database, found.user.id)

    assert await built(database, storage, export_id) == ExportState.READY

    zipped = await archive(database, storage, export_id)
    names = set(zipped.namelist())
    assert {"README.txt", "manifest.json"} <= names
    areas = {n.removesuffix(".json") for n in names} - {"README.txt", "manifest"}
    assert areas == AREAS
    contents = {a: json.loads(zipped.read(f"{a}.json")) for a in areas}
    assert {a for a in areas if not non_empty(contents[a])} == EMPTY_FOR_THE_FOOTPRINT
    assert contents["profile"]["user"]["email"] == EMAIL
    assert [i["email"] for i in contents["linked_identities"]] == [EMAIL]
    assert FULL in json.dumps(contents["discussions"])
    everything = b"".join(zipped.read(n) for n in names).decode()
    assert str(found.other.id) not in everything
    assert found.other.email not in everything
    # Property 67 (sensitive data redaction): the one-time links of the e-mails sent are not in it
    assert contents["emails"]
    assert all(mail["context"].get("link") in (None, "[redacted]") for mail in contents["emails"])
    assert "password_hash" not in everything
    manifest = json.loads(zipped.read("manifest.json"))
    assert {f["file"] for f in manifest["files"]} == {f"{a}.json" for a in AREAS}


async def test_a_ready_export_is_mailed_with_a_signed_link_that_expires(
    client: GraphQLClient, database: Database, storage: Storage
) -> None:
    user = await make_user(database)
    token = token_for(client, user)
    asked = await client.execute(
        "mutation { exportMyData { export { id state } errors { code } } }", token=token
    )
    assert asked.payload("exportMyData")["export"]["state"] == "REQUESTED"
    pending = (await client.execute(f"{{ {LIST} }}", token=token)).payload("myDataExports")
    assert [(e["state"], e["downloadUrl"]) for e in pending] == [("REQUESTED", None)]

    async with database.session() as session:
        [job] = list(
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == data_export.EXPORT_TOPIC)
            )
        )
    await built(database, storage, uuid.UUID(job.payload["export_id"]))

    [ready] = (await client.execute(f"{{ {LIST} }}", token=token)).payload("myDataExports")
    assert ready["state"] == "READY"
    async with app_http(get_settings(), storage) as http:
        download = await http.get(ready["downloadUrl"])
    assert download.status_code == 200
    assert "README.txt" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    [mail] = await emails(database, "data_export_ready")
    assert mail.recipient == user.email
    assert mail.context["link"].startswith(get_settings().public_api_url.rstrip("/"))
    ttl = timedelta(seconds=get_settings().data_export_ttl_seconds)
    with frozen(utcnow() + ttl + timedelta(seconds=1)):
        later = token_for(client, user)
        [expired] = (await client.execute(f"{{ {LIST} }}", token=later)).payload("myDataExports")
        assert expired["downloadUrl"] is None
        assert await data_export.purge_expired_exports(database, storage, now=utcnow()) == 1


async def test_one_export_in_the_making_at_a_time_whatever_the_race(
    client: GraphQLClient, database: Database, storage: Storage
) -> None:
    user = await make_user(database)

    async def ask() -> str:
        try:
            await requested(database, user.id)
        except UserFacingError as exc:
            return exc.errors[0].code.value
        return "requested"

    outcomes = sorted(await asyncio.gather(ask(), ask(), ask()))
    assert outcomes == ["EXPORT_PENDING", "EXPORT_PENDING", "requested"]

    again = await client.execute(
        "mutation { exportMyData { export { id } errors { code } } }",
        token=token_for(client, user),
    )
    assert [e["code"] for e in again.payload("exportMyData")["errors"]] == ["EXPORT_PENDING"]
    async with database.session() as session:
        [row] = list(await session.scalars(select(DataExport)))
    await built(database, storage, row.id)
    assert await requested(database, user.id)  # once ready, a new one may be asked for


async def test_building_twice_keeps_the_first_result(database: Database, storage: Storage) -> None:
    user = await make_user(database)
    export_id = await requested(database, user.id)
    assert await built(database, storage, export_id) == ExportState.READY
    async with database.session() as session:
        first = await session.get(DataExport, export_id)
    assert first is not None

    assert await built(database, storage, export_id) == ExportState.READY  # redelivered

    async with database.session() as session:
        again = await session.get(DataExport, export_id)
    assert again is not None
    assert (again.storage_key, again.completed_at) == (first.storage_key, first.completed_at)
    assert len(await emails(database, "data_export_ready")) == 1


async def test_exporting_needs_a_signed_in_user(client: GraphQLClient) -> None:
    outcome = await client.execute("mutation { exportMyData { errors { code } } }")
    assert outcome.codes == ["UNAUTHENTICATED"]


async def test_an_export_that_fails_for_good_shows_failed_and_frees_the_slot(
    client: GraphQLClient, database: Database, storage: Storage
) -> None:
    """What the actor does when its last retry fails (workers/privacy.py)."""
    user = await make_user(database)
    export_id = await requested(database, user.id)

    await data_export.fail_export(database, export_id=export_id, error="OSError")
    await data_export.fail_export(database, export_id=export_id, error="again")  # harmless

    listed = await client.execute(f"{{ {LIST} }}", token=token_for(client, user))
    assert [(e["state"], e["downloadUrl"]) for e in listed.payload("myDataExports")] == [
        ("FAILED", None)
    ]
    assert await built(database, storage, export_id) == ExportState.FAILED  # not rebuilt
    assert await requested(database, user.id) != export_id
