"""The bearer token becomes the caller's verified claims (Property 71); a bad token never breaks
public fields, it only leaves the caller anonymous."""

from __future__ import annotations

import uuid

import httpx

from app.accounts.models import User, UserRole
from app.security.tokens import KeyRing, issue_access_token


def _token(client: httpx.AsyncClient, user_id: uuid.UUID, keyring: KeyRing | None = None) -> str:
    state = client._transport.app.state  # type: ignore[attr-defined]
    user = User(id=user_id, email="a@example.com", role=UserRole.STUDENT, token_version=0)
    token, _ = issue_access_token(
        keyring or state.keyring, state.settings, user=user, session_id=None
    )
    return token


async def test_property_71_a_valid_bearer_token_identifies_the_caller(
    client: httpx.AsyncClient,
) -> None:
    user_id = uuid.uuid4()
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer }"},
        headers={"Authorization": f"Bearer {_token(client, user_id)}"},
    )
    assert response.json()["data"] == {"viewer": str(user_id)}


async def test_property_71_a_token_signed_by_another_key_is_not_trusted(
    client: httpx.AsyncClient,
) -> None:
    forged = _token(client, uuid.uuid4(), KeyRing.generate())
    for authorization in (f"Bearer {forged}", "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer"):
        response = await client.post(
            "/graphql",
            json={"query": "{ ping viewer }"},
            headers={"Authorization": authorization},
        )
        body = response.json()
        assert response.status_code == 200
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_bad_token_does_not_break_public_fields(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ ping }"}, headers={"Authorization": "Bearer expired.or.bad"}
    )
    assert response.json()["data"] == {"ping": "pong"}
