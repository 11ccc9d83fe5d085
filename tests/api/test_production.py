"""Production: unsafe settings refuse to start; internals are masked; introspection and field
suggestions are for admins only; GraphiQL is off unless asked for."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.accounts.models import User, UserRole
from app.main import create_app
from app.notifications.vapid import VapidKeys
from app.security.tokens import generate_key, issue_access_token
from app.settings import Settings, UnsafeSettingsError
from tests.support.accounts import make_user
from tests.support.api import build_test_schema, serve

INTROSPECTION = "{ __schema { queryType { name } } }"


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


async def test_graphiql_is_off_in_production(prod: httpx.AsyncClient) -> None:
    response = await prod.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404


async def test_production_sends_hsts(prod: httpx.AsyncClient) -> None:
    response = await prod.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_the_jwks_lists_the_configured_production_key(prod: httpx.AsyncClient) -> None:
    (key,) = (await prod.get("/.well-known/jwks.json")).json()["keys"]
    assert key["kid"] == "prod-1"
