"""The bearer token becomes the caller's verified claims (Property 71). A token that does not verify
is never silent anonymity: the operation fails with TOKEN_EXPIRED or TOKEN_INVALID, HTTP 401 and
`WWW-Authenticate`; no token at all is an anonymous caller."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from app.accounts.models import User, UserRole
from app.security.tokens import KeyRing, issue_access_token


def _token(
    client: httpx.AsyncClient,
    user_id: uuid.UUID,
    keyring: KeyRing | None = None,
    now: datetime | None = None,
) -> str:
    state = client._transport.app.state  # type: ignore[attr-defined]
    user = User(id=user_id, email="a@example.com", role=UserRole.STUDENT, token_version=0)
    token, _ = issue_access_token(
        keyring or state.keyring, state.settings, user=user, session_id=None, now=now
    )
    return token


async def _post(client: httpx.AsyncClient, query: str, authorization: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": authorization}
    )


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


async def test_property_71_a_token_signed_by_another_key_is_token_invalid_with_401(
    client: httpx.AsyncClient,
) -> None:
    forged = _token(client, uuid.uuid4(), KeyRing.generate())
    for token in (forged, "garbage", forged[:-4] + "AAAA"):
        response = await _post(client, "{ ping viewer }", f"Bearer {token}")
        body = response.json()
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["TOKEN_INVALID"]


async def test_an_expired_token_is_token_expired_with_401(client: httpx.AsyncClient) -> None:
    expired = _token(client, uuid.uuid4(), now=datetime.now(UTC) - timedelta(hours=1))
    response = await _post(client, "{ ping }", f"Bearer {expired}")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["TOKEN_EXPIRED"]


async def test_no_token_at_all_is_an_anonymous_caller(client: httpx.AsyncClient) -> None:
    for authorization in ("Basic dXNlcjpwYXNz", "Bearer", ""):
        response = await _post(client, "{ ping viewer }", authorization)
        body = response.json()
        assert response.status_code == 200
        assert body["data"] is None or body["data"].get("ping") == "pong"
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_signing_in_still_works_with_a_stale_token_in_the_header(
    client: httpx.AsyncClient,
) -> None:
    expired = _token(client, uuid.uuid4(), now=datetime.now(UTC) - timedelta(hours=1))
    response = await _post(
        client,
        'mutation { refreshToken(input: {refreshToken: "unknown"}) { errors { code } } }',
        f"Bearer {expired}",
    )
    codes = [e["extensions"]["code"] for e in response.json().get("errors", [])]
    assert response.status_code == 200
    assert "TOKEN_EXPIRED" not in codes  # the refresh itself answers (here: an unknown token)
