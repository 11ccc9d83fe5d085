"""Partner API keys over HTTP: created by a signed-in user and shown once, sent as
`X-Api-Key` or `Authorization: Bearer`, acting as the owner within the key's scopes, refused
(401) once revoked, expired or rotated, with their own rate limit and usage counters."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.accounts.models import User, UserRole
from app.admin.models import ApiKey
from app.clock import frozen, utcnow
from app.db import Database
from app.errors import UserFacingError
from app.partners import keys
from app.partners.errors import PartnersCode
from app.security.permissions import Actor
from app.settings import get_settings
from schema.partners import ApiKeyScope
from tests.support.accounts import make_user
from tests.support.api import AppClient
from tests.support.partners import KEY_FIELDS, create_key, gql, mutate, session_token

COURSE = "mutation($input: CreateCourseInput!) { createCourse(input: $input) { course { id } } }"
COURSE_INPUT = {"title": "Partner course", "description": "Made through a partner API key."}


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert response.json()["data"] is None
    assert _code(response) == "TOKEN_INVALID"


async def _owner(database: Database, client: httpx.AsyncClient, **kw: object) -> tuple[User, str]:
    user = await make_user(database, **kw)  # type: ignore[arg-type]
    return user, session_token(client, user)


async def test_the_secret_is_shown_once_and_works_with_either_header(
    database: Database, client: httpx.AsyncClient
) -> None:
    user, token = await _owner(database, client)
    secret, key = await create_key(client, token)
    assert secret.startswith(key["prefix"] + "_")
    assert key["prefix"].startswith("ews_")
    for bearer in (False, True):
        response = await gql(client, "{ viewer }", key=secret, bearer_key=bearer)
        assert response.status_code == 200
        assert response.json()["data"] == {"viewer": str(user.id)}
    listing = await gql(
        client, f"{{ apiKeys {{ edges {{ node {{ {KEY_FIELDS} }} }} }} }}", token=token
    )
    assert [e["node"]["id"] for e in listing.json()["data"]["apiKeys"]["edges"]] == [key["id"]]
    assert secret not in listing.text


async def test_only_the_hash_of_the_key_is_stored(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, token = await _owner(database, client)
    secret, _ = await create_key(client, token)
    async with database.session() as session:
        row = await session.scalar(select(ApiKey))
    assert row is not None
    assert row.key_hash == hashlib.sha256(secret.encode()).digest()
    stored = [str(getattr(row, c.key)) for c in ApiKey.__table__.columns]
    secret_part = secret.split("_", 2)[2]  # the secret itself may contain "_"
    assert len(secret_part) == 43
    assert not any(secret_part in value for value in stored)


async def test_a_read_key_runs_queries_but_no_mutation(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, token = await _owner(database, client)
    secret, _ = await create_key(client, token, scopes=["READ"])
    assert (await gql(client, "{ ping }", key=secret)).json()["data"] == {"ping": "pong"}
    refused = await gql(client, 'mutation { touch(input: {flavour: "x"}) }', key=secret)
    assert _code(refused) == "FORBIDDEN"
    assert "set-cookie" not in refused.headers  # the mutation did not run


async def test_a_write_only_key_runs_no_query(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, token = await _owner(database, client)
    secret, _ = await create_key(client, token, scopes=["WRITE"])
    assert _code(await gql(client, "{ ping }", key=secret)) == "FORBIDDEN"


async def test_a_key_has_its_owners_permissions_intersected_with_its_scopes(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, student = await _owner(database, client)
    _, instructor = await _owner(database, client, role=UserRole.INSTRUCTOR)
    full = ["READ", "WRITE", "COURSES_CREATE"]
    student_key, _ = await create_key(client, student, scopes=full)
    narrow_key, _ = await create_key(client, instructor, scopes=["READ", "WRITE"])
    instructor_key, _ = await create_key(client, instructor, scopes=full)
    for secret in (student_key, narrow_key):
        refused = await gql(client, COURSE, {"input": COURSE_INPUT}, key=secret)
        assert _code(refused) == "FORBIDDEN"
    allowed = await gql(client, COURSE, {"input": COURSE_INPUT}, key=instructor_key)
    assert allowed.json()["data"]["createCourse"]["course"]["id"]


async def test_a_key_cannot_manage_keys(database: Database, client: httpx.AsyncClient) -> None:
    _, token = await _owner(database, client)
    secret, key = await create_key(client, token)
    query = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }"
    variables = {"input": {"name": "more", "scopes": ["READ", "WRITE"]}}
    refused = await gql(client, query, variables, key=secret)
    assert _code(refused) == "FORBIDDEN"
    revoke = "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } } }"
    assert _code(await gql(client, revoke, {"id": key["id"]}, key=secret)) == "FORBIDDEN"
    async with database.session() as session:
        assert len((await session.scalars(select(ApiKey))).all()) == 1


async def test_a_revoked_key_is_refused_at_once(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, token = await _owner(database, client)
    secret, key = await create_key(client, token)
    payload = await mutate(
        client,
        token,
        "revokeApiKey",
        {"id": key["id"]},
        "apiKey { active revokedAt } errors { code }",
    )
    assert payload["apiKey"]["active"] is False
    assert payload["apiKey"]["revokedAt"]
    _assert_refused(await gql(client, "{ ping }", key=secret))


async def test_rotation_gives_a_new_secret_and_the_old_one_stops_at_once(
    database: Database, client: httpx.AsyncClient
) -> None:
    user, token = await _owner(database, client)
    old, key = await create_key(client, token)
    payload = await mutate(
        client, token, "rotateApiKey", {"id": key["id"]}, "secret apiKey { id } errors { code }"
    )
    new = payload["secret"]
    assert new != old
    assert payload["apiKey"]["id"] == key["id"]
    _assert_refused(await gql(client, "{ ping }", key=old))
    assert (await gql(client, "{ viewer }", key=new)).json()["data"] == {"viewer": str(user.id)}


async def test_an_expired_key_is_refused(database: Database, client: httpx.AsyncClient) -> None:
    _, token = await _owner(database, client)
    expires = utcnow() + timedelta(hours=1)
    secret, _ = await create_key(client, token, expiresAt=expires.isoformat())
    assert (await gql(client, "{ ping }", key=secret)).status_code == 200
    with frozen(expires + timedelta(seconds=1)):
        _assert_refused(await gql(client, "{ ping }", key=secret))


async def test_the_key_of_a_deactivated_owner_is_refused(
    database: Database, client: httpx.AsyncClient
) -> None:
    user, token = await _owner(database, client)
    secret, _ = await create_key(client, token)
    async with database.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    _assert_refused(await gql(client, "{ ping }", key=secret))


async def test_unknown_and_malformed_keys_are_refused_never_anonymous(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, token = await _owner(database, client)
    secret, _ = await create_key(client, token)
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for bad in (tampered, "ews_", "ews_aaaaaaaaaaaa_" + "x" * 43, "not-a-key", ""):
        _assert_refused(await gql(client, "{ ping }", key=bad))
    both = await client.post(
        "/graphql",
        json={"query": "{ ping }"},
        headers={"X-Api-Key": secret, "Authorization": f"Bearer {token}"},
    )
    _assert_refused(both)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=80))
async def test_random_strings_as_keys_are_refused_and_never_crash(
    app_client: AppClient, raw: str
) -> None:
    async with app_client() as client:
        for value in (raw, "ews_" + raw):
            response = await gql(client, "{ ping }", key=value)
            assert response.status_code == 401
            assert _code(response) == "TOKEN_INVALID"


async def test_each_key_has_its_own_rate_limit(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, token = await _owner(database, client)
    secret, _ = await create_key(client, token, rateLimitPerMinute=3)
    allowed = [await gql(client, "{ ping }", key=secret) for _ in range(3)]
    assert [r.status_code for r in allowed] == [200] * 3
    assert allowed[-1].headers["x-ratelimit-limit"] == "3"
    refused = await gql(client, "{ ping }", key=secret)
    assert refused.status_code == 429
    assert _code(refused) == "RATE_LIMITED"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["retry-after"]) >= 1
    own = await gql(client, "{ ping }", token=token)  # the owner's bucket is another one
    assert own.status_code == 200
    assert own.headers["x-ratelimit-limit"] != "3"


async def test_usage_counters_count_requests_and_cost(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, token = await _owner(database, client)
    secret, _ = await create_key(client, token)
    at = datetime(2026, 5, 4, 12, 30, tzinfo=UTC)
    with frozen(at):
        responses = [
            await gql(client, "{ ping }", key=secret),
            await gql(client, "{ items(first: 5) { name } }", key=secret),
        ]
    cost = sum(r.json()["extensions"]["cost"]["requested"] for r in responses)
    listing = await gql(
        client, "{ apiKeys { edges { node { requestCount costUsed lastUsedAt } } } }", token=token
    )
    [edge] = listing.json()["data"]["apiKeys"]["edges"]
    assert edge["node"] == {
        "requestCount": 2,
        "costUsed": cost,
        "lastUsedAt": at.isoformat(),
    }


async def test_inputs_are_checked_and_nothing_is_stored_on_error(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, token = await _owner(database, client)
    fields = "secret apiKey { id } errors { field code }"
    create = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }"
    unknown = await gql(client, create, {"input": {"name": "x", "scopes": ["READ", "ROOT"]}})
    assert [e["extensions"]["code"] for e in unknown.json()["errors"]] == ["BAD_USER_INPUT"]
    trusted = await mutate(
        client,
        token,
        "createApiKey",
        {"name": "x", "scopes": ["READ"], "trustedOnly": True},
        fields,
    )
    assert trusted["errors"] == [{"field": "manifest", "code": "MANIFEST_REQUIRED"}]
    async with database.session() as session:
        assert (await session.scalars(select(ApiKey))).all() == []


async def test_a_user_holds_a_limited_number_of_live_keys(
    database: Database, app_client: AppClient
) -> None:
    async with app_client(api_keys_per_user=2) as client:
        _, token = await _owner(database, client)
        await create_key(client, token)
        _, second = await create_key(client, token)
        fields = "apiKey { id } errors { code }"
        refused = await mutate(
            client, token, "createApiKey", {"name": "x", "scopes": ["READ"]}, fields
        )
        assert refused["errors"] == [{"code": "API_KEY_LIMIT"}]
        await mutate(client, token, "revokeApiKey", {"id": second["id"]}, fields)
        again = await mutate(
            client, token, "createApiKey", {"name": "x", "scopes": ["READ"]}, fields
        )
        assert again["errors"] == []


async def test_keys_are_private_to_their_owner_and_admins_see_all(
    database: Database, client: httpx.AsyncClient
) -> None:
    _, owner = await _owner(database, client)
    _, other = await _owner(database, client)
    _, admin = await _owner(database, client, role=UserRole.ADMIN)
    _, key = await create_key(client, owner)
    listing = "query($all: Boolean!) { apiKeys(everyone: $all) { edges { node { id } } } }"
    mine = await gql(client, listing, {"all": False}, token=other)
    assert mine.json()["data"]["apiKeys"]["edges"] == []
    assert _code(await gql(client, listing, {"all": True}, token=other)) == "FORBIDDEN"
    everyone = await gql(client, listing, {"all": True}, token=admin)
    assert [e["node"]["id"] for e in everyone.json()["data"]["apiKeys"]["edges"]] == [key["id"]]
    revoke = "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } } }"
    assert _code(await gql(client, revoke, {"id": key["id"]}, token=other)) == "NOT_FOUND"
    rotate = "mutation($id: ID!) { rotateApiKey(input: {id: $id}) { secret } }"
    assert _code(await gql(client, rotate, {"id": key["id"]}, token=admin)) == "NOT_FOUND"


def test_the_scopes_of_the_api_are_exactly_the_scopes_a_key_may_hold() -> None:
    assert {scope.value for scope in ApiKeyScope} == keys.SCOPES


async def test_a_scope_the_service_does_not_know_is_refused_by_it_too(database: Database) -> None:
    user = await make_user(database)
    with pytest.raises(UserFacingError) as refused:
        async with database.transaction() as session:
            await keys.create_api_key(
                session,
                actor=Actor.of(user),
                settings=get_settings(),
                name="x",
                scopes=["read", "root"],
            )
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("scopes[1]", PartnersCode.UNKNOWN_SCOPE)
    ]
