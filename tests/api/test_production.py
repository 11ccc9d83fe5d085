"""Production: unsafe settings refuse to start; internals are masked (with the request id);
introspection and field suggestions are for admins only; the explorer is served in `admins` mode
(or off); every operation limit (depth, aliases, directives, tokens, cost, batching, body size)
refuses what is over it."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from app.accounts.models import User, UserRole
from app.http.explorer import STATIC_DIR
from app.main import create_app
from app.notifications.vapid import VapidKeys
from app.security.tokens import generate_key, issue_access_token
from app.settings import Settings, UnsafeSettingsError
from tests.support.accounts import PASSWORD, make_user
from tests.support.api import build_test_schema, serve

INTROSPECTION = "{ __schema { queryType { name } } }"
HTML = {"Accept": "text/html"}
VALIDATION = "GRAPHQL_VALIDATION_FAILED"


def test_production_refuses_unsafe_settings_and_names_them() -> None:
    settings = Settings(EASYWAYS_ENV="production", DATABASE_URL="", REDIS_URL="", DEBUG=True)
    with pytest.raises(UnsafeSettingsError) as excinfo:
        create_app(settings)
    message = str(excinfo.value)
    for name in ("SECRET_KEY", "JWT_PRIVATE_KEYS", "DEBUG", "DATABASE_URL", "REDIS_URL"):
        assert name in message


VAPID = VapidKeys.generate("mailto:ops@example.com")


def _production(settings: Settings) -> Settings:
    pem = generate_key("ES256").as_pem(private=True).decode()
    return settings.model_copy(
        update={
            "env": "production",
            "secret_key": "x" * 40,
            "jwt_private_keys": json.dumps({"prod-1": pem}),
            "refresh_cookie_secure": True,
            "mail_backend": "smtp",
            "debug": False,
            "vapid_private_key": VAPID.private_key,
            "vapid_public_key": VAPID.public_key,
        }
    )


@pytest.fixture
async def prod(
    database: Any, redis_client: Any, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    production = _production(settings)
    assert production.unsafe_reasons() == []
    async with serve(create_app(production, schema=build_test_schema(production))) as client:
        yield client


async def _admin_headers(
    client: httpx.AsyncClient, role: UserRole = UserRole.ADMIN, *, token_version: int = 0
) -> dict[str, str]:
    """A bearer token of a real user with `role` (stale when `token_version` is not theirs)."""
    state = client._transport.app.state  # type: ignore[attr-defined]
    user = await make_user(state.db, email=f"{uuid.uuid4().hex[:12]}@example.com", role=role)
    claimed = User(id=user.id, email=user.email, role=role, token_version=token_version)
    token, _ = issue_access_token(state.keyring, state.settings, user=claimed, session_id=None)
    return {"Authorization": f"Bearer {token}"}


async def test_unexpected_errors_are_masked_in_production(prod: httpx.AsyncClient) -> None:
    body = (await prod.post("/graphql", json={"query": "{ boom }"})).json()
    (error,) = body["errors"]
    assert error["message"] == "Internal server error"
    assert "hunter2" not in json.dumps(body)
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


async def test_domain_errors_are_not_masked_in_production(prod: httpx.AsyncClient) -> None:
    body = (await prod.post("/graphql", json={"query": "{ forbidden }"})).json()
    assert body["errors"][0]["message"] == "You are not allowed to do this"


async def test_introspection_is_refused_to_anonymous_callers(prod: httpx.AsyncClient) -> None:
    body = (await prod.post("/graphql", json={"query": INTROSPECTION})).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_introspection_is_refused_to_non_admin_users(prod: httpx.AsyncClient) -> None:
    headers = await _admin_headers(prod, UserRole.INSTRUCTOR)
    body = (await prod.post("/graphql", json={"query": INTROSPECTION}, headers=headers)).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_admins_may_introspect_in_production(prod: httpx.AsyncClient) -> None:
    headers = await _admin_headers(prod)
    body = (await prod.post("/graphql", json={"query": INTROSPECTION}, headers=headers)).json()
    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_an_admin_token_whose_session_ended_may_not_introspect(
    prod: httpx.AsyncClient,
) -> None:
    """A logged-out-everywhere admin's token is no admin's: introspection is refused with it."""
    headers = await _admin_headers(prod, token_version=7)
    body = (await prod.post("/graphql", json={"query": INTROSPECTION}, headers=headers)).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_field_suggestions_are_hidden_from_non_admins(prod: httpx.AsyncClient) -> None:
    anonymous = (await prod.post("/graphql", json={"query": "{ pin }"})).json()
    admin = (
        await prod.post("/graphql", json={"query": "{ pin }"}, headers=await _admin_headers(prod))
    ).json()
    assert "Did you mean" not in anonymous["errors"][0]["message"]
    assert "Cannot query field 'pin'" in anonymous["errors"][0]["message"]
    assert "Did you mean" in admin["errors"][0]["message"]


# --- the explorer: served in `admins` mode by default ------------------------------------------


async def test_production_serves_the_explorer_for_admins_from_local_files(
    prod: httpx.AsyncClient,
) -> None:
    response = await prod.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert 'data-mode="admins"' in response.text
    assert not re.search(r"(?:https?:)?//", response.text)
    script = re.search(r'src="(/graphiql/static/explorer\.js[^"]*)"', response.text)
    assert script is not None
    assert (await prod.get(script.group(1))).status_code == 200
    assert "unpkg" not in response.headers["content-security-policy"]


async def test_the_explorer_can_be_turned_off_in_production(
    database: Any, redis_client: Any, settings: Settings
) -> None:
    production = _production(settings).model_copy(update={"graphiql": "off"})
    async with serve(create_app(production, schema=build_test_schema(production))) as client:
        page = await client.get("/graphql", headers=HTML)
        script = await client.get("/graphiql/static/explorer.js")
    assert (page.status_code, script.status_code) == (404, 404)


async def _sign_in_from_the_explorer(client: httpx.AsyncClient, role: UserRole) -> dict[str, str]:
    """Sign a new `role` user in with the explorer page's own login operation."""
    state = client._transport.app.state  # type: ignore[attr-defined]
    user = await make_user(state.db, email=f"{uuid.uuid4().hex[:12]}@example.com", role=role)
    document = (STATIC_DIR / "explorer.graphql").read_text()
    variables = {"email": user.email, "password": PASSWORD}
    body = {"query": document, "operationName": "ExplorerLogin", "variables": variables}
    login = (await client.post("/graphql", json=body)).json()["data"]["login"]
    assert login["errors"] == []
    return {"Authorization": f"Bearer {login['accessToken']}"}


async def test_in_the_explorer_a_student_cannot_introspect_and_an_admin_can(
    prod: httpx.AsyncClient,
) -> None:
    """What the server enforces in `admins` mode: operations run with the caller's own token,
    and the schema GraphiQL needs (introspection) is given to administrators only."""
    introspection = {
        "query": get_introspection_query(descriptions=True, input_value_deprecation=True),
        "operationName": "IntrospectionQuery",
    }
    student = await _sign_in_from_the_explorer(prod, UserRole.STUDENT)
    refused = (await prod.post("/graphql", json=introspection, headers=student)).json()
    admin = await _sign_in_from_the_explorer(prod, UserRole.ADMIN)
    granted = (await prod.post("/graphql", json=introspection, headers=admin)).json()
    assert refused.get("data") is None
    assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "errors" not in granted
    assert granted["data"]["__schema"]["queryType"]["name"] == "Query"


# --- every operation limit is on in production ---------------------------------------------------


def _nested(depth: int) -> str:
    inner = "name"
    for _ in range(depth - 1):
        inner = f"children(first: 1) {{ {inner} }}"
    return f"{{ items(first: 1) {{ {inner} }} }}"


LIMITS = {
    # name: (just within the limit, just over it, code, message)
    "depth 10": (_nested(10), _nested(11), VALIDATION, "exceeds maximum operation depth of 10"),
    "aliases 15": (
        "{ " + " ".join(f"a{i}: ping" for i in range(15)) + " }",
        "{ " + " ".join(f"a{i}: ping" for i in range(16)) + " }",
        VALIDATION,
        "16 aliases found. Allowed: 15",
    ),
    "directives 50": (
        "{ " + "ping @include(if: true) " * 50 + "}",
        "{ " + "ping @include(if: true) " * 51 + "}",
        VALIDATION,
        "more than 50 directives",
    ),
    "tokens 1000": (
        "{ count(values: [" + "1 " * 991 + "]) }",
        "{ count(values: [" + "1 " * 992 + "]) }",
        "GRAPHQL_PARSE_FAILED",
        "tokens",
    ),
    "cost 5000": (
        "{ items(first: 100) { children(first: 48) { name } } }",
        "{ items(first: 100) { children(first: 50) { name } } }",
        VALIDATION,
        "cost 5101 exceeds the maximum of 5000",
    ),
}


@pytest.mark.parametrize("limit", list(LIMITS))
async def test_every_operation_limit_refuses_in_production(
    prod: httpx.AsyncClient, limit: str
) -> None:
    within, over, code, message = LIMITS[limit]
    ok = (await prod.post("/graphql", json={"query": within})).json()
    refused = (await prod.post("/graphql", json={"query": over})).json()
    assert "errors" not in ok, ok["errors"]
    (error,) = refused["errors"]
    assert refused.get("data") is None
    assert error["extensions"]["code"] == code
    assert message in error["message"]


async def test_batching_is_refused_in_production(prod: httpx.AsyncClient) -> None:
    response = await prod.post("/graphql", json=[{"query": "{ ping }"}, {"query": "{ ping }"}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_bodies_over_one_mebibyte_are_refused_in_production(prod: httpx.AsyncClient) -> None:
    body = b'{"query": "{ ping }", "variables": {"pad": "' + b"x" * 1_048_576 + b'"}}'
    response = await prod.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_masked_errors_carry_the_request_id_in_production(prod: httpx.AsyncClient) -> None:
    response = await prod.post(
        "/graphql", json={"query": "{ boom }"}, headers={"X-Request-ID": "prod-rid-7"}
    )
    (error,) = response.json()["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "prod-rid-7"}


async def test_field_suggestions_are_hidden_from_signed_in_students(
    prod: httpx.AsyncClient,
) -> None:
    student = await _sign_in_from_the_explorer(prod, UserRole.STUDENT)
    body = (await prod.post("/graphql", json={"query": "{ pin }"}, headers=student)).json()
    assert "Cannot query field 'pin'" in body["errors"][0]["message"]
    assert "Did you mean" not in body["errors"][0]["message"]


async def test_production_sends_hsts(prod: httpx.AsyncClient) -> None:
    response = await prod.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_the_jwks_lists_the_configured_production_key(prod: httpx.AsyncClient) -> None:
    (key,) = (await prod.get("/.well-known/jwks.json")).json()["keys"]
    assert key["kid"] == "prod-1"
