"""Helpers of the partner API tests: a signed-in user's access token, GraphQL over HTTP with a
token or an API key, and creating keys and manifests."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from app.accounts.models import User
from app.security.tokens import issue_access_token

KEY_FIELDS = (
    "id name prefix scopes trustedOnly manifest rateLimitPerMinute expiresAt revokedAt active "
    "requestCount costUsed lastUsedAt"
)


def session_token(client: httpx.AsyncClient, user: User) -> str:
    """An access token of `user`, as signing in would give."""
    state = client._transport.app.state  # type: ignore[attr-defined]
    token, _ = issue_access_token(state.keyring, state.settings, user=user, session_id=None)
    return token


def document_id(document: str) -> str:
    return "sha256:" + hashlib.sha256(document.encode()).hexdigest()


async def gql(
    client: httpx.AsyncClient,
    query: str | None = None,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    key: str | None = None,
    bearer_key: bool = False,
    **body: Any,
) -> httpx.Response:
    """POST a GraphQL request with an access token, or an API key (X-Api-Key, or Bearer)."""
    headers: dict[str, str] = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if key is not None:
        headers.update({"Authorization": f"Bearer {key}"} if bearer_key else {"X-Api-Key": key})
    payload = {k: v for k, v in {"query": query, "variables": variables, **body}.items() if v}
    return await client.post("/graphql", json=payload, headers=headers)


async def mutate(
    client: httpx.AsyncClient, token: str, name: str, input_: dict[str, Any], fields: str
) -> dict[str, Any]:
    """Run mutation `name(input:)` with `token`; its payload (errors included)."""
    query = f"mutation($input: {_input_type(name)}!) {{ {name}(input: $input) {{ {fields} }} }}"
    response = await gql(client, query, {"input": input_}, token=token)
    body = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][name]
    return payload


def _input_type(name: str) -> str:
    return name[0].upper() + name[1:] + "Input"


async def create_key(
    client: httpx.AsyncClient, token: str, **input_: Any
) -> tuple[str, dict[str, Any]]:
    """A new API key (name and scopes default to a read/write key): its secret and fields."""
    values = {"name": "Partner", "scopes": ["READ", "WRITE"], **input_}
    payload = await mutate(
        client, token, "createApiKey", values, f"secret apiKey {{ {KEY_FIELDS} }} errors {{ code }}"
    )
    assert payload["errors"] == [], payload["errors"]
    return payload["secret"], payload["apiKey"]


async def upload(
    client: httpx.AsyncClient, token: str, manifest: str, documents: list[str]
) -> dict[str, Any]:
    """Upload `documents` (by their own ids) to `manifest`; the payload."""
    items = [{"documentId": document_id(d), "document": d} for d in documents]
    return await mutate(
        client,
        token,
        "uploadTrustedDocuments",
        {"manifest": manifest, "documents": items},
        "documents { id documentId manifest operationName revokedAt } "
        "errors { field code message }",
    )
